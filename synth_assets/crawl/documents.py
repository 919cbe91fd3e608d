"""crawl_snapshot's work: one dump file (or slice) of the landing zone read into documents, each
marked new, changed or unchanged against earlier snapshots of its source."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
from collections import Counter
from collections.abc import Iterator

import numpy as np

from synth_assets.core.ranges import ObjectChanged, RangedSource
from synth_assets.core.records import Quarantined
from synth_assets.core.stage_run import StageError, StageRun
from synth_assets.core.storage import Store
from synth_assets.crawl import snapshots
from synth_assets.crawl.shards import ShardKey
from synth_assets.crawl.sources import UnknownFormat, read_file
from synth_assets.crawl.sources.slices import IndexMismatch, index_name, split_name, stream_offsets
from synth_assets.crawl.sources.threads import ThreadIndex, ThreadIndexError, build_thread_index

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


def open_dump(landing: Store, shard: ShardKey) -> RangedSource | None:
    """A sliced shard's dump, read by byte ranges (only the slice's range is fetched); None for a
    whole file, which is read from a local copy."""
    return landing.open_ranged(shard.landing_key) if shard.slice else None


INDEXES = "_dump_index"  # in the deployment's store: each dump's stream offsets or thread index, read once


def dump_index(landing: Store, shard: ShardKey, cache: Store | None = None,
               source: RangedSource | None = None) -> list[int] | ThreadIndex | None:
    """What a slice needs to find its records exactly: a multistream dump's stream offsets (from the
    index file beside it), or a Posts.xml's thread index (built by one pass over the dump). The first
    slice that needs one keeps it in ``cache`` keyed by the file's size and ETag; the others read that."""
    if shard.slice is None:
        return None
    if split_name(shard.file)[0].lower() == "posts.xml":
        return thread_index(landing, shard, cache, source)
    name = index_name(shard.landing_key)
    if name is None or not landing.exists(name):
        return None
    index = landing.open_ranged(name)
    key = f"{INDEXES}/{shard.landing_key}/streams-{_version(index)}.npy"
    if cache is not None and cache.exists(key):  # read once per dump, not once per slice
        return np.load(io.BytesIO(cache.read_bytes(key))).tolist()
    try:
        with index.open() as handle:
            offsets = stream_offsets(handle)
    except (OSError, EOFError, IndexMismatch) as error:
        raise StageError(f"{shard}: the stream index {name} is unreadable: {error}") from error
    if cache is not None:
        out = io.BytesIO()
        np.save(out, np.array(offsets, dtype=np.int64))
        cache.write_bytes(key, out.getvalue())
    return offsets


def _version(source: RangedSource) -> str:
    return hashlib.sha256(f"{source.size}:{source.etag}".encode()).hexdigest()[:16]


def thread_index(landing: Store, shard: ShardKey, cache: Store | None, source: RangedSource | None) -> ThreadIndex:
    source = source or landing.open_ranged(shard.landing_key)
    key = f"{INDEXES}/{shard.landing_key}/threads-{_version(source)}.npz"
    if cache is not None and cache.exists(key):
        return ThreadIndex.from_bytes(cache.read_bytes(key))
    whole = landing.open_ranged(shard.landing_key)  # its own count: the index pass is not the slice's read
    whole.fit_block(8 << 20)
    with whole.open() as stream:
        index = build_thread_index(stream, whole.size)
    if cache is not None:
        cache.write_bytes(key, index.to_bytes())
    return index


def file_digest(landing: Store, shard: ShardKey, source: RangedSource | None = None) -> str:
    """Content hash of a dump file, or of a slice's bytes (plus the file's head, which every slice
    reads), streamed: what decides whether the partition's input changed. A slice on S3 is
    identified by its object's ETag and range instead, so nothing is fetched twice."""
    digest = hashlib.sha256()
    if source is not None and source.etag and shard.slice:
        start, end = shard.slice.byte_range(source.size)
        digest.update(f"{source.size}:{start}:{end}:etag:{source.etag}".encode())
        return digest.hexdigest()
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
                   known: dict[str, snapshots.Earlier], source: RangedSource | None = None,
                   cache: Store | None = None) -> Iterator[dict]:
    """Document rows of the shard, classified against ``known`` (earlier snapshots); unreadable
    records go to the stage's quarantine. A slice is read from ``source`` (open_dump) by ranges.
    A dump replaced while it is read, or whose index is not its own, fails the slice (StageError):
    nothing of it is written, and the dump's other slices are not touched."""
    reader_options = {k: options[k] for k in ("text_field", "site", "license") if k in options}
    with contextlib.ExitStack() as stack:
        path = source if source is not None else stack.enter_context(landing.local_copy(shard.landing_key))
        try:
            if shard.slice is not None:
                reader_options["dump_index"] = dump_index(landing, shard, cache, source)
            for item in read_file(path, source=shard.source, snapshot=shard.snapshot, rel_path=str(shard),
                                  part=shard.slice, **reader_options):
                if isinstance(item, Quarantined):
                    stage.quarantine(item)
                    continue
                yield snapshots.classify(item.to_row(), known)
        except (UnknownFormat, IndexMismatch, ThreadIndexError) as error:
            raise StageError(f"{shard}: {error}") from error
        except ObjectChanged as error:
            raise StageError(f"{shard}: the dump changed while its slices were read, read this slice again: "
                             f"{error}") from error


def license_summary(frame) -> dict:
    """The crawl's licenses with their document counts, and the warnings the readers left in
    ``params`` (a license string no reader knows, kept with the source's license)."""
    warnings = [w for w in (json.loads(p).get("license_warning") for p in frame["params"]) if w]
    return {"licenses": dict(Counter(frame["license"]).most_common()),
            "license_warnings": len(warnings), "license_warning_examples": warnings[:5]}
