"""Slices of large dumps fetch only their own byte range, locally and on S3 (HTTP range requests)."""

from __future__ import annotations

import bz2

import boto3
import pytest

from synth_assets import settings
from synth_assets.core.ranges import ObjectChanged
from synth_assets.core.records import Document, Quarantined
from synth_assets.core.stage_run import StageError
from synth_assets.crawl.generate import write_mediawiki, write_multistream
from synth_assets.crawl.shards import ShardKey, landing_shards
from synth_assets.crawl.sources import read_file
from synth_assets.crawl.sources.slices import IndexMismatch, Slice, stream_offsets
from tests.resources.stores import store_fixture  # noqa: F401 - the local and S3 ``store`` fixture

SLICES = 4


@pytest.fixture(scope="module")
def multistream(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dumps")
    dump = folder / "enwiki-test-pages-articles-multistream.xml.bz2"
    index = write_multistream(dump, seed=7, size=6 << 20, pages_per_stream=25)
    return dump, index


def read_slice(source, part, starts=None, rel="wiki/s1/dump"):
    return list(read_file(source, source="wiki", snapshot="s1", rel_path=rel, part=part, dump_index=starts))


def ids(records):
    return [r.doc_id for r in records if isinstance(r, Document)]


def put_landing(store, dump, index):
    store.write_bytes(f"wiki/s1/{dump.name}", dump.read_bytes())
    store.write_bytes(f"wiki/s1/{index.name}", index.read_bytes())


def test_each_slice_of_a_multistream_dump_fetches_at_most_1_2x_its_share(store, multistream):
    dump, index = multistream
    put_landing(store, dump, index)
    whole = ids(read_file(dump, source="wiki", snapshot="s1", rel_path="whole"))
    with store.open_ranged(f"wiki/s1/{index.name}").open() as handle:
        starts = stream_offsets(handle)
    sliced = []
    for i in range(SLICES):
        source = store.open_ranged(f"wiki/s1/{dump.name}")
        start, end = Slice(i, SLICES).byte_range(source.size)
        sliced += ids(read_slice(source, Slice(i, SLICES), starts))
        assert source.bytes_fetched <= 1.2 * (end - start), (i, source.bytes_fetched, end - start)
    assert sliced == whole and len(whole) > 100


def test_slices_without_the_index_find_the_same_streams(store, multistream):
    dump, index = multistream
    put_landing(store, dump, index)
    whole = ids(read_file(dump, source="wiki", snapshot="s1", rel_path="whole"))
    sliced = [d for i in range(SLICES)
              for d in ids(read_slice(store.open_ranged(f"wiki/s1/{dump.name}"), Slice(i, SLICES)))]
    assert sliced == whole


def test_a_plain_xml_dump_slice_fetches_about_its_share(store, tmp_path):
    dump = tmp_path / "dump.xml"
    write_mediawiki(dump, seed=3, size=3 << 20)
    store.write_bytes("wiki/s1/dump.xml", dump.read_bytes())
    for i in range(3):
        source = store.open_ranged("wiki/s1/dump.xml")
        start, end = Slice(i, 3).byte_range(source.size)
        assert ids(read_slice(source, Slice(i, 3)))
        assert source.bytes_fetched <= 1.2 * (end - start)


def test_an_index_of_another_dump_fails_the_slice_by_name(multistream, tmp_path):
    dump, _ = multistream
    other = write_multistream(tmp_path / "other-multistream.xml.bz2", seed=8, size=6 << 20)
    with open(other, "rb") as handle:
        wrong = stream_offsets(handle)
    with pytest.raises(IndexMismatch, match="no bz2 stream starts"):
        read_slice(dump, Slice(1, SLICES), wrong)


def test_a_corrupt_stream_quarantines_that_slice_s_tail_and_leaves_the_others_whole(multistream, tmp_path):
    dump, index = multistream
    data = bytearray(dump.read_bytes())
    with open(index, "rb") as handle:
        starts = stream_offsets(handle)
    size = len(data)
    in_slice_2 = [o for o in starts if Slice(1, SLICES).byte_range(size)[0] < o < Slice(1, SLICES).byte_range(size)[1]]
    data[in_slice_2[1] + 200: in_slice_2[1] + 260] = b"\0" * 60  # break the slice's second stream
    broken = tmp_path / dump.name
    broken.write_bytes(bytes(data))
    bad = read_slice(broken, Slice(1, SLICES), starts, rel="wiki/s1/dump@part-002-of-004")
    problems = [r for r in bad if isinstance(r, Quarantined)]
    assert len(problems) == 1 and problems[0].file == "wiki/s1/dump@part-002-of-004"
    assert "corrupt" in problems[0].reason
    for i in (0, 2, 3):
        assert ids(read_slice(broken, Slice(i, SLICES), starts)) == ids(read_slice(dump, Slice(i, SLICES), starts))


def test_an_object_replaced_on_s3_while_a_slice_is_read_fails_that_slice(moto_endpoint, multistream):
    from synth_assets.core.storage import S3Store

    dump, _ = multistream
    client = boto3.client("s3", endpoint_url=moto_endpoint, region_name="us-east-1")
    client.create_bucket(Bucket="etag-test")
    client.put_object(Bucket="etag-test", Key="wiki/s1/dump-multistream.xml.bz2", Body=dump.read_bytes())
    store = S3Store(lambda: boto3.client("s3", endpoint_url=moto_endpoint, region_name="us-east-1"), "etag-test")
    first = store.open_ranged("wiki/s1/dump-multistream.xml.bz2")
    assert ids(read_slice(first, Slice(0, SLICES)))
    replaced = dump.read_bytes()[: -1000] + bz2.compress(b"</mediawiki>\n")
    client.put_object(Bucket="etag-test", Key="wiki/s1/dump-multistream.xml.bz2", Body=replaced)
    with pytest.raises(ObjectChanged, match="replaced while being read"):
        read_slice(first, Slice(2, SLICES))
    assert ids(read_slice(store.open_ranged("wiki/s1/dump-multistream.xml.bz2"), Slice(2, SLICES)))


def test_crawl_snapshot_reads_a_slice_by_ranges_and_names_it_when_the_object_changes(store, multistream, monkeypatch):
    from synth_assets.core.stage_run import StageRun
    from synth_assets.crawl.documents import INDEXES, open_dump, read_documents

    dump, index = multistream
    put_landing(store, dump, index)
    monkeypatch.setenv("SYNTH_SLICE_MB", str(dump.stat().st_size / SLICES / (1 << 20) * 1.01))
    keys = landing_shards(store, settings.slice_bytes())
    assert len(keys) == SLICES and not any("index" in k for k in keys)  # the index is no partition
    shard = ShardKey.parse(keys[1])
    source = open_dump(store, shard)
    stage = StageRun("crawl_snapshot", str(shard), "run-1", "crawl-v2")
    rows = list(read_documents(stage, store, shard, {}, {}, source, store))
    start, end = shard.slice.byte_range(source.size)
    assert rows and source.bytes_fetched <= 1.2 * (end - start)
    cached = store.list_keys(INDEXES)  # the stream offsets, read from the index once for all slices
    assert len(cached) == 1 and "/streams-" in cached[0]
    again = open_dump(store, ShardKey.parse(keys[2]))
    assert list(read_documents(stage, store, ShardKey.parse(keys[2]), {}, {}, again, store))
    if source.etag:  # S3: the dump is replaced after the slice was opened, before it is read
        opened = open_dump(store, shard)
        store.write_bytes(shard.landing_key, dump.read_bytes()[:-1000])
        with pytest.raises(StageError, match=f"{shard}: the dump changed"):
            list(read_documents(stage, store, shard, {}, {}, opened))
