"""Cut a document into TTS-sized utterances, recording everything that is dropped and why.

Paragraphs are split into sentences, and consecutive sentences of one paragraph are packed into
segments of at most ``max_words`` words. Sentences that are too long on their own are cut at commas
and semicolons, and at ``max_words`` if a clause is still too long. Headings, ``[code]`` blocks,
fragments under ``min_words`` and exact duplicates are dropped with a reason.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator

from synth_assets.core import names
from synth_assets.core.records import Document, Segment, stable_id

# Words that end in a period without ending the sentence ("Dr. Smith", "approx. 5").
ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof st jr sr vs etc no nos fig figs approx inc ltd co corp gen col lt sgt gov sen "
    "rep rev mt ft ave cf al ca vol pp ed eds jan feb mar apr jun jul aug sep sept oct nov dec".split()
)
# A possible sentence end: punctuation, closing quotes/brackets, a space, then a capital or digit.
_BOUNDARY = re.compile(r"[.!?…]+[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9])")
# Initials and dotted acronyms: "J.", "U.S.", "e.g."
_DOTTED = re.compile(r"(?:[A-Za-z]\.)+")
_CODE = re.compile(r"(\[code\].*?(?:\[/code\]|\Z))", re.S)  # unclosed blocks run to the end
_PARAGRAPH = re.compile(r"\n\s*\n")
_TURN = re.compile(r"(USER|ASSISTANT):\s*")
_HEADING = re.compile(r"#{1,6}\s")
_CLAUSE = re.compile(r"(?<=[,;])\s+")
DROP_TEXT_CHARS = 500


def count_words(text: str) -> int:
    return len(text.split())


def _is_abbreviation(before: str) -> bool:
    """Whether the word ending ``before`` (which ends in a period) is an abbreviation or an initial."""
    word = before.rsplit(None, 1)[-1].lstrip("\"'“‘([")
    return bool(_DOTTED.fullmatch(word)) or word[:-1].lower() in ABBREVIATIONS


def split_sentences(text: str) -> list[str]:
    sentences, start = [], 0
    for match in _BOUNDARY.finditer(text):
        end = match.start() + 1
        if match.group().rstrip().rstrip("\"'”’)]") == "." and _is_abbreviation(text[start:end]):
            continue
        sentences.append(text[start:match.end()].strip())
        start = match.end()
    tail = text[start:].strip()
    return [*sentences, tail] if tail else sentences


def _hard_split(text: str, max_words: int) -> list[str]:
    """Cut into equal chunks of at most max_words, so that no tiny remainder is left over."""
    words = text.split()
    size = math.ceil(len(words) / math.ceil(len(words) / max_words))
    return [" ".join(words[i:i + size]) for i in range(0, len(words), size)]


def _short_parts(sentence: str, max_words: int) -> list[str]:
    """The sentence itself if it fits, else its clauses, each cut hard if it still does not fit."""
    if count_words(sentence) <= max_words:
        return [sentence]
    return [part for clause in _CLAUSE.split(sentence) for part in _hard_split(clause, max_words)]


def _pack(parts: list[str], max_words: int) -> list[str]:
    """Greedily join consecutive parts while the result stays within max_words."""
    packed: list[str] = []
    for part in parts:
        if packed and count_words(packed[-1]) + count_words(part) <= max_words:
            packed[-1] = f"{packed[-1]} {part}"
        else:
            packed.append(part)
    return packed


def _candidates(text: str, max_words: int) -> Iterator[tuple[str, str | None, str]]:
    """(role, drop reason or None, text) for every utterance candidate, in document order.

    A code block inside a paragraph acts as a paragraph break: the prose around it is kept separately.
    """
    role = "narration"
    for chunk_index, chunk in enumerate(_CODE.split(text)):
        if chunk_index % 2:  # odd chunks are the captured code blocks
            yield role, "code", chunk
            continue
        for paragraph in _PARAGRAPH.split(chunk):
            paragraph = " ".join(paragraph.split())
            if turn := _TURN.match(paragraph):  # a turn lasts until the next prefix
                role, paragraph = turn.group(1).lower(), paragraph[turn.end():]
            if not paragraph:
                continue
            if _HEADING.match(paragraph):
                yield role, "heading", paragraph
                continue
            parts = [p for s in split_sentences(paragraph) for p in _short_parts(s, max_words)]
            for piece in _pack(parts, max_words):
                yield role, None, piece


def split_document(doc: Document, *, min_words: int = 4,
                   max_words: int = 40) -> tuple[list[Segment], list[dict]]:
    """Segments of the document and the drops, as {"parent_id", "position", "reason", "text"}.

    ``position`` counts kept and dropped candidates together, so both lists interleave in document
    order; a segment's id is made from its position and text.
    """
    params = json.dumps({"min_words": min_words, "max_words": max_words}, sort_keys=True)
    segments: list[Segment] = []
    drops: list[dict] = []
    seen: dict[str, str] = {}  # normalised text -> id of the segment that kept it
    for position, (role, reason, text) in enumerate(_candidates(doc.text, max_words)):
        words = count_words(text)
        key = " ".join(text.lower().split())
        if reason is None and words < min_words:
            reason = f"fragment of {words} words, under {min_words}"
        if reason is None and key in seen:
            reason = f"duplicate of {seen[key]}"
        if reason:
            drops.append({"parent_id": doc.id, "position": position, "reason": reason,
                          "text": text[:DROP_TEXT_CHARS]})
            continue
        segment = Segment(id=stable_id("segment", doc.id, position, text), parent_id=doc.id,
                          stage=names.TEXT_SEGMENTS, params=params, source=doc.source, snapshot=doc.snapshot,
                          role=role, position=position, text=text, words=words, license=doc.license)
        seen[key] = segment.id
        segments.append(segment)
    return segments, drops
