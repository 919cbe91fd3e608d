"""Partitions: one partition per dump file of one source in one crawl snapshot.

A key is the file's path in the landing zone, ``<source>/<snapshot>/<file>``, so a backfill of a
snapshot or a source selects the same slice through the whole graph, and every stage's parts sit
under the same path (``<asset>/<source>/<snapshot>/<file>/part-00000.parquet``).
"""

from __future__ import annotations

from dataclasses import dataclass

from dagster import DynamicPartitionsDefinition

from resources.storage import Storage

shards = DynamicPartitionsDefinition(name="crawl_shards")


@dataclass(frozen=True)
class ShardKey:
    source: str
    snapshot: str
    file: str

    @classmethod
    def parse(cls, key: str) -> "ShardKey":
        parts = key.split("/", 2)
        if len(parts) != 3 or not all(parts):
            raise ValueError(f"partition key {key!r} is not <source>/<snapshot>/<file>")
        return cls(*parts)

    def __str__(self) -> str:
        return f"{self.source}/{self.snapshot}/{self.file}"


def landing_shards(landing: Storage) -> list[str]:
    """Shard keys for every dump file lying at <source>/<snapshot>/<file> in the landing zone."""
    keys = []
    for key in landing.list_keys():
        parts = key.split("/")
        if len(parts) == 3 and not any(p.startswith((".", "_")) for p in parts):
            keys.append(key)
    return keys
