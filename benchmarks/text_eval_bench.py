"""How whole and how speakable the text stages' output is, on our realistic evaluation set and on the
bundled sample, plus verbalization accuracy.

    python -m benchmarks.text_eval_bench [--nemo DIR] [--show N]

The evaluation set (tests/fixtures/realistic/, written by us) holds wikitext articles with long
sentences, quotations with editorial brackets, Greek and Cyrillic terms, tables, lists, citations and
math; Stack Exchange threads in HTML; and instruction data. It is read through the real dump readers
(the wikitext is wrapped in a MediaWiki export, the threads in a Posts.xml), then cut into segments and
rewritten into spoken form by the same functions the assets call. Reported:

- the share of segments that start, and that end, in the middle of a sentence;
- the share of spoken rows that still hold unspeakable characters (and how many were dropped for it);
- what was dropped and why, and the share of the documents' words that reach spoken_text;
- verbalization accuracy on the evaluation set's own written~spoken cases and on NeMo's test cases,
  scored by /work/shared/benchmarks/score_normalization.py when it is there.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from synth_assets.core.records import Document
from synth_assets.crawl.sources import read_file
from synth_assets.segments.segment import split_document
from synth_assets.segments.wholeness import ends_mid_sentence, starts_mid_sentence
from synth_assets.spoken.partition import SpokenSettings
from synth_assets.spoken.rewrite import DropText, spoken_text_record
from synth_assets.spoken.speakable import unspeakable

ROOT = Path(__file__).resolve().parent.parent
REALISTIC = ROOT / "tests" / "fixtures" / "realistic"
SAMPLE_LANDING = ROOT / "synth_assets" / "sample_landing"
SCORER = Path("/work/shared/benchmarks/score_normalization.py")
NEMO_CASES = Path("/work/shared/benchmarks/text_normalization/nemo_en")


@dataclass
class TextEval:
    """What the text stages made of a set of documents."""

    documents: int = 0
    document_words: int = 0
    segments: list[str] = field(default_factory=list)
    spoken: list[str] = field(default_factory=list)
    segment_drops: Counter = field(default_factory=Counter)
    spoken_drops: Counter = field(default_factory=Counter)

    @property
    def start_mid(self) -> list[str]:
        return [s for s in self.segments if starts_mid_sentence(s)]

    @property
    def end_mid(self) -> list[str]:
        return [s for s in self.segments if ends_mid_sentence(s)]

    @property
    def unspeakable_rows(self) -> list[str]:
        return [s for s in self.spoken if unspeakable(s)]

    def share(self, items: list, of: list) -> float:
        return len(items) / max(len(of), 1)

    @property
    def kept_word_share(self) -> float:
        return sum(len(s.split()) for s in self.segments) / max(self.document_words, 1)


def _reason_kind(reason: str) -> str:
    """A drop reason without its particulars: 'sentence of 61 words, over 55, ...' -> 'sentence of N words...'."""
    if reason.startswith("sentence of"):
        return "long sentence with no clean clause split"
    if reason.startswith("unspeakable after rewrite"):
        return "unspeakable after rewrite"
    if reason.startswith("too long for one clip"):
        return "too long for one clip once spoken"
    return reason.split(":")[0].split(" of ")[0] if reason.startswith(("fragment", "duplicate")) else reason


def evaluate(documents: list[Document], filler_rate: float = SpokenSettings().filler_rate) -> TextEval:
    result = TextEval()
    for document in documents:
        result.documents += 1
        result.document_words += len(document.text.split())
        segments, drops = split_document(document)
        result.segment_drops.update(_reason_kind(d["reason"]) for d in drops)
        for segment in segments:
            result.segments.append(segment.text)
            try:
                record = spoken_text_record(segment, filler_rate=filler_rate)
            except DropText as error:
                result.spoken_drops[_reason_kind(str(error))] += 1
                continue
            result.spoken.append(record.text)
    return result


# --- the evaluation set, through the real readers -----------------------------------------------

def _mediawiki_export(pages: dict[str, str]) -> str:
    sample = next(SAMPLE_LANDING.glob("wikipedia/*/*.xml")).read_text(encoding="utf-8")
    header = sample[:sample.index("</siteinfo>") + len("</siteinfo>")]
    body = "".join(
        f"\n  <page>\n    <title>{escape(title)}</title>\n    <ns>0</ns>\n    <id>{900 + n}</id>\n"
        f"    <revision>\n      <id>{9000 + n}</id>\n      <timestamp>2026-11-01T00:00:00Z</timestamp>\n"
        f"      <model>wikitext</model>\n      <format>text/x-wiki</format>\n"
        f"      <text xml:space=\"preserve\">{escape(text)}</text>\n    </revision>\n  </page>"
        for n, (title, text) in enumerate(sorted(pages.items())))
    return header + body + "\n</mediawiki>\n"


def _posts_xml(threads: list[dict]) -> str:
    rows = []
    for n, thread in enumerate(threads):
        question, answer = 2 * n + 1, 2 * n + 2
        rows.append(f'  <row Id="{question}" PostTypeId="1" AcceptedAnswerId="{answer}" '
                    f'CreationDate="2026-01-0{n + 1}T10:00:00.000" Score="10" Title={quoteattr(thread["title"])} '
                    f'Body={quoteattr(thread["question"])} />')
        rows.append(f'  <row Id="{answer}" PostTypeId="2" ParentId="{question}" Score="12" '
                    f'CreationDate="2026-01-0{n + 1}T12:00:00.000" Body={quoteattr(thread["answer"])} />')
    return '<?xml version="1.0" encoding="utf-8"?>\n<posts>\n' + "\n".join(rows) + "\n</posts>\n"


def _read(path: Path, source: str) -> list[Document]:
    records = read_file(path, source=source, snapshot="2026-11-01", rel_path=f"{source}/{path.name}")
    return [r for r in records if isinstance(r, Document)]


def realistic_documents(root: Path = REALISTIC) -> dict[str, list[Document]]:
    """The evaluation set as documents, by source (wikipedia, stackexchange, instructions)."""
    with tempfile.TemporaryDirectory(prefix="text-eval-") as tmp:
        landing = Path(tmp)
        pages = {p.stem.replace("_", " "): p.read_text(encoding="utf-8") for p in (root / "wikipedia").glob("*.wiki")}
        (landing / "enwiki-realistic.xml").write_text(_mediawiki_export(pages), encoding="utf-8")
        threads = json.loads((root / "stackexchange" / "threads.json").read_text(encoding="utf-8"))
        (landing / "Posts.xml").write_text(_posts_xml(threads), encoding="utf-8")
        shutil.copy(root / "instructions" / "alpaca.json", landing / "alpaca.json")
        return {"wikipedia": _read(landing / "enwiki-realistic.xml", "wikipedia"),
                "stackexchange": _read(landing / "Posts.xml", "stackexchange"),
                "instructions": _read(landing / "alpaca.json", "alpaca")}


def sample_documents() -> dict[str, list[Document]]:
    """The bundled sample landing zone as documents, by source."""
    found: dict[str, list[Document]] = {}
    for path in sorted(SAMPLE_LANDING.glob("*/*/*")):
        source = path.parts[-3]
        found.setdefault(source, []).extend(_read(path, source))
    return found


# --- verbalization -------------------------------------------------------------------------------

def score(cases: Path, scorer: Path = SCORER) -> str:
    """The scorer's report (its last line is the overall accuracy), or why it could not run."""
    if not scorer.exists():
        return f"(scorer {scorer} not found)"
    command = f"{sys.executable} -m synth_assets.cli normalize"
    done = subprocess.run([sys.executable, str(scorer), "--cmd", command, str(cases)], capture_output=True,
                          text=True, cwd=ROOT, timeout=900)
    return (done.stdout + done.stderr).strip()


# --- report -------------------------------------------------------------------------------------

def _report(name: str, result: TextEval, show: int) -> list[str]:
    lines = [f"## {name}",
             f"documents {result.documents}, segments {len(result.segments)}, spoken rows {len(result.spoken)}, "
             f"words kept {result.kept_word_share:.1%}",
             f"segments starting mid-sentence: {len(result.start_mid)} ({result.share(result.start_mid, result.segments):.2%})",
             f"segments ending mid-sentence:   {len(result.end_mid)} ({result.share(result.end_mid, result.segments):.2%})",
             f"spoken rows with unspeakable characters: {len(result.unspeakable_rows)} "
             f"({result.share(result.unspeakable_rows, result.spoken):.2%}); segments dropped as unspeakable: "
             f"{result.spoken_drops.get('unspeakable after rewrite', 0)}",
             "segment drops: " + ", ".join(f"{k} {v}" for k, v in result.segment_drops.most_common()),
             "spoken drops: " + (", ".join(f"{k} {v}" for k, v in result.spoken_drops.most_common()) or "none")]
    for label, items in (("start", result.start_mid), ("end", result.end_mid), ("unspeakable", result.unspeakable_rows)):
        lines += [f"  {label}: {text[:140]!r}" for text in items[:show]]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nemo", type=Path, default=NEMO_CASES, help="NeMo written~spoken case directory")
    parser.add_argument("--show", type=int, default=3, help="examples to show per problem")
    args = parser.parse_args(argv)
    realistic = realistic_documents()
    every = [d for docs in realistic.values() for d in docs]
    lines = _report("evaluation set (tests/fixtures/realistic), all sources", evaluate(every), args.show)
    for source, docs in realistic.items():
        lines += _report(f"evaluation set: {source}", evaluate(docs), 0)[:5]
    sample = [d for docs in sample_documents().values() for d in docs]
    lines += _report("bundled sample (synth_assets/sample_landing)", evaluate(sample), args.show)
    lines += ["## verbalization", "evaluation set cases: " + score(REALISTIC / "verbalization.txt").splitlines()[-1],
              "NeMo cases: " + score(args.nemo).splitlines()[-1]]
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
