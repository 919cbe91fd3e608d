"""Storage roots (local folder and real S3 protocol) and Parquet parts written through them."""

from __future__ import annotations

import uuid

import boto3
import pytest
from dagster_aws.s3 import S3Resource

from resources.storage import LocalStorage, S3Storage, UnsafeKey
from synth_assets.core import parts


@pytest.fixture(params=["local", "s3"])
def store(request, tmp_path):
    if request.param == "local":
        return LocalStorage(root=str(tmp_path / "root"))
    endpoint = request.getfixturevalue("moto_endpoint")
    bucket = f"synth-{uuid.uuid4().hex[:8]}"
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(Bucket=bucket)
    s3 = S3Resource(endpoint_url=endpoint, region_name="us-east-1")
    return S3Storage(s3=s3, bucket=bucket, prefix="runs/a")


def test_bytes_round_trip_list_and_delete(store):
    store.write_bytes("x/a.bin", b"one")
    store.write_bytes("x/b/c.bin", b"two")
    store.write_bytes("xy/d.bin", b"three")
    assert store.read_bytes("x/b/c.bin") == b"two"
    assert store.list_keys("x") == ["x/a.bin", "x/b/c.bin"]  # "xy/" is not under "x"
    assert store.exists("x/a.bin") and not store.exists("x/zzz.bin")
    assert store.size("x/b/c.bin") == 3
    with store.local_copy("x/a.bin") as path:
        assert path.read_bytes() == b"one"
    store.delete_prefix("x")
    assert store.list_keys() == ["xy/d.bin"]


@pytest.mark.parametrize("key", ["../escape.txt", "/etc/passwd", "a/../../b"])
def test_keys_cannot_leave_the_root(store, key):
    with pytest.raises(UnsafeKey):
        store.write_bytes(key, b"no")


def test_parts_round_trip_with_fingerprint_and_chunks(store, monkeypatch):
    monkeypatch.setattr(parts, "ROWS_PER_PART", 3)
    rows = [{"id": f"r{i}", "value": i} for i in range(7)]
    keys = parts.write_parts(store, "stage", "src/snap/file.xml", iter(rows), fingerprint_value="fp1")
    assert keys == [f"stage/src/snap/file.xml/part-{i:05d}.parquet" for i in range(3)]
    assert [r["id"] for r in parts.read_rows(store, "stage", "src/snap/file.xml")] == [r["id"] for r in rows]
    assert parts.stored_fingerprint(store, "stage", "src/snap/file.xml") == "fp1"
    # A smaller rewrite removes the parts it no longer needs.
    parts.write_parts(store, "stage", "src/snap/file.xml", rows[:2], fingerprint_value="fp2")
    assert len(parts.part_keys(store, "stage", "src/snap/file.xml")) == 1
    assert parts.read_table(store, "stage", "src/snap/file.xml").num_rows == 2


def test_partition_without_fingerprint_counts_as_incomplete(store):
    assert parts.stored_fingerprint(store, "stage", "p") is None
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    buffer = io.BytesIO()
    pq.write_table(pa.table({"id": ["a"]}), buffer)  # as if a run died before its last part
    store.write_bytes(parts.part_key("stage", "p", 0), buffer.getvalue())
    assert parts.stored_fingerprint(store, "stage", "p") is None


def test_local_write_leaves_no_temp_files(tmp_path):
    store = LocalStorage(root=str(tmp_path))
    for _ in range(3):
        store.write_bytes("a/b.bin", b"data")
    assert [p.name for p in (tmp_path / "a").iterdir()] == ["b.bin"]
