"""Large dumps read as slices: every record lands in exactly one slice, whatever the slice count."""

from __future__ import annotations

import bz2
import json

import pytest
from conftest import mediawiki_xml

from resources.storage import LocalStorage
from synth_assets import settings
from synth_assets.core.records import Document, Quarantined
from synth_assets.crawl.shards import ShardKey, landing_shards
from synth_assets.crawl.sources import read_file
from synth_assets.crawl.sources.slices import Slice, plan, split_name

PAGES = [(f"Article {i}", f"Article {i} is about topic number {i}. " * (1 + i % 7)) for i in range(120)]


def titles(path, part=None, rel="w/s/f"):
    records = list(read_file(path, source="w", snapshot="s", rel_path=rel, part=part))
    assert not [r for r in records if isinstance(r, Quarantined)], records
    return [r.title or r.text[:20] for r in records if isinstance(r, Document)]


def assert_slices_partition_the_file(path, counts=(1, 2, 3, 7, 19)):
    whole = titles(path)
    assert len(whole) == len(set(whole)) > 0
    for count in counts:
        sliced = [t for i in range(count) for t in titles(path, Slice(i, count))]
        assert sorted(sliced) == sorted(whole), f"{count} slices"


def test_mediawiki_xml_slices(tmp_path):
    path = tmp_path / "dump.xml"
    path.write_text(mediawiki_xml(PAGES))
    assert_slices_partition_the_file(path)


def test_multistream_bz2_slices(tmp_path):
    xml = mediawiki_xml(PAGES)
    head, rest = xml.split("  <page>", 1)
    pages = ["  <page>" + p for p in rest.rsplit("</mediawiki>", 1)[0].split("  <page>")]
    path = tmp_path / "wiki-pages-articles-multistream.xml.bz2"
    with open(path, "wb") as out:  # as Wikimedia writes them: the header alone, then 10 pages a stream
        out.write(bz2.compress(head.encode()))
        out.writelines(bz2.compress("".join(pages[i:i + 10]).encode()) for i in range(0, len(pages), 10))
        out.write(bz2.compress(b"</mediawiki>\n"))
    assert_slices_partition_the_file(path, counts=(1, 2, 5))


def test_jsonl_slices(tmp_path):
    path = tmp_path / "docs.jsonl"
    path.write_text("".join(json.dumps({"text": f"Line {i} says a plain sentence."}) + "\n" for i in range(200)))
    assert_slices_partition_the_file(path)


def test_slice_names_and_plans():
    assert split_name("dump.xml@part-003-of-080") == ("dump.xml", Slice(2, 80))
    assert split_name("Posts.xml") == ("Posts.xml", None)
    with pytest.raises(ValueError):
        split_name("dump.xml@part-081-of-080")
    assert plan("dump.xml", 1000, 300) == [f"dump.xml@part-00{i}-of-004" for i in range(1, 5)]
    assert len(plan("Posts.xml", 1000, 300)) == 4  # whole threads per slice, through its thread index
    assert plan("dump.xml.bz2", 1000, 300) == ["dump.xml.bz2"]  # a single bz2 stream cannot be entered midway
    assert plan("dump.xml", 1000, 5000) == ["dump.xml"]


def test_landing_zone_registers_slices_of_large_dumps(tmp_path, monkeypatch):
    (tmp_path / "wiki" / "s1").mkdir(parents=True)
    (tmp_path / "wiki" / "s1" / "dump.xml").write_text(mediawiki_xml(PAGES))
    (tmp_path / "wiki" / "s1" / "small.jsonl").write_text(json.dumps({"text": "tiny"}) + "\n")
    monkeypatch.setenv("SYNTH_SLICE_MB", str(4096 / (1 << 20)))  # 4 KiB slices
    keys = landing_shards(LocalStorage(root=str(tmp_path)), settings.slice_bytes())
    assert keys[-1] == "wiki/s1/small.jsonl" and len(keys) > 3
    shard = ShardKey.parse(keys[0])
    assert shard.landing_key == "wiki/s1/dump.xml" and shard.slice == Slice(0, len(keys) - 1)


def test_crawl_snapshot_materializes_each_slice_as_a_partition(tmp_path, monkeypatch):
    from dagster import DagsterInstance, materialize

    from synth_assets.assets.crawl import crawl_snapshot
    from synth_assets.core import parts
    from synth_assets.orchestration.partitions import shards

    (tmp_path / "landing" / "wiki" / "s1").mkdir(parents=True)
    (tmp_path / "landing" / "wiki" / "s1" / "dump.xml").write_text(mediawiki_xml(PAGES))
    monkeypatch.setenv("SYNTH_SLICE_MB", str(6000 / (1 << 20)))
    landing, store = LocalStorage(root=str(tmp_path / "landing")), LocalStorage(root=str(tmp_path / "data"))
    keys = landing_shards(landing, settings.slice_bytes())
    assert len(keys) > 2
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(shards.name, keys)
    for key in keys:
        assert materialize([crawl_snapshot], partition_key=key, instance=instance,
                           resources={"landing": landing, "store": store}).success
    found = [r["title"] for key in keys for r in parts.read_rows(store, "crawl_snapshot", key, columns=["title"])]
    assert sorted(found) == sorted(title for title, _ in PAGES)
