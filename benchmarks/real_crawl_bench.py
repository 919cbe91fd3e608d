"""Real Wikipedia through the text stages and the whole graph: what a user gets from real articles.

    python -m benchmarks.real_crawl_bench [--pool fast|default|both] [--articles N | --small] [--text-only]

Two real dumps of /work/shared/data (gensim's enwiki test dump and the wtf_wikipedia test cache, read by
path, never copied) are measured twice:

1. text: every article of both dumps through the crawl reader, text_segments and spoken_text (the same
   functions as the assets). The spoken rows are then judged by ``junk_kind``, a detector written apart
   from the stages' own filters (other cues, other word lists), for what a listener would not hear read
   out: references, list entries, unspoken roman numerals. Printed: rows, the junk share by kind, and a
   sample of the rows it flags, to read.
2. graph: ``--articles`` articles of each dump (the first ones in a fixed hard order; ``--small``: the slow
   test's few short ones, for the slow default pool) cut into a landing zone, run through the whole graph with each voice pool (``synth materialize``), and measured:
   partitions failed, the share of clips the round trip keeps, the median round-trip WER (and which
   WER), the junk share of the spoken rows, false-premise conversations made, and the figures the speech
   gates are calibrated by: each voice's median WER and speaking rate beside its card's, and each
   partition's median WER (synth_assets/core/limits.py).
"""

from __future__ import annotations

import argparse
import bz2
import json
import os
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

DATA = Path("/work/shared/data")
DUMPS = {"enwiki": DATA / "enwiki-shortened.xml.bz2", "wtf": DATA / "wtf-wikipedia-cache.xml.bz2"}
FAST_POOL = "piper-joe,flite-slt,flite-rms"
# Hard first: rare names, citations, lists, roman numerals, disambiguation pages; then the rest in dump order.
HARD_ARTICLES = {
    "enwiki": ["Achilles", "A", "Albedo", "List of anthropologists", "Aa River", "Allan Dwan", "Actrius",
               "Alain Connes", "Answer", "Agnostida", "Abstract (law)", "Animalia (book)"],
    "wtf": ["Anwar Kamal Khan", "Irina Saratovtseva", "Ewelina Setowska Dryk", "Magnar Saetre", "Teymanak e Olya",
            "Canton of Etaples", "Damphu drum", "The Field of Waterloo", "Charlie Milstead", "Alsea (company)"],
}


# --- landing zones cut from the real dumps --------------------------------------------------------

_PAGE = re.compile(r"[ \t]*<page>.*?</page>\n?", re.S)
_TITLE = re.compile(r"<title>(.*?)</title>")


def pages(dump: Path) -> list[tuple[str, str]]:
    """(title, page XML) for every page of a (small) MediaWiki dump, in order."""
    text = bz2.open(dump, "rt", encoding="utf-8").read()
    return [(_TITLE.search(page).group(1), page) for page in _PAGE.findall(text)]


def cut_dump(dump: Path, titles: list[str], out: Path) -> Path:
    """A MediaWiki dump at ``out`` holding only the pages of ``dump`` titled ``titles`` (its siteinfo kept)."""
    text = bz2.open(dump, "rt", encoding="utf-8").read()
    head = text[: text.index("<page>")].rstrip(" \t")
    chosen = {title: page for title, page in pages(dump) if title in titles}
    missing = [t for t in titles if t not in chosen]
    if missing:
        raise KeyError(f"{dump}: no page titled {missing}")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(head + "".join(chosen[t] for t in titles) + "</mediawiki>\n", encoding="utf-8")
    return out


def article_titles(dump: Path, count: int, first: list[str]) -> list[str]:
    """``count`` article titles of ``dump``: ``first`` ones, then the dump's other articles in order."""
    articles = [t for t, page in pages(dump) if "<ns>0</ns>" in page and "<redirect" not in page
                and "#REDIRECT" not in page.upper()]
    ordered = [t for t in first if t in articles] + [t for t in articles if t not in first]
    return ordered[:count]


# Short and hard: a list article, a disambiguation page, a film; biographies full of names Whisper cannot spell.
SMALL_ARTICLES = {"enwiki": ["List of anthropologists", "Aa River", "Actrius"],
                  "wtf": ["Magnar Saetre", "Ewelina Setowska Dryk", "Teymanak e Olya"]}


def real_landing(root: Path, articles: int, small: bool = False) -> Path:
    """A landing zone with ``articles`` articles of each real dump (or the SMALL_ARTICLES), a dump file each."""
    for name, dump in DUMPS.items():
        titles = SMALL_ARTICLES[name] if small else article_titles(dump, articles, HARD_ARTICLES[name])
        cut_dump(dump, titles, root / "wikipedia" / "2026-11-01" / f"{name}-real.xml")
    return root


# --- the junk detector ----------------------------------------------------------------------------
# Independent of synth_assets/segments/unspoken.py and synth_assets/spoken/roman.py: prose is carried by
# function words, while titles, names and references are mostly capitalised words and numbers.

FUNCTION = frozenset("the of and to in a an is was are were that for it with as by on at from his her its "
                     "their which who he she they this be been has had have not but or also into than after "
                     "when there one first not no can will would may should must shall any some other all more such".split())
_BIBLIO = re.compile(r"\b(?:isbn|issn|doi|pp\b|vol\b|ed\b|eds\b|retrieved|archived|press|publishers?|journal|"
                     r"proceedings|edition|translated|ibid)\b", re.I)
_ROMAN_UPPER = re.compile(r"(?<![\w'’-])(?=[IVXLC]*[IVX])(?:X{0,3}(?:IX|IV|V?I{0,3})|X{0,3}L?X{0,3})(?![\w'’])")
_ROMAN_LOWER = re.compile(r"(?<![\w'’-])(?:ii|iii|iv|vii|viii|ix|xii|xiii|xiv|xv|xvi|xvii|xviii|xix|xx)(?![\w'’])")
_SPELT = re.compile(r"[A-Za-z][\w'’-]*")


def junk_kind(spoken: str) -> str | None:
    """'reference', 'list entry' or 'roman numeral' for a spoken row a listener would not hear read out."""
    fillerless = re.sub(r"^(?:um|uh|so|well|now|you know|okay|like),?\s+", "", spoken, flags=re.I)
    words = _SPELT.findall(fillerless)
    if any(len(m.group()) >= 2 for m in _ROMAN_UPPER.finditer(fillerless)) or _ROMAN_LOWER.search(fillerless):
        return "roman numeral"
    if not words:
        return None
    function_share = sum(w.lower() in FUNCTION for w in words) / len(words)
    capital_share = sum(w[0].isupper() for w in words[1:]) / max(len(words) - 1, 1)
    if _BIBLIO.search(fillerless) and function_share < 0.2:
        return "reference"
    if len(words) <= 10 and capital_share >= 0.6 and function_share < 0.15:
        return "list entry"
    if len(words) >= 6 and function_share < 0.05:
        return "list entry"
    return None


def junk_report(rows: list[str]) -> tuple[Counter, list[tuple[str, str]]]:
    kinds = Counter()
    flagged = []
    for text in rows:
        if kind := junk_kind(text):
            kinds[kind] += 1
            flagged.append((kind, text))
    return kinds, flagged


# --- 1. text stages on every article --------------------------------------------------------------

def text_rows(dump: Path) -> tuple[list[str], Counter]:
    """Spoken rows of every English article of ``dump`` (as the text assets make them), and drops by reason."""
    from synth_assets.core.records import Document
    from synth_assets.crawl.sources import read_file
    from synth_assets.segments.language import boilerplate, detect_language, foreign_passage
    from synth_assets.segments.segment import split_document
    from synth_assets.spoken.rewrite import DropText, spoken_text_record

    spoken, drops = [], Counter()
    for record in read_file(dump, source="wikipedia", snapshot="2026-11-01", rel_path=f"wikipedia/{dump.name}"):
        if not isinstance(record, Document):
            drops[record.reason.split(":")[0]] += 1
            continue
        if detect_language(record.text)[0] not in ("en", "unknown"):
            drops["another language"] += 1
            continue
        segments, dropped = split_document(record)
        drops.update(d["reason"].split(":")[0].split(" is not spoken")[0].split("'")[0].strip() for d in dropped)
        for segment in segments:
            if boilerplate(segment.text) or foreign_passage(segment.text, ("en",)):
                continue
            try:
                spoken.append(spoken_text_record(segment, filler_rate=0.15).text)
            except DropText as error:
                drops[str(error).split(":")[0].split(" '")[0]] += 1
    return spoken, drops


def text_section(show: int) -> list[str]:
    lines = ["## text stages on every article of both dumps"]
    for name, dump in DUMPS.items():
        rows, drops = text_rows(dump)
        kinds, flagged = junk_report(rows)
        total = sum(kinds.values())
        lines.append(f"{name}: {len(rows)} spoken rows, junk {total} ({total / max(len(rows), 1):.2%}): "
                     + (", ".join(f"{k} {v}" for k, v in kinds.most_common()) or "none"))
        lines.append("  drops: " + ", ".join(f"{k} {v}" for k, v in drops.most_common(12)))
        lines += [f"    [{kind}] {text[:130]!r}" for kind, text in flagged[:show]]
    return lines


# --- 2. the whole graph ---------------------------------------------------------------------------

def _card_figures() -> dict:
    from synth_assets.tts.gate import load_cards

    return {voice: card for voice, card in load_cards().items()}


def graph_run(landing: Path, base: Path, pool: str) -> dict:
    """Run ``synth materialize`` on ``landing`` with a voice pool ('fast' or 'default'), and measure it."""
    import duckdb

    os.environ["DAGSTER_HOME"] = str(base / "dagster_home")
    if pool == "fast":
        os.environ["SYNTH_USER_VOICES"] = FAST_POOL
    else:
        os.environ.pop("SYNTH_USER_VOICES", None)
    from synth_assets.drivers.runner import materialize_landing

    started = time.perf_counter()
    summary = materialize_landing(landing, base / "data", log=lambda message: None)
    seconds = time.perf_counter() - started
    data = base / "data"
    sql = duckdb.connect()

    def table(asset: str, columns: str) -> list[tuple]:
        files = list((data / asset).rglob("part-*.parquet"))
        return sql.execute(f"select {columns} from read_parquet({[str(f) for f in files]})").fetchall() if files else []

    labels = table("pseudo_labels", "voice_id, wer, exact_wer, wer_method, parent_id")
    clips = {row[0]: row[1:] for row in table("tts_audio", "id, voice_id, text, duration_s")}
    spoken = [row[0] for row in table("spoken_text", "text")]
    premises = table("false_premise_dialogues", "id")
    kinds, flagged = junk_report(spoken)
    per_voice: dict[str, list] = {}
    for voice, fair, _, _, parent in labels:
        text, duration = clips[parent][1], clips[parent][2]
        per_voice.setdefault(voice, []).append((fair, len(text.split()) / max(duration, 0.01)))
    partition_medians, voice_medians = {}, {}
    for path in (data / "pseudo_labels").rglob("parts.json"):
        rows = sql.execute(f"select voice_id, wer from read_parquet('{path.parent}/part-*.parquet')").fetchall()
        name = path.parent.name
        partition_medians[name] = statistics.median(w for _, w in rows) if rows else None
        for voice in {v for v, _ in rows}:
            voice_medians[f"{name} {voice}"] = statistics.median(w for v, w in rows if v == voice)
    return {
        "pool": pool, "seconds": round(seconds, 1), "partitions": summary.partitions,
        "failed_partitions": summary.failed_partitions, "clips": len(labels),
        "kept_share": sum(w <= 0.25 for _, w, *_ in labels) / max(len(labels), 1),
        "median_wer": statistics.median(w for _, w, *_ in labels) if labels else None,
        "median_exact_wer": statistics.median(r[2] for r in labels) if labels else None,
        "wer_method": labels[0][3] if labels else None,
        "spoken_rows": len(spoken), "junk": dict(kinds), "junk_share": sum(kinds.values()) / max(len(spoken), 1),
        "flagged": flagged, "false_premises": len(premises),
        "conversations": summary.conversations_by_kind, "release_samples": summary.dataset_samples,
        "voices": {v: (len(x), statistics.median(w for w, _ in x), statistics.median(r for _, r in x))
                   for v, x in sorted(per_voice.items())},
        "partition_medians": partition_medians, "voice_medians": voice_medians,
        "checks_failed": summary.failed_checks,
    }


def graph_section(result: dict, show: int) -> list[str]:
    cards = _card_figures()
    lines = [f"## whole graph, {result['pool']} pool: {result['partitions']} partitions in {result['seconds']} s",
             f"partitions failed: {len(result['failed_partitions'])} {list(result['failed_partitions'])}",
             f"clips {result['clips']}, kept by the round trip (WER <= 25 %): {result['kept_share']:.1%}",
             f"median round-trip WER {result['median_wer']:.2%} ({result['wer_method']}); exact WER "
             f"{result['median_exact_wer']:.2%}",
             f"spoken rows {result['spoken_rows']}, junk {result['junk_share']:.2%}: {result['junk'] or 'none'}",
             f"false-premise conversations {result['false_premises']}; conversations {result['conversations']}; "
             f"release samples {result['release_samples']}",
             "per voice (clips, median WER, median words/s; card WER and words/s):"]
    for voice, (count, median, rate) in result["voices"].items():
        card = cards.get(voice)
        card_text = f"card {card.median_wer:.0%}, {card.words_per_second} w/s" if card else "no card"
        lines.append(f"  {voice}: {count} clips, {median:.1%}, {rate:.2f} w/s ({card_text})")
    lines.append("partition medians: " + ", ".join(f"{k} {v:.1%}" for k, v in result["partition_medians"].items()
                                                    if v is not None))
    lines.append("voice medians by partition: " + ", ".join(f"{k} {v:.1%}" for k, v in result["voice_medians"].items()))
    lines += [f"    [{kind}] {text[:130]!r}" for kind, text in result["flagged"][:show]]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pool", choices=["fast", "default", "both"], default="both")
    parser.add_argument("--articles", type=int, default=6, help="articles of each dump in the whole-graph run")
    parser.add_argument("--small", action="store_true", help="the slow test's six short articles instead")
    parser.add_argument("--text-only", action="store_true", help="only the text stages on every article")
    parser.add_argument("--show", type=int, default=8, help="flagged rows to print per section")
    args = parser.parse_args(argv)
    missing = [str(p) for p in DUMPS.values() if not p.exists()]
    if missing:
        print(f"real dumps not found: {missing}")
        return 1
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    lines = text_section(args.show)
    print("\n".join(lines), flush=True)
    if args.text_only:
        return 0
    for pool in (["fast", "default"] if args.pool == "both" else [args.pool]):
        with tempfile.TemporaryDirectory(prefix=f"real-crawl-{pool}-") as tmp:
            base = Path(tmp)
            result = graph_run(real_landing(base / "landing", args.articles, args.small), base, pool)
        print("\n".join(graph_section(result, args.show)), flush=True)
        print(f"load average {os.getloadavg()[0]:.2f}")
        print(json.dumps({k: v for k, v in result.items() if k != "flagged"}, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
