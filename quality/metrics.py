"""Round-trip metrics: WER and CER between the text we spoke and what Whisper heard.

``wer`` is the plain word error rate after Whisper's English normaliser (and a few of its slips
mended). ``round_trip`` is the one the speech stages judge clips by: the same, except that a proper
name heard as a sound-alike counts as heard. Whisper tiny.en has never seen "Telephus" or "Calchas"
and writes what it hears ("Telafus", "Calchus"); the voice said the name right, so the clip is not
wrong. A name is forgiven only when the words heard in its place sound like it (the same Metaphone
key, or one edit from it for a key of four or more) or are spelled nearly like it (three quarters
of its letters); every other word is judged exactly.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import jiwer

# Recorded with every round-trip WER, so a row says how it was judged.
ROUND_TRIP_METHOD = "whisper-normaliser+sound-alike-names-v1"
NAME_SPAN = 3  # a name may be heard as up to this many words ("Orestes" as "or Estes")
MIN_NAME_LETTERS = 4
MIN_SPELLING_SIMILARITY = 0.75


@functools.lru_cache(maxsize=1)
def _normalizer():
    from whisper_normalizer.english import EnglishTextNormalizer

    return EnglishTextNormalizer()


# Whisper's normaliser writes "one point five" as "one.5", leaves a spoken "ninth" while it turns every
# other ordinal into digits ("fifth" -> "5th"), and keeps tiny.en's "0 .9" apart: both sides are mended alike.
_NORMALISER_SLIPS = ((re.compile(r"\bone ?\.(?=\d)"), "1."), (re.compile(r"(?<=\d) \.(?=\d)"), "."),
                     (re.compile(r"\bninth\b"), "9th"))


def normalize(text: str) -> str:
    """Whisper's English normaliser: case, punctuation, spelling variants, numbers to digits."""
    text = _normalizer()(text)
    for pattern, replacement in _NORMALISER_SLIPS:
        text = pattern.sub(replacement, text)
    return " ".join(text.split())


def wer(reference: str, hypothesis: str) -> float:
    ref, hyp = normalize(reference), normalize(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    return float(jiwer.wer(ref, hyp or "<empty>"))


def cer(reference: str, hypothesis: str) -> float:
    ref, hyp = normalize(reference), normalize(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    return float(jiwer.cer(ref, hyp or "<empty>"))


@dataclass(frozen=True)
class RoundTrip:
    """How well the audio says its text: ``wer`` with sound-alike names forgiven (what clips are judged
    by), ``exact_wer`` without, and the names forgiven."""

    wer: float
    exact_wer: float
    names_forgiven: tuple[str, ...] = ()
    method: str = ROUND_TRIP_METHOD


_WORD = re.compile(r"[A-Za-z][\w'’-]*")


def proper_names(text: str) -> set[str]:
    """The normalised forms of the capitalised words of ``text`` (acronyms aside): the names Whisper may
    not know how to spell. A capitalised common word that opens a sentence comes along; forgiving it when
    it is heard as a sound-alike forgives nothing the voice got wrong."""
    names = set()
    for match in _WORD.finditer(text):
        word = match.group()
        if not word[0].isupper() or word.isupper():
            continue
        normalised = normalize(word).split()
        if normalised and sum(ch.isalpha() for ch in normalised[0]) >= MIN_NAME_LETTERS:
            names.add(normalised[0])
    return names


@functools.lru_cache(maxsize=65536)
def _key(word: str) -> str:
    import jellyfish

    return jellyfish.metaphone(word)


def _letters(text: str) -> str:
    return "".join(ch for ch in text if ch.isalpha())


def sounds_alike(name: str, heard: list[str]) -> bool:
    """Whether the words ``heard`` are what an ASR writes for ``name`` said right: run together, they
    sound like it; a single word may also be spelled nearly like it. Words heard beside a name it heard
    right ("his hector") are not part of it."""
    import jellyfish

    if len(heard) > 1 and name in heard:
        return False
    name, joined = _letters(name), _letters("".join(heard))
    if not name or not joined:
        return False
    if name == joined:
        return True
    name_key, heard_key = _key(name), _key(joined)
    if name_key == heard_key or (len(name_key) >= 4 and jellyfish.levenshtein_distance(name_key, heard_key) <= 1):
        return True
    return len(heard) == 1 and \
        1 - jellyfish.levenshtein_distance(name, joined) / max(len(name), len(joined)) >= MIN_SPELLING_SIMILARITY


def _edits(ref: list[str], hyp: list[str], names: set[str]) -> tuple[int, list[str]]:
    """Word edits from ``ref`` to ``hyp`` (Levenshtein), where a name of ``names`` may also be matched at
    no cost by up to NAME_SPAN heard words that sound like it; and the names so matched, as "name=heard"."""
    n, m = len(ref), len(hyp)
    infinity = n + m + 1
    cost = [[infinity] * (m + 1) for _ in range(n + 1)]
    back: dict[tuple[int, int], tuple[int, int, str]] = {}
    cost[0] = list(range(m + 1))
    for i in range(n + 1):
        for j in range(m + 1):
            here = cost[i][j]
            if i == 0 and j == 0:
                continue
            if i and cost[i - 1][j] + 1 < here:
                here, back[i, j] = cost[i - 1][j] + 1, (i - 1, j, "")
            if j and cost[i][j - 1] + 1 < here:
                here, back[i, j] = cost[i][j - 1] + 1, (i, j - 1, "")
            if i and j:
                step = cost[i - 1][j - 1] + (ref[i - 1] != hyp[j - 1])
                if step < here:
                    here, back[i, j] = step, (i - 1, j - 1, "")
            if i and ref[i - 1] in names:
                for span in range(1, min(NAME_SPAN, j) + 1):
                    start = j - span
                    if cost[i - 1][start] < here and ref[i - 1] != hyp[start] and \
                            sounds_alike(ref[i - 1], hyp[start:j]):
                        here, back[i, j] = cost[i - 1][start], (i - 1, start, f"{ref[i - 1]}={' '.join(hyp[start:j])}")
            cost[i][j] = here
    forgiven, cell = [], (n, m)
    while cell in back:
        i, j, name = back[cell]
        if name:
            forgiven.append(name)
        cell = (i, j)
    return cost[n][m], forgiven[::-1]


def round_trip(reference: str, hypothesis: str) -> RoundTrip:
    """The round-trip WER a clip is judged by (see the module doc), with the exact WER beside it."""
    ref, hyp = normalize(reference).split(), normalize(hypothesis).split()
    if not ref:
        score = 0.0 if not hyp else 1.0
        return RoundTrip(score, score)
    exact = float(jiwer.wer(" ".join(ref), " ".join(hyp) or "<empty>"))
    names = proper_names(reference)
    if not names or exact == 0.0:
        return RoundTrip(exact, exact)
    edits, forgiven = _edits(ref, hyp, names)
    return RoundTrip(min(exact, edits / len(ref)), exact, tuple(forgiven))
