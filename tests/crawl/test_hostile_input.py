"""Dumps come from the internet: hostile and broken files give a clear error naming file and position,
are quarantined, never read outside the landing zone, and leave every good record intact."""

from __future__ import annotations

import bz2
import json
import os

import pytest
from conftest import mediawiki_xml

from resources.storage import LocalStorage, UnsafeKey
from synth_assets.core.records import Document, Quarantined
from synth_assets.crawl.shards import ShardKey, landing_shards
from synth_assets.crawl.sources import _common, guard, read_file


def read(path, rel="src/snap/file"):
    records = list(read_file(path, source="src", snapshot="snap", rel_path=rel))
    return ([r for r in records if isinstance(r, Document)], [r for r in records if isinstance(r, Quarantined)])


def good_line(n: int) -> bytes:
    return (json.dumps({"text": f"Document number {n} says something plain and true."}) + "\n").encode()


def test_decompression_bomb_is_refused_not_expanded(tmp_path, monkeypatch):
    monkeypatch.setattr(guard, "MIN_EXPANSION_LIMIT", 1 << 20)
    header = mediawiki_xml([("Page", "Short text about a page that is fine.")]).replace("</mediawiki>\n", "")
    bomb = tmp_path / "bomb.xml.bz2"
    with bz2.open(bomb, "wb") as handle:
        handle.write(header.encode())
        handle.write(b"<page><title>x</title><ns>0</ns><id>99</id><revision><id>1</id><text>")
        for _ in range(16):
            handle.write(b"a" * (1 << 20))  # 16 MB of one letter: compresses to a few hundred bytes
    assert bomb.stat().st_size < 10_000
    documents, quarantined = read(bomb, "wiki/snap/bomb.xml.bz2")
    assert [d.title for d in documents] == ["Page"]
    assert len(quarantined) == 1 and "decompression bomb" in quarantined[0].reason
    assert quarantined[0].file == "wiki/snap/bomb.xml.bz2" and quarantined[0].position.startswith("line")


def test_truncated_bz2_keeps_what_came_before(tmp_path):
    pages = [(f"Page {i}", f"Paragraph {i} of plain prose. " * 800) for i in range(100)]  # > one 900 kB block
    data = bz2.compress(mediawiki_xml(pages).encode())
    cut = tmp_path / "cut.xml.bz2"
    cut.write_bytes(data[: len(data) * 2 // 3])
    documents, quarantined = read(cut, "wiki/snap/cut.xml.bz2")
    assert len(quarantined) == 1 and quarantined[0].file == "wiki/snap/cut.xml.bz2"
    assert 0 < len(documents) < 100 and documents[0].title == "Page 0"


def test_overlong_line_is_quarantined_and_the_next_lines_read(tmp_path, monkeypatch):
    monkeypatch.setattr(_common, "MAX_LINE_BYTES", 4096)
    path = tmp_path / "docs.jsonl"
    path.write_bytes(good_line(1) + b'{"text": "' + b"x" * 1_000_000 + b'"}\n' + good_line(3))
    documents, quarantined = read(path)
    assert [d.doc_id for d in documents] == ["1", "3"] or [d.position for d in documents] == ["line 1", "line 3"]
    assert [(q.position, "longer than" in q.reason) for q in quarantined] == [("line 2", True)]


@pytest.mark.slow
def test_one_gigabyte_single_line_costs_no_memory(tmp_path):
    path = tmp_path / "huge.jsonl"
    chunk = b"y" * (64 << 20)
    with open(path, "wb") as handle:
        handle.write(good_line(1) + b'{"text": "')
        for _ in range(16):
            handle.write(chunk)
        handle.write(b'"}\n' + good_line(3))
    documents, quarantined = read(path)
    assert [d.position for d in documents] == ["line 1", "line 3"]
    assert [q.position for q in quarantined] == ["line 2"]


def test_external_entity_is_refused(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    xxe = tmp_path / "xxe.xml"
    xxe.write_text(f'<?xml version="1.0"?>\n<!DOCTYPE mediawiki [<!ENTITY leak SYSTEM "file://{secret}">]>\n'
                   "<mediawiki><page><title>&leak;</title><ns>0</ns><id>1</id><revision><id>2</id>"
                   "<text>&leak;</text></revision></page></mediawiki>\n")
    documents, quarantined = read(xxe)
    assert documents == []
    assert len(quarantined) == 1 and "unsafe XML" in quarantined[0].reason
    assert "TOP SECRET" not in quarantined[0].raw + quarantined[0].reason


def test_wrong_schema_and_invalid_utf8_are_quarantined_by_record(tmp_path):
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(good_line(1) + b'{"title": "no text field"}\n' + b'{"text": "bad \xff\xfe bytes"}\n' + good_line(4))
    documents, quarantined = read(path)
    assert [d.position for d in documents] == ["line 1", "line 4"]
    assert [q.position for q in quarantined] == ["line 2", "line 3"]


def test_landing_zone_listing_never_leaves_the_root(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "stolen.xml").write_text("<mediawiki/>")
    landing = tmp_path / "landing"
    (landing / "wiki" / "snap").mkdir(parents=True)
    (landing / "wiki" / "snap" / "ok.jsonl").write_bytes(good_line(1))
    os.symlink(outside / "stolen.xml", landing / "wiki" / "snap" / "link.xml")
    os.symlink(outside, landing / "wiki" / "escape")
    store = LocalStorage(root=str(landing))
    assert landing_shards(store) == ["wiki/snap/ok.jsonl"]
    for key in ("wiki/../../outside/stolen.xml", "/etc/passwd", "wiki/snap/../../../x"):
        with pytest.raises(UnsafeKey):
            with store.local_copy(key):
                pass
    with pytest.raises(ValueError):
        ShardKey.parse("wiki/snap")
