"""Dump readers: each format on a tiny valid file, bad input quarantined, and the bundled sample."""

from __future__ import annotations

import bz2
import io
import json
from collections import Counter
from pathlib import Path

import pytest

from resources.storage import LocalStorage
from synth_assets.core.records import Document, Quarantined, content_hash
from synth_assets.crawl.shards import ShardKey, landing_shards
from synth_assets.crawl.sources import UnknownFormat, detect_kind, read_file
from synth_assets.crawl.sources.instructions import JsonArray, MalformedJSON
from synth_assets.crawl.sources.mediawiki import wikitext_to_text
from synth_assets.settings import SAMPLE_LANDING

WIKI_HEADER = """<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.10/" version="0.10" xml:lang="en">
  <siteinfo>
    <sitename>Wikipedia</sitename>
    <base>https://en.wikipedia.org/wiki/Main_Page</base>
    <namespaces>
      <namespace key="0" case="first-letter" />
      <namespace key="1" case="first-letter">Talk</namespace>
      <namespace key="6" case="first-letter">File</namespace>
      <namespace key="14" case="first-letter">Category</namespace>
    </namespaces>
  </siteinfo>
"""

LAKE_WIKITEXT = """{{Infobox lake|name=Lake Example|area={{convert|12|km2}}}}
'''Lake Example''' is a [[lake]] in the [[Alps|Alpine]] region.<ref name="a">{{cite web|title=Lakes}}</ref> It is 40 metres deep.
[[File:Lake.jpg|thumb|The lake in [[winter]]]]

{| class="wikitable"
! Year !! Visitors
|-
| 2020 || 5000
|}

== History ==
The lake was formed by a glacier.<!-- check the date --> See the [http://example.org official page].

== Empty section ==
{{Main|Something}}

== References ==
{{Reflist}}
More text that should go.

[[Category:Lakes]]
"""


def _page(title: str, page_id: int, text: str, ns: int = 0, redirect: str | None = None) -> str:
    redirect_tag = f'<redirect title="{redirect}" />' if redirect else ""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f"""  <page>
    <title>{title}</title>
    <ns>{ns}</ns>
    <id>{page_id}</id>
    {redirect_tag}
    <revision>
      <id>{page_id * 10}</id>
      <timestamp>2026-10-01T12:00:00Z</timestamp>
      <model>wikitext</model>
      <text xml:space="preserve">{escaped}</text>
    </revision>
  </page>
"""


WIKI_PAGES = [
    _page("Lake Example", 11, LAKE_WIKITEXT),
    _page("Lake Sample", 12, "Lake Sample", redirect="Lake Example"),
    _page("Talk:Lake Example", 13, "Is the depth right?", ns=1),
    _page("Hill Example", 14, "'''Hill Example''' is a ''small'' hill.\n\nIt is 300 metres high."),
]
WIKI_XML = WIKI_HEADER + "".join(WIKI_PAGES) + "</mediawiki>\n"

POSTS_XML = """<?xml version="1.0" encoding="utf-8"?>
<posts>
  <row Id="1" PostTypeId="1" AcceptedAnswerId="3" Score="5" CreationDate="2026-01-01T10:00:00.000"
       Title="Why does bread go stale?" Body="&lt;p&gt;My bread is hard after two days &amp;amp; dry.&lt;/p&gt;" />
  <row Id="2" PostTypeId="2" ParentId="1" Score="10" Body="&lt;p&gt;Popular but not accepted.&lt;/p&gt;" />
  <row Id="3" PostTypeId="2" ParentId="1" Score="1"
       Body="&lt;p&gt;Starch recrystallises.&lt;/p&gt;&lt;pre&gt;&lt;code&gt;keep at 20 C&lt;/code&gt;&lt;/pre&gt;&lt;ul&gt;&lt;li&gt;Freeze it.&lt;/li&gt;&lt;/ul&gt;" />
  <row Id="4" PostTypeId="1" Score="2" CreationDate="2026-01-02T10:00:00.000"
       Title="How hot is a simmer?" Body="&lt;p&gt;Just below a boil?&lt;/p&gt;" />
  <row Id="5" PostTypeId="2" ParentId="4" Score="2" Body="&lt;p&gt;Lower-scored answer.&lt;/p&gt;" />
  <row Id="6" PostTypeId="2" ParentId="4" Score="7" Body="&lt;p&gt;About 85 to 95 degrees, use &lt;code&gt;a thermometer&lt;/code&gt;.&lt;/p&gt;" />
  <row Id="7" PostTypeId="1" Score="0" Title="Unanswered question" Body="&lt;p&gt;Anyone?&lt;/p&gt;" />
  <row Id="8" PostTypeId="2" ParentId="99" Score="3" Body="&lt;p&gt;Question not in this dump.&lt;/p&gt;" />
</posts>
"""

ALPACA_ROWS = [
    {"instruction": "Name a primary colour.", "input": "", "output": "Red is a primary colour."},
    {"instruction": "Translate to French.", "input": "Good morning", "output": "Bonjour."},
    {"instruction": "Say something.", "input": ""},  # no output: quarantined
    {"instruction": "Count to three.", "output": "One, two, three."},
]


def _write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def _read(path: Path, snapshot: str = "2026-11-01", **options) -> list[Document | Quarantined]:
    rel_path = f"test/{snapshot}/{path.name}"
    return list(read_file(path, source="test", snapshot=snapshot, rel_path=rel_path, **options))


def _split(records):
    docs = [r for r in records if isinstance(r, Document)]
    bad = [r for r in records if isinstance(r, Quarantined)]
    return docs, bad


def _jsonl(*rows) -> str:
    return "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows)


# --- MediaWiki ------------------------------------------------------------------------------------


def test_mediawiki_reads_articles_and_skips_redirects_and_other_namespaces(tmp_path):
    path = _write(tmp_path, "wiki.xml", WIKI_XML)
    assert detect_kind(path) == "mediawiki"
    docs, bad = _split(_read(path))

    assert bad == []
    assert [d.title for d in docs] == ["Lake Example", "Hill Example"]
    lake = docs[0]
    assert lake.doc_id == "11" and lake.revision_id == "110"
    assert lake.url == "https://en.wikipedia.org/wiki/Lake_Example"
    assert lake.license == "CC BY-SA 4.0"
    assert lake.kind == "mediawiki" and json.loads(lake.params) == {"reader": "mediawiki"}
    assert lake.stage == "crawl_snapshot" and lake.parent_id is None
    assert lake.timestamp == "2026-10-01T12:00:00Z"
    assert lake.content_hash == content_hash(lake.text)
    assert lake.file == "test/2026-11-01/wiki.xml"
    assert lake.position.startswith("line ")


def test_mediawiki_text_is_clean_prose_with_headings(tmp_path):
    docs, _ = _split(_read(_write(tmp_path, "wiki.xml", WIKI_XML)))
    text = docs[0].text

    assert text == (  # back matter stays, for text_segments to drop with its reason
        "Lake Example is a lake in the Alpine region. It is 40 metres deep."
        "\n\n## History\n\n"
        "The lake was formed by a glacier. See the official page."
        "\n\n## References\n\nMore text that should go."
    )
    for gone in ("{{", "<ref", "Category", "File:", "thumb", "Visitors", "''", "Reflist", "Empty section", "<!--"):
        assert gone not in text
    assert docs[1].text == "Hill Example is a small hill.\n\nIt is 300 metres high."


def test_wikitext_keeps_heading_levels_and_list_items_for_the_segmenter():
    wikitext = (
        "Lead ''in italics.\n== See also ==\n* [[X]]\n** [[Y]] nested\nNot an item.\n=== More ===\nGone.\n"
        "== Later ==\nKept [[Page (topic)|]] and [[Foo#Bar]]. The ''Iliad'" "''s end."
    )
    assert wikitext_to_text(wikitext) == (
        "Lead in italics.\n\n## See also\n\n* X\n\n* Y nested\n\nNot an item.\n\n### More\n\nGone.\n\n"
        "## Later\n\nKept Page and Foo. The Iliad's end.")


def test_an_italic_left_open_does_not_swallow_the_headings_after_it():
    """MediaWiki ends bold and italics at the end of a line; a parser pairing quotes across lines lost
    every heading between them (the real Achilles article lost its References heading so)."""
    wikitext = "Lead ''Iliad.\n\n== References ==\n* Homer, ''Odyssey'' XI, 467\n\n== Later ==\nText ''x''."
    assert wikitext_to_text(wikitext) == (
        "Lead Iliad.\n\n## References\n\n* Homer, Odyssey XI, 467\n\n## Later\n\nText x.")


def test_a_disambiguation_page_is_quarantined_with_its_reason(tmp_path):
    page = _page("Mercury (disambiguation)", 7, "'" "''Mercury'" "'' may refer to:\n* [[Mercury (planet)]]\n"
                 "* [[Mercury (element)]]\n\n{{disambiguation|geo}}")
    docs, bad = _split(_read(_write(tmp_path, "dab.xml", WIKI_HEADER + page + "</mediawiki>")))
    assert docs == [] and len(bad) == 1
    assert bad[0].reason.startswith("disambiguation page") and bad[0].position.startswith("line ")


def test_mediawiki_ids_are_stable_and_depend_on_snapshot(tmp_path):
    path = _write(tmp_path, "wiki.xml", WIKI_XML)
    first, second = _read(path), _read(path)
    other_snapshot = _read(path, snapshot="2026-12-01")

    assert [d.id for d in first] == [d.id for d in second]
    assert len({d.id for d in first}) == len(first)
    assert {d.id for d in first}.isdisjoint(d.id for d in other_snapshot)


def test_mediawiki_reads_bz2(tmp_path):
    path = _write(tmp_path, "wiki.xml.bz2", bz2.compress(WIKI_XML.encode()))
    assert detect_kind(path) == "mediawiki"
    docs, bad = _split(_read(path))
    assert [d.title for d in docs] == ["Lake Example", "Hill Example"] and bad == []


def test_truncated_xml_keeps_documents_before_the_break(tmp_path):
    cut = WIKI_XML.index("<title>Hill Example")
    path = _write(tmp_path, "cut.xml", WIKI_XML[:cut])
    records = _read(path)
    docs, bad = _split(records)

    assert [d.title for d in docs] == ["Lake Example"]
    assert len(bad) == 1 and records[-1] is bad[0]
    assert bad[0].file == "test/2026-11-01/cut.xml"
    assert bad[0].position.startswith("line ") and "column" in bad[0].position
    assert "malformed XML" in bad[0].reason


def test_billion_laughs_is_quarantined_not_expanded(tmp_path):
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)
    )
    xml = (
        f'<?xml version="1.0"?>\n<!DOCTYPE mediawiki [{entities}]>\n'
        '<mediawiki><page><title>Laughs</title><ns>0</ns><id>1</id>'
        "<revision><id>2</id><text>&lol9;</text></revision></page></mediawiki>\n"
    )
    path = _write(tmp_path, "laughs.xml", xml)
    assert detect_kind(path) == "mediawiki"
    records = _read(path)

    assert len(records) == 1 and isinstance(records[0], Quarantined)
    assert "EntitiesForbidden" in records[0].reason and "nothing expanded" in records[0].reason
    assert "lollol" not in records[0].raw


def test_page_whose_text_cleans_to_nothing_is_quarantined(tmp_path):
    xml = WIKI_HEADER + _page("Only Templates", 21, "{{Infobox x}}\n[[Category:Y]]") + "</mediawiki>\n"
    records = _read(_write(tmp_path, "empty_page.xml", xml))

    assert len(records) == 1 and isinstance(records[0], Quarantined)
    assert records[0].reason == "empty document after cleaning"
    assert records[0].position.startswith("line ") and "Only Templates" in records[0].raw


# --- Stack Exchange ----------------------------------------------------------------------------------


def test_stackexchange_uses_accepted_answer_else_best_scored(tmp_path):
    path = _write(tmp_path, "Posts.xml", POSTS_XML)
    assert detect_kind(path) == "stackexchange"
    docs, bad = _split(_read(path, site="cooking.stackexchange.com"))

    assert bad == []
    assert [(d.doc_id, d.revision_id) for d in docs] == [("1", "3"), ("4", "6")]
    stale = docs[0]
    assert stale.text == (
        "USER: Why does bread go stale?\n\nMy bread is hard after two days & dry.\n\n"
        "ASSISTANT: Starch recrystallises.\n\n[code] keep at 20 C [/code]\n\nFreeze it."
    )
    assert stale.url == "https://cooking.stackexchange.com/questions/1"
    assert stale.license == "CC BY-SA 4.0" and stale.timestamp == "2026-01-01T10:00:00.000"
    assert docs[1].text.endswith("ASSISTANT: About 85 to 95 degrees, use [code] a thermometer [/code].")


def test_stackexchange_row_missing_a_field_is_quarantined(tmp_path):
    xml = POSTS_XML.replace('<row Id="4" PostTypeId="1" Score="2"', '<row PostTypeId="1" Score="2"')
    docs, bad = _split(_read(_write(tmp_path, "Posts.xml", xml)))

    assert [d.doc_id for d in docs] == ["1"]  # question 4 lost its Id, so its answers are orphans
    assert len(bad) == 1 and bad[0].reason == "row without Id"
    assert "How hot is a simmer?" in bad[0].raw


def _thread(question_id: int, created: str, answer_created: str = "", content_license: str = "",
            answer_license: str = "") -> str:
    """One question and its accepted answer, dated and optionally labelled with ContentLicense."""
    def extra(license: str) -> str:
        return f' ContentLicense="{license}"' if license else ""
    answer_created = answer_created or created
    answer_date = f' CreationDate="{answer_created}"' if answer_created else ""
    return (f'  <row Id="{question_id}" PostTypeId="1" AcceptedAnswerId="{question_id + 1}" Score="1" '
            f'CreationDate="{created}" Title="Question {question_id}?" Body="&lt;p&gt;Asked.&lt;/p&gt;"'
            f'{extra(content_license)} />\n'
            f'  <row Id="{question_id + 1}" PostTypeId="2" ParentId="{question_id}" Score="1"{answer_date} '
            f'Body="&lt;p&gt;Answered.&lt;/p&gt;"{extra(answer_license)} />\n')


def _posts(*threads: str) -> str:
    return '<?xml version="1.0" encoding="utf-8"?>\n<posts>\n' + "".join(threads) + "</posts>\n"


def test_a_stack_exchange_post_without_content_license_takes_the_license_of_its_date(tmp_path):
    xml = _posts(_thread(1, "2010-05-01T09:00:00.000"), _thread(3, "2011-04-08T00:00:00.000"),
                 _thread(5, "2018-05-01T23:59:59.999"), _thread(7, "2018-05-02T00:00:00.000"))
    docs, bad = _split(_read(_write(tmp_path, "Posts.xml", xml)))

    assert bad == []
    assert [d.license for d in docs] == ["CC BY-SA 2.5", "CC BY-SA 3.0", "CC BY-SA 3.0", "CC BY-SA 4.0"]
    assert json.loads(docs[0].params)["license_from"] == {"question": "post date", "answer": "post date"}


def test_a_content_license_attribute_wins_over_the_date_and_a_thread_takes_the_later_version(tmp_path):
    xml = _posts(_thread(1, "2015-01-01T00:00:00.000", content_license="CC BY-SA 4.0"),
                 _thread(3, "2009-01-01T00:00:00.000", answer_created="2016-06-01T00:00:00.000"))
    docs, _ = _split(_read(_write(tmp_path, "Posts.xml", xml)))

    assert docs[0].license == "CC BY-SA 4.0"  # labelled so, though posted under 3.0's dates
    assert json.loads(docs[0].params)["license_from"]["question"] == "ContentLicense"
    assert docs[1].license == "CC BY-SA 3.0"  # a 2.5 question with a 3.0 answer: adapted under 3.0
    assert json.loads(docs[1].params)["licenses"] == {"question": "CC BY-SA 2.5", "answer": "CC BY-SA 3.0"}


def test_an_unknown_content_license_is_kept_with_the_source_license_and_a_warning(tmp_path):
    xml = _posts(_thread(1, "2015-01-01T00:00:00.000", content_license="WTFPL-ish 9"),
                 _thread(3, "", content_license="made up"))
    docs, bad = _split(_read(_write(tmp_path, "Posts.xml", xml), license="CC BY-SA 3.0"))

    assert bad == [] and [d.license for d in docs] == ["CC BY-SA 3.0", "CC BY-SA 3.0"]
    warning = json.loads(docs[0].params)["license_warning"]
    assert "unknown ContentLicense 'WTFPL-ish 9' on post 1" in warning and "post date" in warning
    assert "kept as CC BY-SA 3.0 (source)" in json.loads(docs[1].params)["license_warning"]


def test_the_configured_license_is_for_records_that_carry_none_of_their_own(tmp_path):
    alpaca = _write(tmp_path, "alpaca.json", json.dumps(ALPACA_ROWS))
    plain = _write(tmp_path, "plain.jsonl", _jsonl({"text": "Own license.", "license": "CC0"}, {"text": "None."}))
    posts = _write(tmp_path, "Posts.xml", _posts(_thread(1, "2014-02-01T00:00:00.000"), _thread(3, "")))

    assert {d.license for d in _split(_read(alpaca, license="CC BY 4.0"))[0]} == {"CC BY 4.0"}
    assert [d.license for d in _split(_read(plain, license="CC BY 4.0"))[0]] == ["CC0", "CC BY 4.0"]
    assert [d.license for d in _split(_read(posts, license="CC BY 4.0"))[0]] == ["CC BY-SA 3.0", "CC BY 4.0"]


@pytest.mark.slow
def test_the_real_stack_exchange_dump_of_2014_to_2017_is_cc_by_sa_3():
    real = Path("/work/shared/data/stackexchange-real-Posts.xml")
    if not real.exists():
        pytest.skip("the real Stack Exchange excerpt is not on this machine")
    docs, _ = _split(_read(real, site="beer.stackexchange.com"))

    assert len(docs) > 400 and Counter(d.license for d in docs) == {"CC BY-SA 3.0": len(docs)}


# --- Alpaca, UltraChat, JSONL ------------------------------------------------------------------------


def test_alpaca_appends_input_and_quarantines_bad_items(tmp_path):
    text = json.dumps(ALPACA_ROWS, indent=2)
    path = _write(tmp_path, "alpaca.json", text)
    assert detect_kind(path) == "alpaca"
    docs, bad = _split(_read(path))

    assert [d.doc_id for d in docs] == ["alpaca.json:item1", "alpaca.json:item2", "alpaca.json:item4"]
    assert docs[0].text == "USER: Name a primary colour.\n\nASSISTANT: Red is a primary colour."
    assert docs[1].text == "USER: Translate to French.\nGood morning\n\nASSISTANT: Bonjour."
    assert docs[0].license == "CC BY-NC 4.0" and docs[0].title == "Name a primary colour."
    assert len(bad) == 1 and "output" in bad[0].reason and "Say something." in bad[0].raw
    opening_brace = text.splitlines().index('    "instruction": "Say something.",')  # 0-based: line above
    assert bad[0].position == f"line {opening_brace}, item 3"


def test_truncated_alpaca_array_keeps_complete_items(tmp_path):
    text = json.dumps(ALPACA_ROWS[:2], indent=2)
    docs, bad = _split(_read(_write(tmp_path, "alpaca.json", text[: text.rindex("Bonjour")])))

    assert [d.doc_id for d in docs] == ["alpaca.json:item1"]
    assert len(bad) == 1 and bad[0].reason.startswith("malformed JSON array")


def test_two_alpaca_files_of_one_snapshot_give_their_rows_different_ids(tmp_path):
    """Alpaca rows have no id of their own: the position stands in, with the file's name."""
    first = _split(_read(_write(tmp_path, "alpaca_data.json", json.dumps(ALPACA_ROWS[:2]))))[0]
    second = _split(_read(_write(tmp_path, "alpaca_gpt4.json", json.dumps(ALPACA_ROWS[:2]))))[0]

    assert [d.doc_id for d in second] == ["alpaca_gpt4.json:item1", "alpaca_gpt4.json:item2"]
    assert not {d.id for d in first} & {d.id for d in second}


def test_a_jsonl_row_without_an_id_keeps_its_id_however_the_file_is_sliced(tmp_path):
    from synth_assets.crawl.sources.slices import Slice

    rows = [{"text": f"Row number {i} of a plain file with no ids at all."} for i in range(40)]
    path = _write(tmp_path, "plain.jsonl", _jsonl(*rows))
    whole = [d.doc_id for d in _split(_read(path))[0]]
    sliced = [d.doc_id for i in range(3) for d in _split(_read(path, part=Slice(i, 3)))[0]]

    assert sliced == whole and len(set(whole)) == 40
    assert whole[:2] == ["plain.jsonl:byte0", f"plain.jsonl:byte{len(_jsonl(rows[0]).encode())}"]


@pytest.mark.parametrize("chunk_size", [1, 3, 7, 1 << 16])
def test_json_array_streams_across_chunk_boundaries(chunk_size):
    text = '[\n  123456,\n  {"a": "x,]y"},\n  [1, 2],\n  -1.5e3, true,\n  "tail"\n]\n'
    items = list(JsonArray(io.StringIO(text), chunk_size=chunk_size))
    assert items == [(2, 123456), (3, {"a": "x,]y"}), (4, [1, 2]), (5, -1500.0), (5, True), (6, "tail")]


def test_json_array_reports_a_broken_element_without_reading_on():
    text = '[\n {"a": 1},\n {"b": nope}' + ", {}" * 100_000 + "]"
    stream = io.StringIO(text)
    with pytest.raises(MalformedJSON, match=r"Expecting value \(line 3\)"):
        list(JsonArray(stream, chunk_size=64))
    assert stream.tell() < 1000  # gave up at the bad element instead of buffering the rest


def test_ultrachat_turns_alternate(tmp_path):
    rows = [
        {"id": "c1", "data": ["Hello there, how are you?", "I am well, thanks.", "Great.", "Goodbye."]},
        {"messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "What is rain?"},
            {"role": "assistant", "content": "Water falling from clouds."},
        ]},
    ]
    path = _write(tmp_path, "chat.jsonl", _jsonl(*rows))
    assert detect_kind(path) == "ultrachat"
    docs, bad = _split(_read(path))

    assert bad == [] and [d.doc_id for d in docs] == ["c1", f"chat.jsonl:byte{len(_jsonl(rows[0]).encode())}"]
    roles = [p.split(": ", 1)[0] for p in docs[0].text.split("\n\n")]
    assert roles == ["USER", "ASSISTANT", "USER", "ASSISTANT"]
    assert docs[1].text == "USER: What is rain?\n\nASSISTANT: Water falling from clouds."
    assert docs[0].license == "MIT" and docs[0].position == "line 1"


def test_generic_jsonl_with_text_field(tmp_path):
    rows = [{"text": "Plain   text here.", "license": "CC0"}, {"text": "Second line.", "id": "x9"}]
    path = _write(tmp_path, "plain.jsonl", _jsonl(*rows))
    assert detect_kind(path) == "jsonl"
    docs, bad = _split(_read(path))

    assert bad == []
    assert [(d.doc_id, d.text, d.license) for d in docs] == [
        ("plain.jsonl:byte0", "Plain text here.", "CC0"),
        ("x9", "Second line.", "unknown"),
    ]


def test_invalid_json_line_is_quarantined_and_the_rest_read(tmp_path):
    path = _write(tmp_path, "plain.jsonl", _jsonl({"text": "One."}, '{"text": "Two.', {"text": "Three."}))
    docs, bad = _split(_read(path))

    assert [d.text for d in docs] == ["One.", "Three."]
    assert [d.position for d in docs] == ["line 1", "line 3"]
    assert len(bad) == 1 and bad[0].position == "line 2" and "invalid JSON" in bad[0].reason
    assert bad[0].raw.startswith('{"text": "Two.')


def test_invalid_utf8_in_a_jsonl_line_is_quarantined(tmp_path):
    content = b'{"text": "Good."}\n{"text": "Bad \xff\xfe bytes."}\n{"text": "Also good."}\n'
    docs, bad = _split(_read(_write(tmp_path, "plain.jsonl", content)))

    assert [d.text for d in docs] == ["Good.", "Also good."]
    assert len(bad) == 1 and bad[0].position == "line 2" and "UTF-8" in bad[0].reason


def test_row_missing_required_field_is_quarantined(tmp_path):
    rows = _jsonl({"data": ["Hi", "Hello"]}, {"data": ["Hi", ""]}, {"data": "oops"})
    path = _write(tmp_path, "chat.jsonl", rows)
    docs, bad = _split(_read(path))

    assert len(docs) == 1
    assert [b.position for b in bad] == ["line 2", "line 3"]


# --- files ----------------------------------------------------------------------------------------


def test_truncated_bz2_keeps_records_before_the_break(tmp_path):
    lines = _jsonl(*({"text": f"Sentence number {i} of a long file."} for i in range(40_000)))
    data = bz2.compress(lines.encode())  # several 900 kB blocks: the first ones survive the cut
    docs, bad = _split(_read(_write(tmp_path, "big.jsonl.bz2", data[: len(data) * 2 // 3])))

    assert 0 < len(docs) < 40_000
    assert len(bad) == 1 and "truncated or corrupt" in bad[0].reason
    assert bad[0].position == f"line {len(docs) + 1}"


def test_empty_file_is_one_quarantined_record(tmp_path):
    records = _read(_write(tmp_path, "empty.jsonl", ""))
    assert len(records) == 1 and isinstance(records[0], Quarantined)
    assert records[0].reason == "empty file" and records[0].file == "test/2026-11-01/empty.jsonl"


@pytest.mark.parametrize(
    "name, content",
    [
        ("data.csv", "a,b\n1,2\n"),
        ("other.xml", "<?xml version='1.0'?><feed><entry/></feed>"),
        ("objects.json", '[{"question": "q", "answer": "a"}]'),
        ("rows.jsonl", '{"prompt": "p"}\n'),
    ],
)
def test_unknown_format_raises(tmp_path, name, content):
    path = _write(tmp_path, name, content)
    with pytest.raises(UnknownFormat, match=name):
        detect_kind(path)
    with pytest.raises(UnknownFormat):
        read_file(path, source="test", snapshot="s", rel_path=name)


# --- bundled sample ---------------------------------------------------------------------------------


def test_sample_landing_zone_reads_cleanly():
    counts: Counter[str] = Counter()
    bad = []
    for key in landing_shards(LocalStorage(root=str(SAMPLE_LANDING))):
        shard = ShardKey.parse(key)
        for record in read_file(SAMPLE_LANDING / key, source=shard.source, snapshot=shard.snapshot, rel_path=key):
            if isinstance(record, Quarantined):
                bad.append(record)
            else:
                counts[f"{shard.source}/{shard.snapshot}"] += 1

    assert bad == []
    assert counts["wikipedia/2026-11-01"] == 9
    assert counts["wikipedia/2026-12-01"] == 9  # one page removed, one added, two edited
    assert counts["stackexchange/2026-11-01"] >= 6
    assert counts["alpaca/2026-11-01"] == 16
    assert counts["ultrachat/2026-11-01"] == 6


def test_prestrip_cuts_dropped_templates_and_refs_but_keeps_inline_ones():
    from synth_assets.crawl.sources.mediawiki import prestrip

    text = ("{{Infobox river|name=X|length={{convert|10|km}}}}The river is {{convert|10|km}} long."
            "<ref name=a>{{cite web|title=T}}</ref> It floods.<ref name=a/><!-- note --> {{unbalanced")
    assert prestrip(text) == "The river is {{convert|10|km}} long. It floods. {{unbalanced"
    assert wikitext_to_text(text).startswith("The river is 10 km long. It floods.")


def test_plain_links_become_their_text_before_the_parse():
    from synth_assets.crawl.sources.mediawiki import prestrip

    assert prestrip("A [[river]] in [[Alps|the Alps]] near [[Lake Orvin#History]].") == \
        "A river in the Alps near Lake Orvin."
    kept = "[[File:X.jpg|thumb|A [[lake]]]] and [[Category:Lakes]] and [[Page (topic)|]]"
    assert prestrip(kept) == "[[File:X.jpg|thumb|A lake]] and [[Category:Lakes]] and [[Page (topic)|]]"
    assert wikitext_to_text(kept) == "and and Page"


def test_the_crawl_reads_the_sources_configured_license_and_counts_license_warnings(tmp_path):
    import pandas as pd

    from synth_assets.core.stage_run import StageRun
    from synth_assets.crawl.documents import license_summary, read_documents, source_options

    landing = LocalStorage(root=str(tmp_path / "landing")).store()
    landing.write_bytes("forum/2026-11-01/Posts.xml", _posts(
        _thread(1, "", content_license="Public-ish"), _thread(3, "2016-01-01T00:00:00.000")).encode())
    landing.write_bytes("forum/_source.json", json.dumps({"license": "CC BY-SA 4.0"}).encode())
    stage = StageRun("crawl_snapshot", "forum/2026-11-01/Posts.xml", "run-1", "crawl-test")
    shard = ShardKey.parse("forum/2026-11-01/Posts.xml")
    rows = list(read_documents(stage, landing, shard, source_options(landing, "forum"), {}))

    summary = license_summary(pd.DataFrame(rows))
    assert summary["licenses"] == {"CC BY-SA 4.0": 1, "CC BY-SA 3.0": 1}  # undated: the configured one
    assert summary["license_warnings"] == 1 and "'Public-ish'" in summary["license_warning_examples"][0]
