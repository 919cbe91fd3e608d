"""Storage roots: a local folder and the real S3 protocol."""

from __future__ import annotations

import pytest

from resources.storage import LocalStorage, UnsafeKey
from tests.resources.stores import store_fixture  # noqa: F401 (the store fixture)


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


def test_local_write_leaves_no_temp_files(tmp_path):
    store = LocalStorage(root=str(tmp_path))
    for _ in range(3):
        store.write_bytes("a/b.bin", b"data")
    assert [p.name for p in (tmp_path / "a").iterdir()] == ["b.bin"]
