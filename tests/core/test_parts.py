"""Parquet parts of a partition: chunked writes, fingerprints, and replacement that readers only
ever see whole, on a local folder and on S3 (a moto server)."""

from __future__ import annotations

import contextlib
import os
import signal
import io
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from synth_assets.core import parts
from synth_assets.core.storage import Store
from tests.resources.stores import store_fixture  # noqa: F401 (the store fixture)

PARTITION = "src/snap/file.xml"
FOLDER = f"stage/{PARTITION}"


@pytest.fixture(autouse=True)
def small_parts(monkeypatch):
    monkeypatch.setattr(parts, "ROWS_PER_PART", 3)


def rows(count: int, tag: str = "old") -> list[dict]:
    return [{"id": f"r{i}", "value": f"{tag}-{i}"} for i in range(count)]


def partition_state(store: Store) -> tuple:
    """What a reader sees of the partition: part keys with their bytes, rows and fingerprint."""
    keys = parts.part_keys(store, "stage", PARTITION)
    return ({key: store.read_bytes(key) for key in keys}, list(parts.read_rows(store, "stage", PARTITION)),
            parts.stored_fingerprint(store, "stage", PARTITION))


def files_in_folder(store: Store) -> set[str]:
    return {key.rsplit("/", 1)[1] for key in store.list_keys(FOLDER)}


class Killed(BaseException):
    """The process died here: nothing after it runs."""


def rows_then_death(count: int):
    yield from rows(count, "new")
    raise Killed


class DyingStore(Store):
    """A store whose process dies right after its ``writes``-th write: that write lands, and every
    call after it fails, cleanup too, as after a SIGKILL."""

    def __init__(self, store: Store, writes: int):
        self.store, self.writes_left = store, writes

    def _alive(self) -> Store:
        if self.writes_left <= 0:
            raise Killed
        return self.store

    def write_bytes(self, key, data):
        self._alive().write_bytes(key, data)
        self.writes_left -= 1
        self._alive()

    def uri(self, key=""):
        return self._alive().uri(key)

    def read_bytes(self, key):
        return self._alive().read_bytes(key)

    def list_keys(self, prefix=""):
        return self._alive().list_keys(prefix)

    def delete_prefix(self, prefix):
        self._alive().delete_prefix(prefix)

    def size(self, key):
        return self._alive().size(key)

    @contextlib.contextmanager
    def local_copy(self, key):
        with self._alive().local_copy(key) as path:
            yield path


def test_parts_round_trip_in_chunks_with_their_fingerprint(store):
    keys = parts.write_parts(store, "stage", PARTITION, iter(rows(7)), fingerprint_value="fp1")
    assert len(keys) == 3 and parts.part_keys(store, "stage", PARTITION) == keys
    assert [r["id"] for r in parts.read_rows(store, "stage", PARTITION)] == [r["id"] for r in rows(7)]
    assert parts.stored_fingerprint(store, "stage", PARTITION) == "fp1"
    assert [pq.read_metadata(io.BytesIO(store.read_bytes(k))).num_rows for k in keys] == [3, 3, 1]


def test_an_empty_partition_keeps_its_schema(store):
    schema = pa.schema([("id", pa.string()), ("value", pa.int64())])
    parts.write_parts(store, "stage", PARTITION, [], fingerprint_value="empty", schema=schema)
    assert parts.read_table(store, "stage", PARTITION).schema.names == ["id", "value"]
    assert parts.stored_fingerprint(store, "stage", PARTITION) == "empty"


def test_an_empty_partition_without_a_schema_reads_as_no_rows_whatever_columns_are_asked(store):
    parts.write_parts(store, "stage", PARTITION, [], fingerprint_value="empty")
    assert list(parts.read_rows(store, "stage", PARTITION, columns=["parent_id", "transcript"])) == []
    assert parts.stored_fingerprint(store, "stage", PARTITION) == "empty"


def test_a_completed_write_replaces_every_part_and_leaves_no_stray_file(store):
    parts.write_parts(store, "stage", PARTITION, rows(7), fingerprint_value="fp1")
    new_keys = parts.write_parts(store, "stage", PARTITION, rows(4, "new"), fingerprint_value="fp2")
    assert partition_state(store)[1:] == (rows(4, "new"), "fp2")
    assert files_in_folder(store) == {parts.MANIFEST, *(k.rsplit("/", 1)[1] for k in new_keys)}


def test_a_write_killed_after_its_first_part_leaves_the_old_partition_unchanged(store):
    parts.write_parts(store, "stage", PARTITION, rows(7), fingerprint_value="fp1")
    before, files_before = partition_state(store), files_in_folder(store)
    with pytest.raises(Killed):
        parts.write_parts(store, "stage", PARTITION, rows_then_death(4), fingerprint_value="fp2")
    assert partition_state(store) == before
    assert files_in_folder(store) == files_before, "the killed write's parts are removed"


def test_a_hard_kill_leaves_the_old_partition_unchanged_and_a_write_a_day_later_clears_its_parts(store, monkeypatch):
    parts.write_parts(store, "stage", PARTITION, rows(7), fingerprint_value="fp1")
    before, files_before = partition_state(store), files_in_folder(store)
    for writes in (1, 3):  # dead after the first new part, or after the last one, before the manifest
        with pytest.raises(Killed):
            parts.write_parts(DyingStore(store, writes), "stage", PARTITION, rows(9, "new"), fingerprint_value="fp2")
        assert partition_state(store) == before
    killed = files_in_folder(store) - files_before
    assert len(killed) == 1 + 3, "unpublished parts stay until a later write"
    # Just after, they could be another write's in flight: a write keeps them.
    keys = parts.write_parts(store, "stage", PARTITION, rows(2, "new"), fingerprint_value="fp3")
    assert partition_state(store)[1:] == (rows(2, "new"), "fp3")
    assert files_in_folder(store) == {parts.MANIFEST, keys[0].rsplit("/", 1)[1], *killed}
    monkeypatch.setattr(parts, "ABANDONED_AFTER_S", -1)  # as if a day went by
    keys = parts.write_parts(store, "stage", PARTITION, rows(2, "new"), fingerprint_value="fp4")
    assert files_in_folder(store) == {parts.MANIFEST, keys[0].rsplit("/", 1)[1]}


def test_a_write_in_flight_keeps_its_parts_when_another_write_of_the_partition_publishes_first(store):
    parts.write_parts(store, "stage", PARTITION, rows(7), fingerprint_value="fp1")

    def another_write_publishes():  # two backfills over the same partition: the other one ends first
        parts.write_parts(store, "stage", PARTITION, rows(4, "other"), fingerprint_value="fp2")

    keys = parts.write_parts(store, "stage", PARTITION, rows(5, "new"), fingerprint_value="fp3",
                             before_publish=another_write_publishes)
    assert partition_state(store)[1:] == (rows(5, "new"), "fp3")  # every part its manifest names is there
    assert files_in_folder(store) == {parts.MANIFEST, *(k.rsplit("/", 1)[1] for k in keys)}


def test_what_must_be_in_place_is_written_after_every_part_and_before_the_publish(store):
    parts.write_parts(store, "stage", PARTITION, rows(7), fingerprint_value="fp1")
    seen = []

    def quarantine_then_check():
        seen.append((len(files_in_folder(store)), partition_state(store)[1:]))

    parts.write_parts(store, "stage", PARTITION, rows(4, "new"), fingerprint_value="fp2",
                      before_publish=quarantine_then_check)
    # 1 manifest + 3 old parts + 2 new ones, while readers still see the old partition
    assert seen == [(1 + 3 + 2, (rows(7), "fp1"))]
    assert partition_state(store)[1:] == (rows(4, "new"), "fp2")

    def killed():
        raise Killed()

    with pytest.raises(Killed):
        parts.write_parts(store, "stage", PARTITION, rows(2, "newer"), fingerprint_value="fp3", before_publish=killed)
    assert partition_state(store)[1:] == (rows(4, "new"), "fp2"), "a kill before the publish keeps fp2: a rerun recomputes"


def test_a_kill_after_the_publish_leaves_the_new_partition_and_old_parts_only_as_strays(store):
    parts.write_parts(store, "stage", PARTITION, rows(7), fingerprint_value="fp1")
    with pytest.raises(Killed):  # three parts, the manifest, then death before the old parts are deleted
        parts.write_parts(DyingStore(store, 4), "stage", PARTITION, rows(8, "new"), fingerprint_value="fp2")
    assert partition_state(store)[1:] == (rows(8, "new"), "fp2")


def write_legacy_part(store: Store, index: int, table_rows: list[dict], fingerprint_value: str | None) -> None:
    """A part as the layout before parts.json wrote it: the fingerprint in the last part's footer."""
    table = pa.Table.from_pylist(table_rows)
    if fingerprint_value:
        table = table.replace_schema_metadata({parts.LEGACY_FINGERPRINT_KEY: fingerprint_value.encode()})
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    store.write_bytes(f"{FOLDER}/part-{index:05d}.parquet", buffer.getvalue())


def test_a_partition_in_the_legacy_layout_is_read_and_its_next_write_replaces_it(store):
    write_legacy_part(store, 0, rows(7)[:3], None)
    assert parts.stored_fingerprint(store, "stage", PARTITION) is None, "a legacy partition without its last part"
    write_legacy_part(store, 1, rows(7)[3:], "legacy-fp")
    assert partition_state(store)[1:] == (rows(7), "legacy-fp")
    assert parts.stored_partitions(store, "stage") == [PARTITION]
    with pytest.raises(Killed):
        parts.write_parts(store, "stage", PARTITION, rows_then_death(4), fingerprint_value="fp2")
    assert partition_state(store)[1:] == (rows(7), "legacy-fp")
    keys = parts.write_parts(store, "stage", PARTITION, rows(2, "new"), fingerprint_value="fp2")
    assert files_in_folder(store) == {parts.MANIFEST, keys[0].rsplit("/", 1)[1]}


def test_the_manifest_names_the_fingerprint_and_the_parts(store):
    keys = parts.write_parts(store, "stage", PARTITION, rows(4), fingerprint_value="fp1")
    manifest = json.loads(store.read_bytes(parts.manifest_key("stage", PARTITION)))
    assert manifest == {"fingerprint": "fp1", "parts": [k.rsplit("/", 1)[1] for k in keys]}


def test_stored_partitions_are_the_published_ones(store):
    parts.write_parts(store, "stage", "a/2026-11-01/x.xml", rows(1), fingerprint_value="fp")
    parts.write_parts(store, "stage", "b/2026-11-01/y.xml", rows(1), fingerprint_value="fp")
    with pytest.raises(Killed):  # a first write that never published: no partition yet
        parts.write_parts(DyingStore(store, 1), "stage", "c/2026-11-01/z.xml", rows(1), fingerprint_value="fp")
    assert store.list_keys("stage/c")
    assert parts.stored_partitions(store, "stage") == ["a/2026-11-01/x.xml", "b/2026-11-01/y.xml"]
    assert parts.stored_partitions(store, "stage", within="b") == ["b/2026-11-01/y.xml"]
    assert parts.stored_fingerprint(store, "stage", "c/2026-11-01/z.xml") is None


def test_a_part_ends_at_part_bytes_of_audio_and_reads_back_in_order_a_batch_at_a_time(store, monkeypatch):
    monkeypatch.setattr(parts, "ROWS_PER_PART", 1000)
    monkeypatch.setattr(parts, "PART_BYTES", 1000)
    monkeypatch.setattr(parts, "ROWS_PER_BATCH", 2)
    clips = [{"id": f"clip{i}", "audio": bytes([i]) * 400} for i in range(7)]
    keys = parts.write_parts(store, "stage", PARTITION, clips, fingerprint_value="f")
    # 405 bytes a row: a part ends once it holds 1000, so 3 + 3 + 1 rows.
    assert [pq.ParquetFile(io.BytesIO(store.read_bytes(k))).metadata.num_rows for k in keys] == [3, 3, 1]
    assert list(parts.read_rows(store, "stage", PARTITION)) == clips
    assert list(parts.read_rows(store, "stage", PARTITION, columns=["id"])) == [{"id": c["id"]} for c in clips]


def test_a_signal_during_the_publish_waits_until_the_parts_and_what_goes_with_them_are_published(store):
    parts.write_parts(store, "stage", PARTITION, rows(4), fingerprint_value="fp-old")
    signal_sent = []

    def before_publish():  # Ctrl-C lands while the partition is being published
        os.kill(os.getpid(), signal.SIGINT)
        signal_sent.append(True)

    with pytest.raises(KeyboardInterrupt):
        parts.write_parts(store, "stage", PARTITION, rows(5, "new"), fingerprint_value="fp-new",
                          before_publish=before_publish,
                          after_publish=lambda: store.write_bytes(f"{FOLDER}/manifest.jsonl", b"new\n"))
    assert signal_sent
    assert parts.stored_fingerprint(store, "stage", PARTITION) == "fp-new"
    assert [r["value"] for r in parts.read_rows(store, "stage", PARTITION)] == [f"new-{i}" for i in range(5)]
    assert store.read_bytes(f"{FOLDER}/manifest.jsonl") == b"new\n"


def test_a_signal_while_rows_are_made_publishes_nothing_and_leaves_no_parts_behind(store):
    parts.write_parts(store, "stage", PARTITION, rows(4), fingerprint_value="fp-old")
    before = partition_state(store)

    def made():
        yield from rows(4, "new")
        os.kill(os.getpid(), signal.SIGINT)
        yield from rows(4, "late")

    with pytest.raises(KeyboardInterrupt):
        parts.write_parts(store, "stage", PARTITION, made(), fingerprint_value="fp-new")
    assert partition_state(store) == before
    assert files_in_folder(store) == {"parts.json", *(key.rsplit("/", 1)[1] for key in before[0])}
