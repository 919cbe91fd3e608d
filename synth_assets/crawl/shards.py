"""Crawl shards: one partition per dump file (or slice of a large one) of one source in one snapshot.

A key is the file's path in the landing zone, ``<source>/<snapshot>/<file>``, so a backfill of a
snapshot or a source selects the same slice through the whole graph, and every stage's parts sit
under the same path (``<asset>/<source>/<snapshot>/<file>/``).
"""

from __future__ import annotations

from dataclasses import dataclass

from synth_assets.core.limits import SLICE_BYTES
from synth_assets.core.storage import Store
from synth_assets.crawl.sources.slices import Slice, is_index, plan, split_name


@dataclass(frozen=True)
class ShardKey:
    source: str
    snapshot: str
    file: str

    @classmethod
    def parse(cls, key: str) -> ShardKey:
        parts = key.split("/", 2)
        if len(parts) != 3 or not all(parts):
            raise ValueError(f"partition key {key!r} is not <source>/<snapshot>/<file>")
        return cls(*parts)

    def __str__(self) -> str:
        return f"{self.source}/{self.snapshot}/{self.file}"

    @property
    def landing_key(self) -> str:
        """The dump file in the landing zone (without the slice a large dump's partition reads)."""
        return f"{self.source}/{self.snapshot}/{split_name(self.file)[0]}"

    @property
    def slice(self) -> Slice | None:
        return split_name(self.file)[1]


def order_key(partition: str) -> tuple[str, str, str]:
    """Processing order: by snapshot (crawl time), then source, then file. Earlier snapshots must be
    crawled first for incremental crawls, and deduplication compares each partition with those before it."""
    shard = ShardKey.parse(partition)
    return shard.snapshot, shard.source, shard.file


def processing_order(partitions) -> list[str]:
    return sorted(partitions, key=order_key)


def landing_shards(landing: Store, slice_bytes: int = SLICE_BYTES) -> list[str]:
    """Shard keys for every dump file lying at <source>/<snapshot>/<file> in the landing zone:
    the file itself, or "<file>@part-003-of-080" slices of one larger than ``slice_bytes`` (the callers
    at the edge pass settings.slice_bytes()). A multistream dump's stream
    index is read with its dump, not as a partition of its own."""
    keys = []
    for key in landing.list_keys():
        parts = key.split("/")
        if len(parts) == 3 and not any(p.startswith((".", "_")) for p in parts) and not is_index(parts[2]):
            folder = key.rsplit("/", 1)[0]
            keys += [f"{folder}/{name}" for name in plan(parts[2], landing.size(key), slice_bytes)]
    return processing_order(keys)
