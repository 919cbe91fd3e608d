"""Parquet parts of a stage's partition: ``<asset>/<partition>/part-NNNNN.parquet`` in a Store.

The part's schema metadata carries a fingerprint of everything that made it (inputs' fingerprints,
code version, config), so a rerun with unchanged inputs can reuse the part instead of redoing work.
"""

from __future__ import annotations

import hashlib
import io
import json
from typing import Any, Iterable, Iterator

import pyarrow as pa
import pyarrow.parquet as pq

from synth_assets.core.storage import Store

FINGERPRINT_KEY = b"synth_assets.fingerprint"
QUARANTINE = "quarantine"
ROWS_PER_PART = 2000


def partition_prefix(asset: str, partition: str | None) -> str:
    return f"{asset}/{partition}" if partition else asset


def part_key(asset: str, partition: str | None, index: int) -> str:
    return f"{partition_prefix(asset, partition)}/part-{index:05d}.parquet"


def fingerprint(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:32]


def _table(rows: list[dict[str, Any]], schema: pa.Schema | None) -> pa.Table:
    if rows:
        return pa.Table.from_pylist(rows, schema=schema)
    return (schema or pa.schema([("id", pa.string())])).empty_table()


def write_parts(
    store: Store,
    asset: str,
    partition: str | None,
    rows: Iterable[dict[str, Any]],
    *,
    fingerprint_value: str,
    schema: pa.Schema | None = None,
) -> list[str]:
    """Replace a partition's parts with rows, written in bounded chunks; returns the keys written.

    Old parts beyond the new count are removed after the new ones are in place, and the fingerprint
    goes into the last part written, so a partition with a fingerprint is always complete.
    """
    keys: list[str] = []
    chunk: list[dict[str, Any]] = []
    pending: pa.Table | None = None

    def flush(table: pa.Table, final: bool) -> None:
        meta = dict(table.schema.metadata or {})
        if final:
            meta[FINGERPRINT_KEY] = fingerprint_value.encode()
        buffer = io.BytesIO()
        pq.write_table(table.replace_schema_metadata(meta), buffer, compression="zstd")
        key = part_key(asset, partition, len(keys))
        store.write_bytes(key, buffer.getvalue())
        keys.append(key)

    for row in rows:
        chunk.append(row)
        if len(chunk) >= ROWS_PER_PART:
            if pending is not None:
                flush(pending, final=False)
            pending, chunk = _table(chunk, schema), []
            schema = pending.schema
    if chunk or pending is None:
        if pending is not None:
            flush(pending, final=False)
        pending = _table(chunk, schema)
    flush(pending, final=True)
    for stale in store.list_keys(partition_prefix(asset, partition)):
        if stale not in keys and stale.rsplit("/", 1)[-1].startswith("part-"):
            store.delete_prefix(stale)
    return keys


def part_keys(store: Store, asset: str, partition: str | None) -> list[str]:
    prefix = partition_prefix(asset, partition)
    return [k for k in store.list_keys(prefix) if k.rsplit("/", 1)[-1].startswith("part-")
            and k.rsplit("/", 1)[0] == prefix]


def part_schema(store: Store, key: str) -> pa.Schema:
    """A part's schema from its footer: on local storage only the footer is read, never the audio."""
    with store.local_copy(key) as path:
        return pq.read_schema(path)


def stored_fingerprint(store: Store, asset: str, partition: str | None) -> str | None:
    """The fingerprint of a complete partition, or None when it is missing or incomplete."""
    keys = part_keys(store, asset, partition)
    if not keys:
        return None
    meta = part_schema(store, keys[-1]).metadata or {}
    value = meta.get(FINGERPRINT_KEY)
    return value.decode() if value else None


def iter_tables(store: Store, asset: str, partition: str | None, columns: list[str] | None = None) -> Iterator[pa.Table]:
    for key in part_keys(store, asset, partition):
        yield pq.read_table(io.BytesIO(store.read_bytes(key)), columns=columns)


def read_rows(store: Store, asset: str, partition: str | None, columns: list[str] | None = None) -> Iterator[dict[str, Any]]:
    """Rows of a partition, one part in memory at a time."""
    for table in iter_tables(store, asset, partition, columns):
        yield from table.to_pylist()


def read_table(store: Store, asset: str, partition: str | None, columns: list[str] | None = None) -> pa.Table:
    tables = list(iter_tables(store, asset, partition, columns))
    return pa.concat_tables(tables, promote_options="default") if tables else pa.table({})


def write_quarantine(store: Store, asset: str, partition: str | None, records: list) -> None:
    prefix = f"{asset}/{partition}" if partition else asset
    schema = pa.schema([(name, pa.string()) for name in
                        ("stage", "file", "position", "reason", "raw", "partition", "run_id")])
    write_parts(store, QUARANTINE, prefix, (r.to_row() for r in records),
                      fingerprint_value="quarantine", schema=schema)
