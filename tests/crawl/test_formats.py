"""Parquet sources, per-source settings (_source.json) and Stack Exchange site archives (.7z)."""

from __future__ import annotations

import json

import py7zr
import pyarrow as pa
import pyarrow.parquet as pq
from dagster import DagsterInstance, materialize

from resources.storage import LocalStorage
from synth_assets.assets.crawl import crawl_snapshot
from synth_assets.core import parts
from synth_assets.core.records import Document, Quarantined
from synth_assets.crawl.sources import detect_kind, read_file
from synth_assets.orchestration.partitions import shards

POSTS = """<?xml version="1.0" encoding="utf-8"?>
<posts>
  <row Id="1" PostTypeId="1" AcceptedAnswerId="2" Score="5" Title="Why does bread go stale?"
       Body="&lt;p&gt;My loaf is hard after two days. Why?&lt;/p&gt;" CreationDate="2026-01-02T10:00:00.000" />
  <row Id="2" PostTypeId="2" ParentId="1" Score="9"
       Body="&lt;p&gt;Starch crystallises again as it cools, which pushes water out and hardens the crumb.&lt;/p&gt;"
       CreationDate="2026-01-02T11:00:00.000" />
</posts>
"""


def read(path, **options):
    records = list(read_file(path, source="src", snapshot="s1", rel_path=path.name, **options))
    return [r for r in records if isinstance(r, Document)], [r for r in records if isinstance(r, Quarantined)]


def test_parquet_generic_and_chat_rows(tmp_path):
    path = tmp_path / "mixed.parquet"
    pq.write_table(pa.table({"content": ["First plain document.", "Second plain document."],
                             "id": ["a", "b"]}), path, row_group_size=1)
    assert detect_kind(path, "content") == "parquet"
    documents, bad = read(path, text_field="content")
    assert [d.doc_id for d in documents] == ["a", "b"] and not bad
    documents, bad = read(path)  # the default field "text" is missing: each row says so
    assert not documents and [q.position for q in bad] == ["row 1", "row 2"]

    chats = tmp_path / "ultrachat.parquet"
    pq.write_table(pa.table({"id": ["c1"], "messages": [[{"role": "user", "content": "Is tea a herb?"},
                                                        {"role": "assistant", "content": "Tea is a shrub's leaf."}]]}),
                   chats)
    documents, _ = read(chats)
    assert documents[0].text == "USER: Is tea a herb?\n\nASSISTANT: Tea is a shrub's leaf."


def test_truncated_parquet_is_quarantined(tmp_path):
    path = tmp_path / "cut.parquet"
    pq.write_table(pa.table({"text": ["A document."] * 10}), path)
    path.write_bytes(path.read_bytes()[:-30])
    documents, bad = read(path)
    assert not documents and len(bad) == 1 and "unreadable Parquet" in bad[0].reason


def test_stackexchange_site_archive(tmp_path):
    posts = tmp_path / "Posts.xml"
    posts.write_text(POSTS)
    archive = tmp_path / "cooking.stackexchange.com.7z"
    with py7zr.SevenZipFile(archive, "w") as out:
        out.write(posts, "Posts.xml")
    documents, bad = read(archive, site="cooking.stackexchange.com")
    assert not bad and documents[0].url == "https://cooking.stackexchange.com/questions/1"
    assert "Starch crystallises" in documents[0].text

    empty = tmp_path / "other.7z"
    with py7zr.SevenZipFile(empty, "w") as out:
        out.write(posts, "Users.xml")
    documents, bad = read(empty)
    assert not documents and "no Posts.xml" in bad[0].reason


def test_source_settings_pick_the_text_field_and_license(tmp_path):
    landing = tmp_path / "landing"
    (landing / "forum" / "s1").mkdir(parents=True)
    (landing / "forum" / "_source.json").write_text(json.dumps({"text_field": "body", "license": "CC0-1.0"}))
    (landing / "forum" / "s1" / "posts.jsonl").write_text(json.dumps({"id": 7, "body": "A post about kettles."}) + "\n")
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(shards.name, ["forum/s1/posts.jsonl"])
    store = LocalStorage(root=str(tmp_path / "data"))
    result = materialize([crawl_snapshot], partition_key="forum/s1/posts.jsonl", instance=instance,
                         resources={"landing": LocalStorage(root=str(landing)), "store": store})
    assert result.success
    [row] = parts.read_table(store, "crawl_snapshot", "forum/s1/posts.jsonl").to_pylist()
    assert (row["text"], row["license"], row["doc_id"]) == ("A post about kettles.", "CC0-1.0", "7")
