"""Large, realistic dumps made from the project's own text, so scale runs download nothing.

Articles and Stack Exchange threads are recombined, with a seeded generator, from the sentences of
the bundled sample landing zone (synth_assets/sample_landing/), and written in the formats the
readers take: MediaWiki XML, Wikimedia's multistream bz2 with its stream index, and Posts.xml with
answers scattered far from their questions, as on a real site.

    python -m synth_assets.crawl.generate OUT --partitions 500 --mb 2
"""

from __future__ import annotations

import argparse
import bz2
import html
import itertools
import random
import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

from synth_assets.crawl.sources import read_file

SAMPLE = Path(__file__).resolve().parent.parent / "sample_landing"
HEADER = """<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.11/" version="0.11" xml:lang="en">
  <siteinfo>
    <sitename>Wikipedia</sitename>
    <base>https://en.wikipedia.org/wiki/Main_Page</base>
    <namespaces><namespace key="0" case="first-letter" /></namespaces>
  </siteinfo>
"""
PAGE = """  <page>
    <title>{title}</title>
    <ns>0</ns>
    <id>{page_id}</id>
    <revision>
      <id>{revision}</id>
      <timestamp>2026-11-01T00:00:00Z</timestamp>
      <model>wikitext</model>
      <format>text/x-wiki</format>
      <text xml:space="preserve">{text}</text>
    </revision>
  </page>
"""
FOOTER = "</mediawiki>\n"
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


@lru_cache(maxsize=1)
def sentences() -> tuple[str, ...]:
    """Every prose sentence of the bundled sample landing zone (headings and list items left out)."""
    found: list[str] = []
    for path in sorted(SAMPLE.rglob("*")):
        if path.is_file():
            for doc in read_file(path, source="sample", snapshot="s", rel_path=path.name):
                for paragraph in getattr(doc, "text", "").split("\n\n"):
                    if paragraph[:1].isalpha() and not paragraph.startswith(("USER:", "ASSISTANT:")):
                        found += [s for s in _SENTENCE.split(paragraph) if 30 <= len(s) <= 300]
    return tuple(dict.fromkeys(found))


@lru_cache(maxsize=1)
def _successors() -> tuple[tuple[str, ...], dict[str, tuple[str, ...]]]:
    """A word-pair chain over the sample sentences: (sentence openings, word -> words that follow it)."""
    follow: dict[str, list[str]] = {}
    openings = []
    for sentence in sentences():
        words = sentence.split()
        openings.append(words[0])
        for a, b in itertools.pairwise(words):
            follow.setdefault(a, []).append(b)
    return tuple(openings), {k: tuple(v) for k, v in follow.items()}


def sentence(rng: random.Random) -> str:
    """A new sentence walked along the word-pair chain: the sample's vocabulary and phrasing, with
    about the variety (and so the bz2 ratio) of real prose, not a few sentences repeated."""
    openings, follow = _successors()
    words = [rng.choice(openings)]
    while len(words) < 40 and not (len(words) > 5 and words[-1].endswith((".", "?", "!"))):
        options = follow.get(words[-1])
        if not options:
            break
        words.append(rng.choice(options))
    text = " ".join(words).rstrip(",;:")
    return text if text.endswith((".", "?", "!")) else text + "."


def article(rng: random.Random, words: int = 400) -> tuple[str, str]:
    """(title, wikitext): a lead and a few sections of recombined sentences."""
    title = " ".join(sentence(rng).split()[:3]).strip(".,;:") + f" {rng.randrange(10**6)}"
    parts, count = [], 0
    while count < words:
        paragraph = " ".join(sentence(rng) for _ in range(rng.randint(2, 5)))
        if parts and rng.random() < 0.25:
            parts.append(f"== {' '.join(sentence(rng).split()[:2]).strip('.,;:')} ==")
        parts.append(paragraph)
        count += len(paragraph.split())
    return title, "\n\n".join(parts)


def pages(seed: int, size: int) -> Iterator[str]:
    """<page> elements of about ``size`` bytes in all."""
    rng, written, number = random.Random(seed), 0, 0
    while written < size:
        title, text = article(rng, rng.randint(150, 900))
        number += 1
        page = PAGE.format(title=escape(title), page_id=seed * 10**7 + number, revision=seed * 10**7 + number,
                           text=escape(text))
        written += len(page)
        yield page


def write_mediawiki(path: Path, seed: int, size: int) -> None:
    with open(path, "w", encoding="utf-8") as out:
        out.write(HEADER)
        out.writelines(pages(seed, size))
        out.write(FOOTER)


def write_multistream(path: Path, seed: int, size: int, pages_per_stream: int = 100,
                      compressed_size: int | None = None) -> Path:
    """A Wikimedia-style multistream dump of about ``size`` uncompressed bytes (or, when given, of
    about ``compressed_size`` bytes on disk) and its index ("offset:page_id:title" per page, bz2)
    beside it; returns the index's path."""
    index_path = path.with_name(path.name[: -len(".xml.bz2")] + "-index.txt.bz2")
    with open(path, "wb") as out, bz2.open(index_path, "wt", encoding="utf-8") as index:
        out.write(bz2.compress(HEADER.encode()))
        batch: list[str] = []

        def flush() -> None:
            offset = out.tell()
            for page in batch:
                page_id = re.search(r"<id>(\d+)</id>", page)[1]
                title = html.unescape(re.search(r"<title>(.*?)</title>", page)[1])
                index.write(f"{offset}:{page_id}:{title}\n")
            out.write(bz2.compress("".join(batch).encode()))
            batch.clear()

        for page in pages(seed, size if compressed_size is None else 1 << 50):
            batch.append(page)
            if len(batch) == pages_per_stream:
                flush()
                if compressed_size is not None and out.tell() >= compressed_size:
                    break
        if batch:
            flush()
        out.write(bz2.compress(FOOTER.encode()))
    return index_path


def write_posts(path: Path, seed: int, size: int, scatter: int = 400) -> None:
    """Stack Exchange Posts.xml: questions, and their answers up to ``scatter`` posts later (answers
    of one question interleave with other threads', as posts are ordered by id = time)."""
    rng = random.Random(seed)
    pending: list[tuple[int, str]] = []  # (due position, row)
    written, post_id, position = 0, seed * 10**7, 0
    with open(path, "w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="utf-8"?>\n<posts>\n')

        def row(**fields) -> str:
            attributes = " ".join(f'{k}="{html.escape(str(v), quote=True)}"' for k, v in fields.items())
            return f"  <row {attributes} />\n"

        while written < size or pending:
            pending.sort()
            if pending and (pending[0][0] <= position or written >= size):
                line = pending.pop(0)[1]
            else:
                post_id += 1
                question = post_id
                answers = [post_id + 1 + i for i in range(rng.randint(1, 3))]
                post_id += len(answers)
                body = "".join(f"<p>{sentence(rng)} {sentence(rng)}</p>" for _ in range(rng.randint(1, 3)))
                title = sentence(rng).rstrip(".") + "?"
                line = row(Id=question, PostTypeId=1, AcceptedAnswerId=answers[0], CreationDate="2026-11-01T00:00:00",
                           Score=rng.randint(0, 50), Body=body, Title=title)
                for answer in answers:
                    text = "".join(f"<p>{sentence(rng)} {sentence(rng)}</p>" for _ in range(rng.randint(1, 4)))
                    pending.append((position + rng.randint(1, scatter),
                                    row(Id=answer, PostTypeId=2, ParentId=question, Score=rng.randint(0, 30),
                                        Body=text, CreationDate="2026-11-01T01:00:00")))
            out.write(line)
            written += len(line)
            position += 1
        out.write("</posts>\n")


def landing_zone(root: Path, partitions: int, mb: float, slices_per_dump: int = 10) -> list[str]:
    """A landing zone of about ``partitions`` partitions of ``mb`` MB each (at SYNTH_SLICE_MB=mb):
    multistream Wikipedia dumps of ``slices_per_dump`` slices. Returns the dump files written."""
    size, written = int(mb * (1 << 20)), []
    dumps = -(-partitions // slices_per_dump)
    for number in range(dumps):
        folder = root / "wikipedia" / f"2026-11-{1 + number // 50:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"enwiki-{number:04d}-pages-articles-multistream.xml.bz2"
        slices = min(slices_per_dump, partitions - number * slices_per_dump)
        write_multistream(path, number + 1, 0, pages_per_stream=20, compressed_size=int(size * (slices - 0.5)))
        written.append(str(path.relative_to(root)))
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--partitions", type=int, default=500)
    parser.add_argument("--mb", type=float, default=2.0, help="MB per partition (set SYNTH_SLICE_MB to the same)")
    args = parser.parse_args()
    for path in landing_zone(args.out, args.partitions, args.mb):
        print(path)


if __name__ == "__main__":
    main()
