"""Crawl snapshot: dump files in the landing zone parsed into documents."""


import hashlib
import json

from dagster import AssetExecutionContext, Failure, MetadataValue

from resources.storage import Storage
from synth_assets.core import parts
from synth_assets.crawl import snapshots
from synth_assets.orchestration.partitions import ShardKey
from synth_assets.core.records import Quarantined
from synth_assets.crawl.sources import UnknownFormat, read_file
from synth_assets.orchestration.stage import StageRun, run_stage, stage_asset


SOURCE_OPTIONS = "_source.json"  # per-source settings beside its snapshots: text_field, license, site
KNOWN_OPTIONS = {"text_field", "license", "site"}


def source_options(landing: Storage, source: str) -> dict:
    """Settings of one source, from ``<source>/_source.json`` in the landing zone (all optional):
    ``text_field`` (generic JSONL/Parquet), ``license`` (overrides what the reader assumes) and
    ``site`` (the Stack Exchange host used in question URLs)."""
    key = f"{source}/{SOURCE_OPTIONS}"
    if not landing.exists(key):
        return {}
    try:
        options = json.loads(landing.read_bytes(key))
    except ValueError as error:
        raise Failure(f"{key}: not valid JSON ({error})") from error
    unknown = set(options) - KNOWN_OPTIONS
    if not isinstance(options, dict) or unknown:
        raise Failure(f"{key}: expected an object with keys among {sorted(KNOWN_OPTIONS)}, got {sorted(unknown)}")
    return options


def file_digest(landing: Storage, shard: ShardKey) -> str:
    """Content hash of a dump file, or of a slice's bytes (plus the file's head, which every slice
    reads), streamed: what decides whether the partition's input changed."""
    digest = hashlib.sha256()
    with landing.local_copy(shard.landing_key) as path, open(path, "rb") as handle:
        size = path.stat().st_size
        start, end = shard.slice.byte_range(size) if shard.slice else (0, size)
        digest.update(f"{size}:{start}:{end}".encode())
        if start:
            digest.update(handle.read(1 << 16))
            handle.seek(start)
        left = end - start
        while left > 0 and (block := handle.read(min(1 << 20, left))):
            digest.update(block)
            left -= len(block)
    return digest.hexdigest()


@stage_asset(
    group_name="crawl",
    kinds=("python", "parquet"),
    code_version="crawl-v1",
    description="Documents parsed from one dump file (or slice of a large one) of a crawl snapshot: "
    "MediaWiki XML / bz2, Stack Exchange Posts.xml or site .7z, Alpaca JSON, UltraChat JSONL / Parquet, "
    "generic JSONL / Parquet text. Each is marked new, changed or unchanged against earlier snapshots; "
    "unreadable records go to the quarantine table.",
)
def crawl_snapshot(context: AssetExecutionContext, landing: Storage, store: Storage):
    shard = ShardKey.parse(context.partition_key)
    key = str(shard)

    options = source_options(landing, shard.source)
    reader_options = {k: options[k] for k in ("text_field", "site") if k in options}
    earlier = snapshots.earlier_partitions(store, shard)
    known = snapshots.earlier_documents(store, earlier)

    def produce(stage: StageRun):
        with landing.local_copy(shard.landing_key) as path:
            try:
                for item in read_file(path, source=shard.source, snapshot=shard.snapshot, rel_path=key,
                                      part=shard.slice, **reader_options):
                    if isinstance(item, Quarantined):
                        stage.quarantine(item)
                        continue
                    if "license" in options:
                        item.license = options["license"]
                    yield snapshots.classify(item.to_row(), known)
            except UnknownFormat as error:
                raise Failure(f"{key}: {error}") from error

    def summarize(frame):
        return {
            "documents": len(frame),
            "words": int(frame["text"].str.split().str.len().sum()),
            "licenses": ", ".join(sorted(frame["license"].unique())),
            "changes": frame["change"].value_counts().to_dict(),
            "compared_with": MetadataValue.md("\n".join(f"- {p}" for p in earlier) or "no earlier snapshot"),
        }

    earlier_versions = {p: parts.stored_fingerprint(store, "crawl_snapshot", p) for p in earlier}
    inputs = {"file_sha256": file_digest(landing, shard), "earlier": earlier_versions, "options": options}
    return run_stage(context, store, inputs=inputs, produce=produce, summarize=summarize, require_rows=True)


@stage_asset(
    deps=("crawl_snapshot",),
    partitioned=False,
    group_name="crawl",
    kinds=("duckdb", "parquet"),
    code_version="changes-v1",
    description="New, changed, unchanged and removed documents per source and snapshot, from every "
    "crawled partition: how the crawls moved over time.",
)
def snapshot_changes(context: AssetExecutionContext, store: Storage):
    rows = snapshots.snapshot_changes(store)

    def summarize(frame):
        columns = ["source", "snapshot", "new", "changed", "unchanged", "removed"]
        lines = ["| " + " | ".join(columns) + " |", "|---" * len(columns) + "|"]
        lines += ["| " + " | ".join(str(row[c]) for c in columns) + " |" for row in frame.to_dict("records")]
        return {"snapshots": len(frame), "changes": MetadataValue.md("\n".join(lines))}

    inputs = {p: parts.stored_fingerprint(store, "crawl_snapshot", p) for p in snapshots.crawled_partitions(store)}
    return run_stage(context, store, inputs=inputs, produce=lambda stage: iter(rows), summarize=summarize)


