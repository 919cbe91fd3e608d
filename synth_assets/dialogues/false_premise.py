"""False-premise dialogues (Moshi's "Is the Eiffel Tower in Beijing?"): a fact from a crawl document
with one detail changed (a place, a person, a date or a number) is put to the assistant as a person
would ask it, and the assistant corrects it with the true value.

The question names its subject: a sentence that starts with a pronoun ("It", "Its") gets the document
title in its place. Values are kept in forms the verbalizer reads well (years, month names, small
whole numbers, number words); a number it would read badly is not altered. The source sentence, the
changed span and both values go into lineage.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass

from synth_assets.core import names
from synth_assets.core.records import DialogueScript, Segment, Turn, seed_from_id, stable_id
from synth_assets.segments.segment import split_sentences
from synth_assets.spoken.rewrite import DropText, to_spoken

MIN_CLAIM_WORDS = 6
DETAIL_KINDS = ("place", "person", "date", "number")
MAX_PLAIN_NUMBER = 999  # larger numbers (read like years when four digits long) (and thousands separators) are not altered: see the module doc

# Written for this project: places by kind, so a city becomes another city.
PLACES = {
    "city": ("Paris", "London", "Berlin", "Rome", "Madrid", "Vienna", "Prague", "Lisbon", "Amsterdam",
             "Brussels", "Dublin", "Oslo", "Stockholm", "Copenhagen", "Warsaw", "Budapest", "Athens",
             "Beijing", "Tokyo", "Moscow", "Cairo", "Sydney", "Toronto", "Chicago", "Boston", "Munich",
             "Milan", "Geneva", "Edinburgh", "Barcelona", "Istanbul", "Delhi", "Mumbai", "Seoul"),
    "country": ("France", "Germany", "Italy", "Spain", "Portugal", "Austria", "Poland", "Hungary", "Greece",
                "Norway", "Sweden", "Denmark", "Finland", "Ireland", "Scotland", "England", "Japan", "China",
                "India", "Egypt", "Brazil", "Mexico", "Canada", "Australia", "Switzerland", "Belgium",
                "the Netherlands", "Argentina", "Chile", "Peru", "Kenya", "Turkey"),
}
PEOPLE = ("Marie Dubois", "Henry Walker", "Clara Weiss", "Thomas Reed", "Anna Novak", "James Porter",
          "Sofia Marino", "Peter Lund", "Helen Carter", "Oscar Lind", "Laura Bennett", "Victor Hale")
_PERSON = re.compile(r"\bby ((?:[A-Z][a-z]+ ){1,2}[A-Z][a-z]+)\b")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
NUMBER_WORDS = ("three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "fifteen",
                "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_YEAR = re.compile(r"(?<![\w.,])(1[1-9]\d\d|20\d\d)(?![\w]|[.,]\d)")
_NUMBER = re.compile(r"(?<![\w.,/:-])(\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?![\w/:-]|[.,]\d)")
_PRONOUN = re.compile(r"^(It|Its|He|His|She|Her|They|Their|This|These)\b ?")
POSSESSIVE = {"Its", "His", "Her", "Their"}

QUESTIONS = (
    "Is it true that {claim}?",
    "I heard that {claim}. Is that right?",
    "Someone told me that {claim}. Is that true?",
    "So {claim}, right?",
)
ANSWERS = (
    "Actually, that's not right. {corrected}",
    "Not quite. {corrected}",
    "That's a common mix-up. {corrected}",
    "No, I don't think so. {corrected}",
)


class CannotAlter(ValueError):
    """The sentence has a detail, but none that can be changed cleanly; the message says which."""


@dataclass(frozen=True)
class Detail:
    kind: str  # place, person, date or number
    start: int
    end: int
    value: str


def _words(pattern: str, text: str) -> list[re.Match]:
    return list(re.finditer(rf"\b(?:{pattern})\b", text))


def find_details(sentence: str) -> list[Detail]:
    """The places, people, dates and numbers of ``sentence``, in order, without overlaps."""
    found = []
    for kind, names_ in PLACES.items():
        found += [Detail("place", m.start(), m.end(), m.group()) for m in _words("|".join(map(re.escape, names_)), sentence)]
    found += [Detail("person", m.start(1), m.end(1), m.group(1)) for m in _PERSON.finditer(sentence)]
    found += [Detail("date", m.start(), m.end(), m.group()) for m in _YEAR.finditer(sentence)]
    found += [Detail("date", m.start(), m.end(), m.group()) for m in _words("|".join(MONTHS), sentence)]
    found += [Detail("number", m.start(), m.end(), m.group()) for m in _NUMBER.finditer(sentence)
              if not _YEAR.fullmatch(m.group())]
    found += [Detail("number", m.start(), m.end(), m.group()) for m in _words("|".join(NUMBER_WORDS), sentence)]
    kept, taken = [], set()
    for detail in sorted(found, key=lambda d: (d.start, -d.end)):
        span = set(range(detail.start, detail.end))
        if not span & taken:
            kept.append(detail)
            taken |= span
    return kept


def _other(pool: tuple[str, ...], value: str, rng: random.Random) -> str:
    return rng.choice([v for v in pool if v.lower() != value.lower()])


def alter(detail: Detail, rng: random.Random) -> str:
    """Another value of the same kind; raises CannotAlter for a value the verbalizer would misread."""
    value = detail.value
    if detail.kind == "place":
        pool = next(p for p in PLACES.values() if value in p)
        return _other(pool, value, rng)
    if detail.kind == "person":
        return _other(PEOPLE, value, rng)
    if detail.kind == "date":
        if value in MONTHS:
            return _other(MONTHS, value, rng)
        return str(int(value) + rng.choice([-5, -4, -3, -2, -1, 1, 2, 3, 4, 5]))
    if value.lower() in NUMBER_WORDS:
        altered = _other(NUMBER_WORDS, value.lower(), rng)
        return altered.capitalize() if value[0].isupper() else altered
    plain = value.replace(",", "")
    if "," in value or float(plain) > MAX_PLAIN_NUMBER:
        raise CannotAlter(f"number {value} is too large to alter and say cleanly")
    if float(plain) < 3:
        raise CannotAlter(f"number {value} is too small to alter meaningfully")
    decimals = len(plain.partition(".")[2])
    altered = round(float(plain) * (1 + rng.choice([-1, 1]) * rng.uniform(0.2, 0.5)), decimals)
    if altered == float(plain):
        altered += 1
    altered = min(altered, MAX_PLAIN_NUMBER)
    return f"{altered:.{decimals}f}"


def name_subject(sentence: str, title: str) -> str | None:
    """``sentence`` with a leading pronoun replaced by ``title``; None when it dangles with no title."""
    match = _PRONOUN.match(sentence)
    if not match:
        return sentence
    if not title:
        return None
    word = match.group(1)
    subject = f"{title}'s" if word in POSSESSIVE else title
    return f"{subject} {sentence[match.end():]}"


def _lower_start(text: str) -> str:
    """A claim inside a question: its first word lower-cased unless it is a name (a capital further in)."""
    first, _, rest = text.partition(" ")
    if first in ("The", "A", "An") or first.lower() in ("in", "on", "at", "during", "after", "before"):
        return f"{first.lower()} {rest}"
    return text


@dataclass
class Candidate:
    sentence: str  # the source sentence, subject named
    detail: Detail
    altered: str


def pick_fact(segment: Segment, title: str, rng: random.Random) -> Candidate:
    """A sentence of ``segment`` with one detail changed; raises CannotAlter with the last reason."""
    reason = "no sentence with a place, person, date or number"
    for sentence in split_sentences(segment.text):
        if not sentence.endswith(".") or len(sentence.split()) < MIN_CLAIM_WORDS:
            continue
        named = name_subject(sentence, title)
        if named is None:
            reason = f"sentence starts with a pronoun and the document has no title: {sentence[:80]}"
            continue
        order = rng.sample(DETAIL_KINDS, len(DETAIL_KINDS))  # vary which kind of detail is changed
        for detail in sorted(find_details(named), key=lambda d: order.index(d.kind)):
            try:
                candidate = Candidate(named, detail, alter(detail, rng))
            except CannotAlter as error:
                reason = str(error)
                continue
            try:
                values = spoken_values(candidate)
            except DropText as error:  # a sentence no voice can say ("Proudhon´s", an odd accent mark)
                reason = f"sentence cannot be said: {error}"
                break
            if not all(values):  # "Magnar Saetre (born 1943) was": asides are not said
                reason = f"{detail.kind} {detail.value} is not said aloud (an aside in brackets)"
                continue
            if _said_elsewhere(candidate):
                reason = f"altered value {candidate.altered} is already said in the sentence"
                continue
            return candidate
    raise CannotAlter(reason)


MARKER = "something"  # stands in for the value, so the words that differ are the value's own


def _spoken_span(sentence: str, marked: str, seed: int) -> str:
    """The words of spoken ``sentence`` from the first to the last that differ from spoken ``marked``."""
    said = to_spoken(sentence, seed=seed, filler_rate=0.0, role="assistant")[0].split()
    other = to_spoken(marked, seed=seed, filler_rate=0.0, role="assistant")[0].split()
    start = next((i for i, (a, b) in enumerate(zip(said, other)) if a != b), min(len(said), len(other)))
    end = next((i for i, (a, b) in enumerate(zip(reversed(said), reversed(other))) if a != b),
               min(len(said), len(other)) - start)
    return _bare(" ".join(said[start:len(said) - end]))


def spoken_values(candidate: Candidate, seed: int = 0) -> tuple[str, str]:
    """How the true and the altered value sound in the source sentence, as the verbalizer says them."""
    d = candidate.detail
    marked = candidate.sentence[:d.start] + MARKER + candidate.sentence[d.end:]
    return (_spoken_span(candidate.sentence, marked, seed),
            _spoken_span(_replace(candidate.sentence, candidate), marked, seed))


def contains_words(text: str, span: str) -> bool:
    """``span`` occurs in ``text`` as whole words, ignoring case and punctuation."""
    return bool(span) and f" {span} " in f" {_bare(text)} "


def _said_elsewhere(candidate: Candidate) -> bool:
    """The altered value already occurs in the true sentence ("from six until ten", six -> ten): an
    answer that repeats the sentence would then say it."""
    _, altered_spoken = spoken_values(candidate)
    said = to_spoken(candidate.sentence, seed=0, filler_rate=0.0, role="assistant")[0]
    return contains_words(candidate.sentence, candidate.altered) or contains_words(said, altered_spoken)


def _bare(text: str) -> str:
    return " ".join(re.sub(r"[^\w'-]+", " ", text).lower().split())


def _replace(sentence: str, candidate: Candidate) -> str:
    d = candidate.detail
    return sentence[:d.start] + candidate.altered + sentence[d.end:]


def false_premise_scripts(segments: list[Segment], *, max_count: int, titles: dict[str, str] | None = None,
                          skipped: list[tuple[Segment, str]] | None = None) -> list[DialogueScript]:
    """Up to ``max_count`` corrections from narration segments in order; ``titles``: document id ->
    title; a segment with a detail that cannot be altered goes to ``skipped`` with the reason."""
    scripts = []
    for segment in segments:
        if len(scripts) >= max_count:
            break
        if segment.role != "narration":
            continue
        rng = random.Random(seed_from_id(segment.id, "false_premise"))
        try:
            found = pick_fact(segment, (titles or {}).get(segment.parent_id, ""), rng)
        except CannotAlter as error:
            if skipped is not None and "no sentence with" not in str(error):
                skipped.append((segment, str(error)))
            continue
        claim = _lower_start(_replace(found.sentence, found).rstrip("."))
        answer = rng.choice(ANSWERS).format(corrected=found.sentence)
        detail = found.detail
        scripts.append(DialogueScript(
            id=stable_id("dialogue", "false_premise", segment.id, found.altered), parent_id=segment.id,
            stage=names.FALSE_PREMISE_DIALOGUES, kind="false_premise", source=segment.source,
            snapshot=segment.snapshot, license=segment.license,
            params=json.dumps({"sentence": found.sentence, "span": [detail.start, detail.end],
                               "detail": detail.kind, "original": detail.value, "altered": found.altered}),
            turns=[Turn("user", rng.choice(QUESTIONS).format(claim=claim)), Turn("assistant", answer)],
        ))
    return scripts
