"""Misspelling augmentation for user-side text, as Moshi did so the model copes with misspelled
questions: keyboard typos, dropped, doubled and swapped letters, and homophones.

Each eligible word is changed with probability ``rate`` by one edit drawn from a seeded RNG; every
change is returned as an operation string ``misspell:<kind>:<before>><after>@<word index>`` so a
sample's lineage says exactly what was done to it.
"""

from __future__ import annotations

import random
import re

HOMOPHONES = {}
for _group in ("their there they're", "your you're", "its it's", "to too two", "then than",
               "affect effect", "accept except", "weather whether", "whose who's", "lose loose",
               "hear here", "know no", "new knew", "right write", "peace piece", "break brake",
               "buy by bye", "week weak", "wear where", "which witch", "whole hole", "one won",
               "sea see", "would wood", "allowed aloud", "principal principle", "stationary stationery",
               "complement compliment", "passed past", "quiet quite", "plain plane", "made maid"):
    _words = _group.split()
    for _word in _words:
        HOMOPHONES[_word] = [w for w in _words if w != _word]

_ROWS = ["qwertyuiop", "asdfghjkl", "zxcvbnm"]
NEIGHBOURS = {}
for _r, _row in enumerate(_ROWS):
    for _c, _ch in enumerate(_row):
        near = {_row[i] for i in (_c - 1, _c + 1) if 0 <= i < len(_row)}
        for _other in (_r - 1, _r + 1):
            if 0 <= _other < len(_ROWS):
                near |= {_ROWS[_other][i] for i in (_c - 1, _c, _c + 1) if 0 <= i < len(_ROWS[_other])}
        NEIGHBOURS[_ch] = sorted(near)

KINDS = ("typo", "drop", "double", "swap")
_WORD = re.compile(r"[A-Za-z][A-Za-z']*")


def _keep_case(original: str, changed: str) -> str:
    return changed[0].upper() + changed[1:] if original[:1].isupper() else changed


def misspell_word(word: str, rng: random.Random) -> tuple[str, str] | None:
    """(kind, misspelled word), or None when the word is too short to change."""
    lower = word.lower()
    if lower in HOMOPHONES and rng.random() < 0.6:
        return "homophone", _keep_case(word, rng.choice(HOMOPHONES[lower]))
    if len(word) < 4 or "'" in word:
        return None
    kind = rng.choice(KINDS)
    i = rng.randrange(1, len(word) - 1)  # first and last letters stay: the word stays readable
    if kind == "typo" and word[i].lower() in NEIGHBOURS:
        key = rng.choice(NEIGHBOURS[word[i].lower()])
        return kind, word[:i] + (key.upper() if word[i].isupper() else key) + word[i + 1:]
    if kind == "drop":
        return kind, word[:i] + word[i + 1:]
    if kind == "double":
        return kind, word[:i] + word[i] + word[i:]
    if word[i] != word[i + 1]:  # swap
        return "swap", word[:i] + word[i + 1] + word[i] + word[i + 2:]
    return "drop", word[:i] + word[i + 1:]


def misspell(text: str, rng: random.Random, rate: float) -> tuple[str, list[str]]:
    """The text with about ``rate`` of its words misspelled, and the operations applied."""
    if rate <= 0:
        return text, []
    operations: list[str] = []
    index = -1

    def replace(m: re.Match) -> str:
        nonlocal index
        index += 1
        if rng.random() >= rate:
            return m.group()
        changed = misspell_word(m.group(), rng)
        if changed is None or changed[1] == m.group():
            return m.group()
        kind, word = changed
        operations.append(f"misspell:{kind}:{m.group()}>{word}@{index}")
        return word

    return _WORD.sub(replace, text), operations
