"""Rewrite written text into what a person would say, recording each operation applied.

Markup, list markers and parenthetical asides are removed, numbers and symbols verbalized, and
punctuation normalised so TTS phrases it well. Then fillers are added LLaMA-Omni style: each sentence
gets at most one, with probability ``filler_rate``, drawn from a seeded RNG so a rerun is identical.
"""

from __future__ import annotations

import json
import random
import re

from synth_assets.records import Segment, SpokenText, seed_from_id, stable_id
from synth_assets.text.verbalize import verbalize

REWRITER_VERSION = "1"


class EmptyAfterRewrite(ValueError):
    """Nothing speakable is left once markup and asides are removed."""


def _substitute(rules: list[tuple[str, str]], flags: int = 0):
    compiled = [(re.compile(pattern, flags), replacement) for pattern, replacement in rules]

    def apply(text: str) -> str:
        for pattern, replacement in compiled:
            text = pattern.sub(replacement, text)
        return text
    return apply


strip_markup = _substitute([
    (r"<(?:https?://|www\.|mailto:)[^>]*>", ""),  # URLs in angle brackets
    (r"\[([^\]]+)\]\([^)]*\)", r"\1"),  # markdown links keep their text
    (r"https?://\S+", ""),
    (r"`+([^`]*)`+", r"\1"),  # inline code keeps its content
    (r"(\*\*|__)(.+?)\1", r"\2"),
    (r"(?<!\w)([*_])(?!\s)(.+?)(?<!\s)\1(?!\w)", r"\2"),
    (r"\[\d+\]", ""),  # citation markers
])
drop_list_markers = _substitute([(r"^\s*(?:[-*•+]|\d{1,2}[.)]|[a-z]\))\s+", "")], re.M)


def drop_parentheses(text: str) -> str:
    while True:  # innermost first, so nested asides go too
        text, count = re.subn(r"\s*\([^()]*\)", "", text)
        if not count:
            return text


normalize_punctuation = _substitute([
    (r"…", "..."),
    (r"[\"“”«»]", ""),  # quotes are not spoken
    (r"\s*(?:[—–]|\s-\s)\s*", ", "),  # dashes become pauses
    (r"\s*[;:]\s+", ", "),
    (r"\s+(?=[,.!?])", ""),
    (r"([,.!?])[,;:]+", r"\1"),  # ", ," or ".," left by removals
    (r",(?=[.!?])", ""),
    (r"\s+", " "),
    (r"^[\s,.;:!?]+", ""),
    (r"(?<=[\w'’)])\s*$", "."),  # TTS ends a statement better on a full stop
])

STEPS = [("strip_markup", strip_markup), ("drop_list_markers", drop_list_markers),
         ("drop_parentheses", drop_parentheses), ("verbalize", verbalize),
         ("normalize_punctuation", normalize_punctuation)]

FILLERS = {  # (filler, weight): "like" and "you know" are rare on purpose
    "narration": [("so", 3), ("well", 2), ("um", 3), ("uh", 3), ("I mean", 1), ("okay", 1),
                  ("you know", 0.5), ("like", 0.5)],
    "user": [("so", 2), ("um", 3), ("uh", 3), ("well", 1), ("okay", 1), ("hey", 1.5), ("I mean", 1),
             ("you know", 0.5), ("like", 0.5)],
    "assistant": [("so", 3), ("well", 3), ("okay", 2), ("um", 1), ("uh", 1), ("I mean", 0.5),
                  ("you know", 0.3)],
}
HESITATIONS = {"um", "uh", "you know", "like"}  # may also fall between two words
OPENERS_ONLY = {"hey"}  # only opens a turn
# Sentence-initial words that are safe to lower-case after a filler; names keep their capital.
COMMON_STARTS = frozenset(
    "a an the this that these those it its there here we you they he she our your their his her my "
    "in on at for from to of by with as and but or if when while after before because although what "
    "which who how why where yes no not all some many most more one each every then now also however "
    "today first next finally since during is are was were do does did can could would should will "
    "please let use try make take go see note check add open run keep remember".split()
)


def lower_first_word(text: str) -> str:
    word, _, rest = text.partition(" ")
    if word.lower().rstrip(",.!?") in COMMON_STARTS:
        word = word.lower()
    return f"{word} {rest}" if rest else word


def _with_filler(sentence: str, filler: str, at: int) -> str:
    words = sentence.split()
    if at == 0:
        return f"{filler[0].upper()}{filler[1:]}, {lower_first_word(sentence)}"
    before = " ".join(words[:at]).rstrip(",")
    return f"{before}, {filler}, {' '.join(words[at:])}"


def add_fillers(text: str, rng: random.Random, rate: float, role: str) -> tuple[str, list[str]]:
    sentences = re.split(r"(?<=[.!?])\s+", text)
    operations = []
    for index, sentence in enumerate(sentences):
        if rng.random() >= rate:
            continue
        choices = [(f, w) for f, w in FILLERS.get(role, FILLERS["narration"])
                   if index == 0 or f not in OPENERS_ONLY]
        filler = rng.choices([f for f, _ in choices], weights=[w for _, w in choices])[0]
        words = len(sentence.split())
        mid = filler in HESITATIONS and words > 2 and rng.random() < 0.5
        at = rng.randrange(1, words) if mid else 0
        sentences[index] = _with_filler(sentence, filler, at)
        operations.append(f"add_filler:{filler}@{index}")
    return " ".join(sentences), operations


def to_spoken(text: str, *, seed: int, filler_rate: float = 0.15,
              role: str = "narration") -> tuple[str, list[str]]:
    """The spoken form of ``text`` and the operations applied, in order."""
    spoken, operations = text, []
    for name, step in STEPS:
        rewritten = step(spoken)
        if rewritten != spoken:
            operations.append(name)
        spoken = rewritten
    if not re.search(r"\w", spoken):
        raise EmptyAfterRewrite(f"nothing left to say after rewriting {text[:80]!r}")
    spoken, fillers = add_fillers(spoken, random.Random(seed), filler_rate, role)
    return spoken, operations + fillers


def spoken_text_record(segment: Segment, *, filler_rate: float) -> SpokenText:
    seed = seed_from_id(segment.id, "fillers")
    text, operations = to_spoken(segment.text, seed=seed, filler_rate=filler_rate, role=segment.role)
    params = {"rewriter": "rules", "version": REWRITER_VERSION, "filler_rate": filler_rate, "seed": seed}
    return SpokenText(
        id=stable_id("spoken_text", segment.id, filler_rate, REWRITER_VERSION), parent_id=segment.id,
        stage="spoken_text", params=json.dumps(params, sort_keys=True), source=segment.source,
        snapshot=segment.snapshot, role=segment.role, text=text, written=segment.text,
        operations=operations, license=segment.license,
    )
