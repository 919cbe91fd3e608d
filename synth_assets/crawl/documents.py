"""crawl_snapshot's work: one dump file (or slice) of the landing zone read into documents, each
marked new, changed or unchanged against earlier snapshots of its source."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from typing import Iterator

from synth_assets.core.records import Quarantined
from synth_assets.core.stage_run import StageError, StageRun
from synth_assets.core.storage import Store
from synth_assets.crawl import snapshots
from synth_assets.crawl.shards import ShardKey
from synth_assets.crawl.sources import UnknownFormat, read_file

SOURCE_OPTIONS = "_source.json"  # per-source settings beside its snapshots: text_field, license, site
KNOWN_OPTIONS = {"text_field", "license", "site"}


def source_options(landing: Store, source: str) -> dict:
    """Settings of one source, from ``<source>/_source.json`` in the landing zone (all optional):
    ``text_field`` (generic JSONL/Parquet), ``license`` (what records that carry no license of their
    own are under, instead of what the reader assumes) and
    ``site`` (the Stack Exchange host used in question URLs)."""
    key = f"{source}/{SOURCE_OPTIONS}"
    if not landing.exists(key):
        return {}
    try:
        options = json.loads(landing.read_bytes(key))
    except ValueError as error:
        raise StageError(f"{key}: not valid JSON ({error})") from error
    unknown = set(options) - KNOWN_OPTIONS
    if not isinstance(options, dict) or unknown:
        raise StageError(f"{key}: expected an object with keys among {sorted(KNOWN_OPTIONS)}, got {sorted(unknown)}")
    return options


def file_digest(landing: Store, shard: ShardKey) -> str:
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


def read_documents(stage: StageRun, landing: Store, shard: ShardKey, options: dict,
                   known: dict[str, snapshots.Earlier]) -> Iterator[dict]:
    """Document rows of the shard, classified against ``known`` (earlier snapshots); unreadable
    records go to the stage's quarantine."""
    reader_options = {k: options[k] for k in ("text_field", "site", "license") if k in options}
    with landing.local_copy(shard.landing_key) as path:
        try:
            for item in read_file(path, source=shard.source, snapshot=shard.snapshot, rel_path=str(shard),
                                  part=shard.slice, **reader_options):
                if isinstance(item, Quarantined):
                    stage.quarantine(item)
                    continue
                yield snapshots.classify(item.to_row(), known)
        except UnknownFormat as error:
            raise StageError(f"{shard}: {error}") from error


def license_summary(frame) -> dict:
    """The crawl's licenses with their document counts, and the warnings the readers left in
    ``params`` (a license string no reader knows, kept with the source's license)."""
    warnings = [w for w in (json.loads(p).get("license_warning") for p in frame["params"]) if w]
    return {"licenses": dict(Counter(frame["license"]).most_common()),
            "license_warnings": len(warnings), "license_warning_examples": warnings[:5]}
