"""Incremental crawls: how each document of a snapshot relates to earlier snapshots of its source.

A document whose content hash equals the one it had in the latest earlier snapshot is "unchanged":
its downstream samples already exist, so later stages skip it and lineage points at the document
that was processed (``previous_id``). Snapshot ids sort in time order (dates: 2026-11-01).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pyarrow as pa

from synth_assets.core import names, parts
from synth_assets.core.storage import Store
from synth_assets.crawl.shards import ShardKey

NEW, CHANGED, UNCHANGED = "new", "changed", "unchanged"


@dataclass(frozen=True)
class Earlier:
    processed_id: str  # the document whose samples stand for this content
    content_hash: str


def crawled_partitions(store: Store, source: str | None = None) -> list[str]:
    """Complete crawl_snapshot partitions in storage (of one source, or all), sorted."""
    found = parts.stored_partitions(store, names.CRAWL_SNAPSHOT, within=source or "")
    return [p for p in found if parts.stored_fingerprint(store, names.CRAWL_SNAPSHOT, p)]


def earlier_partitions(store: Store, shard: ShardKey) -> list[str]:
    return [p for p in crawled_partitions(store, shard.source) if ShardKey.parse(p).snapshot < shard.snapshot]


def earlier_documents(store: Store, partitions: list[str]) -> dict[str, Earlier]:
    """doc_id -> its latest earlier version, following "unchanged" rows to the processed one."""
    rows = [row for p in partitions for row in parts.read_rows(
        store, names.CRAWL_SNAPSHOT, p, columns=["doc_id", "id", "snapshot", "content_hash", "change", "previous_id"])]
    latest: dict[str, Earlier] = {}
    for row in sorted(rows, key=lambda r: r["snapshot"]):
        processed = row["previous_id"] if row["change"] == UNCHANGED else row["id"]
        latest[row["doc_id"]] = Earlier(processed, row["content_hash"])
    return latest


def classify(row: dict, earlier: dict[str, Earlier]) -> dict:
    """Add ``change`` and ``previous_id`` to a document row."""
    before = earlier.get(row["doc_id"])
    if before is None:
        return {**row, "change": NEW, "previous_id": None}
    if before.content_hash == row["content_hash"]:
        return {**row, "change": UNCHANGED, "previous_id": before.processed_id}
    return {**row, "change": CHANGED, "previous_id": before.processed_id}


CHANGES_SQL = """
WITH docs AS (SELECT DISTINCT source, snapshot, doc_id, change FROM documents),
snaps AS (SELECT DISTINCT source, snapshot,
                 lag(snapshot) OVER (PARTITION BY source ORDER BY snapshot) AS previous
          FROM (SELECT DISTINCT source, snapshot FROM docs))
SELECT s.source, s.snapshot, s.previous,
       count(*) FILTER (WHERE d.change = 'new') AS new,
       count(*) FILTER (WHERE d.change = 'changed') AS changed,
       count(*) FILTER (WHERE d.change = 'unchanged') AS unchanged,
       (SELECT count(*) FROM docs p WHERE p.source = s.source AND p.snapshot = s.previous
          AND p.doc_id NOT IN (SELECT doc_id FROM docs c WHERE c.source = s.source AND c.snapshot = s.snapshot))
         AS removed
FROM snaps s JOIN docs d USING (source, snapshot)
GROUP BY ALL ORDER BY s.source, s.snapshot
"""


def snapshot_changes(store: Store) -> list[dict]:
    """New / changed / unchanged / removed document counts per source and snapshot."""
    tables = [parts.read_table(store, names.CRAWL_SNAPSHOT, p, columns=["source", "snapshot", "doc_id", "change"])
              for p in crawled_partitions(store)]
    tables = [t for t in tables if "change" in t.column_names and t.num_rows]
    if not tables:
        return []
    documents = pa.concat_tables(tables)  # noqa: F841 (DuckDB reads it by name)
    with duckdb.connect() as con:
        return con.execute(CHANGES_SQL).fetchdf().to_dict("records")
