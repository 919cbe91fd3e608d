"""Stack Exchange Posts.xml in slices of whole threads, found through a thread index built in one pass."""

from __future__ import annotations

import pytest

from synth_assets import settings
from synth_assets.core.ranges import RangedSource
from synth_assets.core.records import Document, Quarantined
from synth_assets.core.stage_run import StageRun
from synth_assets.core.storage import LocalStore
from synth_assets.crawl.documents import INDEXES, open_dump, read_documents
from synth_assets.crawl.generate import SAMPLE, write_posts
from synth_assets.crawl.shards import ShardKey, landing_shards
from synth_assets.crawl.sources import read_file
from synth_assets.crawl.sources.slices import Slice
from synth_assets.crawl.sources.threads import ThreadIndexError, build_thread_index


@pytest.fixture(scope="module")
def posts(tmp_path_factory):
    path = tmp_path_factory.mktemp("se") / "Posts.xml"
    write_posts(path, seed=5, size=3 << 20, scatter=400)  # answers up to 400 posts after their question
    return path


def threads(path, part=None, index=None):
    source = RangedSource.local(path)
    records = list(read_file(source, source="se", snapshot="s1", rel_path="se/s1/Posts.xml", part=part,
                             dump_index=index))
    assert not [r for r in records if isinstance(r, Quarantined)], records[:3]
    return [(r.doc_id, r.revision_id) for r in records if isinstance(r, Document)], source


def index_of(path):
    with open(path, "rb") as handle:
        return build_thread_index(handle, path.stat().st_size)


@pytest.mark.parametrize("count", [2, 5, 11])
def test_every_thread_lands_whole_in_exactly_one_slice(posts, count):
    whole, _ = threads(posts)
    index = index_of(posts)
    sliced = [t for i in range(count) for t in threads(posts, Slice(i, count), index)[0]]
    assert sorted(sliced) == sorted(whole) and len(whole) > 1000


def test_the_bundled_sample_site_sliced_gives_the_same_question_answer_pairs():
    path = SAMPLE / "stackexchange" / "2026-11-01" / "Posts.xml"
    whole, _ = threads(path)
    index = index_of(path)
    assert sorted(t for i in range(3) for t in threads(path, Slice(i, 3), index)[0]) == sorted(whole)


def test_a_slice_fetches_at_most_1_2x_its_share_of_the_dump(posts):
    index = index_of(posts)
    for i in range(4):
        _, source = threads(posts, Slice(i, 4), index)
        start, end = Slice(i, 4).byte_range(source.size)
        assert source.bytes_fetched <= 1.2 * (end - start), (i, source.bytes_fetched, end - start)


def test_an_index_of_another_dump_fails_the_slice(posts, tmp_path):
    other = tmp_path / "Posts.xml"
    write_posts(other, seed=6, size=3 << 20)
    with pytest.raises(ThreadIndexError):
        threads(posts, Slice(1, 3), index_of(other))


def test_crawl_snapshot_slices_posts_xml_and_keeps_its_thread_index_in_the_store(posts, tmp_path, monkeypatch):
    landing, store = LocalStore(tmp_path / "landing"), LocalStore(tmp_path / "data")
    landing.write_bytes("se/2026-11-01/Posts.xml", posts.read_bytes())
    monkeypatch.setenv("SYNTH_SLICE_MB", "1")
    keys = landing_shards(landing, settings.slice_bytes())
    assert len(keys) == -(-posts.stat().st_size // (1 << 20)) > 1 and "@part-001-of-" in keys[0]

    def read(key):
        shard = ShardKey.parse(key)
        stage = StageRun("crawl_snapshot", key, "run-1", "crawl-v2")
        rows = list(read_documents(stage, landing, shard, {}, {}, open_dump(landing, shard), store))
        assert not stage.quarantined
        return [row["doc_id"] for row in rows]

    ids = [i for key in keys for i in read(key)]
    assert len(ids) == len(set(ids)) == len(threads(posts)[0])
    assert len(store.list_keys(INDEXES)) == 1  # built once, by the first slice
    landing.write_bytes("se/2026-11-01/Posts.xml", posts.read_bytes()[:-5000] + b"</posts>\n")  # a new dump
    assert read(keys[0]) and len(store.list_keys(INDEXES)) == 2  # its own index, not the old one


def test_a_slice_of_posts_xml_without_its_index_is_refused(posts):
    with pytest.raises(ThreadIndexError, match="needs the dump's thread index"):
        list(read_file(posts, source="se", snapshot="s", rel_path="se/s/Posts.xml", part=Slice(1, 3)))
