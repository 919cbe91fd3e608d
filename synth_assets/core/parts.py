"""Parquet parts of a stage's partition, in a Store under ``<asset>/<partition>/``.

A write makes a new generation of parts (``part-<generation>-NNNNN.parquet``, at most ROWS_PER_PART
rows and about PART_BYTES of text and audio each) and then publishes it by writing ``parts.json`` last:
the generation's part names and the fingerprint of everything that made them (inputs' fingerprints,
code version, config), so a rerun with unchanged inputs can reuse the parts instead of redoing work.
Readers read only the parts ``parts.json`` names. Its write is one PUT on S3 and one rename locally,
so a write killed at any point leaves the previous partition whole.

After its publish a write deletes the generation it replaced and the abandoned ones: no manifest
names them, and they were started more than ABANDONED_AFTER_S ago (a killed write's). A younger
generation no manifest names may be another write's still in flight (two backfills over the same
partition): deleting it made that write publish a manifest of missing parts, so it is left alone.
The generation's name starts with its start time for that.

Partitions written before ``parts.json`` existed (``part-NNNNN.parquet``, with the fingerprint in
the last part's footer) are still read. Their next write replaces them.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import re
import time
import uuid
from typing import Any, Callable, Iterable, Iterator

import pyarrow as pa
import pyarrow.parquet as pq

from synth_assets.core.interrupts import deferred_interrupts
from synth_assets.core.storage import Store

MANIFEST = "parts.json"
LEGACY_PART = re.compile(r"part-\d{5}\.parquet")
LEGACY_FINGERPRINT_KEY = b"synth_assets.fingerprint"  # in the footer of a legacy partition's last part
QUARANTINE = "quarantine"
ROWS_PER_PART = 2000
# Audio rows are large: 2000 clips of 6 s are about 320 MB of FLAC, and reading such a part whole held
# 7 times that. A part also ends at this many bytes of text and audio, and is read a batch at a time.
PART_BYTES = 64 << 20
# A generation no manifest names is a killed write's once it started this long ago (a write flushes a
# part every ROWS_PER_PART rows or PART_BYTES, well within a day even for slow voices).
ABANDONED_AFTER_S = 24 * 3600
PART_NAME = re.compile(r"part-(?P<generation>[0-9a-f]+)-\d{5}\.parquet")
ROWS_PER_BATCH = 64


def partition_prefix(asset: str, partition: str | None) -> str:
    return f"{asset}/{partition}" if partition else asset


def manifest_key(asset: str, partition: str | None) -> str:
    return f"{partition_prefix(asset, partition)}/{MANIFEST}"


def fingerprint(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:32]


def _table(rows: list[dict[str, Any]], schema: pa.Schema | None) -> pa.Table:
    if rows:
        return pa.Table.from_pylist(rows, schema=schema)
    return (schema or pa.schema([("id", pa.string())])).empty_table()


def _payload_bytes(row: dict[str, Any]) -> int:
    """The bytes of a row's text and binary values (what dominates a part's size)."""
    return sum(len(value) for value in row.values() if isinstance(value, (bytes, str)))


def _is_part(name: str) -> bool:
    return name.startswith("part-") and name.endswith(".parquet")


def _names_in(store: Store, prefix: str) -> list[str]:
    """Names of the files directly in the folder ``prefix`` (not in its subfolders)."""
    return [key[len(prefix) + 1:] for key in store.list_keys(prefix) if key.rsplit("/", 1)[0] == prefix]


def write_parts(
    store: Store,
    asset: str,
    partition: str | None,
    rows: Iterable[dict[str, Any]],
    *,
    fingerprint_value: str,
    schema: pa.Schema | None = None,
    before_publish: Callable[[], None] | None = None,
    after_publish: Callable[[], None] | None = None,
) -> list[str]:
    """Replace a partition's parts with rows, written in bounded chunks; returns the keys written.

    Until the manifest is written, readers see the previous parts, whatever happens to this write.
    ``before_publish`` runs once every part is written and before the manifest: what must be in
    place when the parts become visible (the stage's quarantine, which the rows fill as they are made).
    ``after_publish`` runs right after the manifest: what must change with the parts (a release's
    manifest.jsonl). A SIGINT or SIGTERM waits until both and the publish are done (see
    core/interrupts.py), so the partition is never left half old, half new.
    """
    prefix = partition_prefix(asset, partition)
    generation = _new_generation()
    written: list[str] = []

    def flush(table: pa.Table) -> None:
        buffer = io.BytesIO()
        pq.write_table(table, buffer, compression="zstd")
        name = f"part-{generation}-{len(written):05d}.parquet"
        store.write_bytes(f"{prefix}/{name}", buffer.getvalue())
        written.append(name)

    chunk: list[dict[str, Any]] = []
    chunk_bytes = 0
    published = False
    try:
        for row in rows:
            chunk.append(row)
            chunk_bytes += _payload_bytes(row)
            if len(chunk) >= ROWS_PER_PART or chunk_bytes >= PART_BYTES:
                table = _table(chunk, schema)
                schema, chunk, chunk_bytes = table.schema, [], 0  # every part has the first part's schema
                flush(table)
        if chunk or not written:
            flush(_table(chunk, schema))  # an empty partition still has one part, with its schema
        with deferred_interrupts():
            if before_publish is not None:
                before_publish()
            replaced = _published(store, asset, partition)[1]
            manifest = {"fingerprint": fingerprint_value, "parts": written}
            store.write_bytes(f"{prefix}/{MANIFEST}", json.dumps(manifest).encode())  # the publish
            published = True
            if after_publish is not None:
                after_publish()
    except BaseException:
        if not published:
            with contextlib.suppress(Exception):  # best effort: the next write deletes what is left
                for name in written:
                    store.delete_prefix(f"{prefix}/{name}")
        raise
    replaced_parts = set(replaced["parts"]) if replaced else set()
    for name in _names_in(store, prefix):
        if _is_part(name) and name not in written and (name in replaced_parts or _abandoned(name)):
            store.delete_prefix(f"{prefix}/{name}")
    return [f"{prefix}/{name}" for name in written]


def _new_generation() -> str:
    """Its start time (8 hex digits of Unix seconds), then 6 random ones: unique, and dated."""
    return f"{int(time.time()):08x}{uuid.uuid4().hex[:6]}"


def _abandoned(name: str) -> bool:
    """A part no manifest names that no write can still be making: a legacy part, one of a generation
    named without its start time (12 random digits, before it was in the name), or one started
    ABANDONED_AFTER_S ago."""
    match = PART_NAME.fullmatch(name)
    if match is None or len(match["generation"]) != len(_new_generation()):
        return True
    return time.time() - int(match["generation"][:8], 16) > ABANDONED_AFTER_S


def _published(store: Store, asset: str, partition: str | None) -> tuple[list[str], dict | None]:
    """The keys of the partition's published parts, and its manifest (None in the legacy layout)."""
    prefix = partition_prefix(asset, partition)
    names = _names_in(store, prefix)
    if MANIFEST in names:
        manifest = json.loads(store.read_bytes(f"{prefix}/{MANIFEST}"))
        return [f"{prefix}/{name}" for name in manifest["parts"]], manifest
    return [f"{prefix}/{name}" for name in sorted(names) if LEGACY_PART.fullmatch(name)], None


def part_keys(store: Store, asset: str, partition: str | None) -> list[str]:
    return _published(store, asset, partition)[0]


def stored_partitions(store: Store, asset: str, within: str = "") -> list[str]:
    """Partitions of the asset (under the partition prefix ``within``) with published parts, sorted.
    A legacy partition is listed even when incomplete: ``stored_fingerprint`` tells."""
    root = partition_prefix(asset, within.strip("/"))
    found = set()
    for key in store.list_keys(root):
        folder, _, name = key.rpartition("/")
        if folder.startswith(f"{asset}/") and (name == MANIFEST or LEGACY_PART.fullmatch(name)):
            found.add(folder[len(asset) + 1:])
    return sorted(found)


def part_schema(store: Store, key: str) -> pa.Schema:
    """A part's schema from its footer: on local storage only the footer is read, never the audio."""
    with store.local_copy(key) as path:
        return pq.read_schema(path)


def row_count(store: Store, asset: str, partition: str | None) -> int:
    """The rows of a stored partition, from its parts' footers (on local storage, never the audio)."""
    total = 0
    for key in part_keys(store, asset, partition):
        with store.local_copy(key) as path:
            total += pq.read_metadata(path).num_rows
    return total


def stored_fingerprint(store: Store, asset: str, partition: str | None) -> str | None:
    """The fingerprint of a complete partition, or None when it is missing or incomplete."""
    keys, manifest = _published(store, asset, partition)
    if manifest is not None:
        return manifest["fingerprint"]
    if not keys:
        return None
    value = (part_schema(store, keys[-1]).metadata or {}).get(LEGACY_FINGERPRINT_KEY)
    return value.decode() if value else None


def _parts(store: Store, asset: str, partition: str | None, columns: list[str] | None) -> Iterator[pq.ParquetFile]:
    for key in part_keys(store, asset, partition):
        part = pq.ParquetFile(io.BytesIO(store.read_bytes(key)))
        if columns and part.metadata.num_rows == 0 and not set(columns) <= set(part.schema_arrow.names):
            continue  # a stage that made no rows wrote no columns: there is nothing to read
        yield part


def iter_tables(store: Store, asset: str, partition: str | None, columns: list[str] | None = None) -> Iterator[pa.Table]:
    for part in _parts(store, asset, partition, columns):
        yield part.read(columns=columns)


def read_rows(store: Store, asset: str, partition: str | None, columns: list[str] | None = None) -> Iterator[dict[str, Any]]:
    """Rows of a partition, a batch at a time: one part's bytes and its decoded columns in memory,
    never the partition, nor a part as Python objects."""
    for part in _parts(store, asset, partition, columns):
        for batch in part.iter_batches(batch_size=ROWS_PER_BATCH, columns=columns):
            yield from batch.to_pylist()


def read_table(store: Store, asset: str, partition: str | None, columns: list[str] | None = None) -> pa.Table:
    tables = list(iter_tables(store, asset, partition, columns))
    return pa.concat_tables(tables, promote_options="default") if tables else pa.table({})


def write_quarantine(store: Store, asset: str, partition: str | None, records: list) -> None:
    schema = pa.schema([(name, pa.string()) for name in
                        ("stage", "file", "position", "reason", "raw", "partition", "run_id")])
    write_parts(store, QUARANTINE, partition_prefix(asset, partition), (r.to_row() for r in records),
                fingerprint_value="quarantine", schema=schema)
