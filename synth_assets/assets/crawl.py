"""Crawl snapshot: dump files in the landing zone parsed into documents (synth_assets/crawl/)."""

from dagster import AssetExecutionContext, MetadataValue

from resources.storage import Storage
from synth_assets.core import names, parts
from synth_assets.crawl import snapshots
from synth_assets.crawl.documents import file_digest, license_summary, open_dump, read_documents, source_options
from synth_assets.crawl.shards import ShardKey
from synth_assets.orchestration.stage import run_stage, stage_asset


@stage_asset(
    group_name="crawl",
    kinds=("python", "parquet"),
    # v2: headings keep their level, list items their marker; disambiguation pages quarantined.
    # v3: licenses per record (Stack Exchange ContentLicense / post date), the configured one as the fallback.
    code_version="crawl-v4",
    description="Documents parsed from one dump file (or slice of a large one) of a crawl snapshot: "
    "MediaWiki XML / bz2, Stack Exchange Posts.xml or site .7z, Alpaca JSON, UltraChat JSONL / Parquet, "
    "generic JSONL / Parquet text. Each is marked new, changed or unchanged against earlier snapshots; "
    "unreadable records go to the quarantine table.",
)
def crawl_snapshot(context: AssetExecutionContext, landing: Storage, store: Storage):
    shard = ShardKey.parse(context.partition_key)
    options = source_options(landing, shard.source)
    earlier = snapshots.earlier_partitions(store, shard)
    known = snapshots.earlier_documents(store, earlier)

    def summarize(frame):
        licenses = license_summary(frame)
        if licenses["license_warnings"]:
            context.log.warning(f"{shard}: {licenses['license_warnings']} records with an unknown license, kept "
                                f"with the source's: {licenses['license_warning_examples']}")
        return {
            "documents": len(frame),
            "words": int(frame["text"].str.split().str.len().sum()),
            **licenses,
            "changes": frame["change"].value_counts().to_dict(),
            "compared_with": MetadataValue.md("\n".join(f"- {p}" for p in earlier) or "no earlier snapshot"),
        }

    earlier_versions = {p: parts.stored_fingerprint(store, names.CRAWL_SNAPSHOT, p) for p in earlier}
    dump = open_dump(landing, shard)  # a slice: read by byte ranges, never the whole file
    inputs = {"file_sha256": file_digest(landing, shard, dump), "earlier": earlier_versions, "options": options}

    def bytes_read(frame):
        figures = summarize(frame)
        if dump is not None:
            start, end = shard.slice.byte_range(dump.size)
            figures |= {"bytes_fetched": dump.bytes_fetched, "slice_bytes": end - start}
        return figures

    return run_stage(context, store, inputs=inputs, summarize=bytes_read, require_rows=True,
                     produce=lambda stage: read_documents(stage, landing, shard, options, known, dump, store))


@stage_asset(
    deps=(names.CRAWL_SNAPSHOT,),
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

    inputs = {p: parts.stored_fingerprint(store, names.CRAWL_SNAPSHOT, p) for p in snapshots.crawled_partitions(store)}
    return run_stage(context, store, inputs=inputs, produce=lambda stage: iter(rows), summarize=summarize)
