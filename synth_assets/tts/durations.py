"""Word times from the voices themselves: each neural engine decides how many samples every phoneme
takes (hibari and Kokoro: the frame count of each phoneme token, a tensor of their graphs exposed as
an extra output; Piper: its phoneme alignment), so the words of a clip are timed exactly, with no
recognizer.

An engine that can reports its clip as ``Timed``: per sentence it synthesized (in order, pauses
between them included), the (start, end) seconds of each phoneme word, from the clip's first
sample. A phoneme word runs from its first phoneme to its last sounding one (punctuation and pads
are pauses, so the edges are the speech's edges). ``text_word_times`` maps those onto the words
of the text the voice was given: one to one when the counts agree (per clip, else per sentence);
a sentence whose phoneme words do not line up with its text words (the G2P joined "Mm-hm" into one
word, or split one) shares that sentence's sounding span among its words by letters, its edges
still exact. Times are in seconds, so resampling to 24 kHz and loudness normalisation keep them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

PUNCTUATION = set(",.;:!?¡¿—…\"'()“”‘’-")
PADS = {"^", "$", "_"}  # sentence start and end, padding
ENGINE_TIMES = "engine"  # the word-times method prefix of a clip timed by its voice: "engine:<engine>"


@dataclass
class Timed:
    """A clip's phoneme words, per synthesized sentence: (sentence text or None, [(start, end) s])."""

    sentences: list[tuple[str | None, list[tuple[float, float]]]] = field(default_factory=list)

    def words(self) -> list[tuple[float, float]]:
        return [span for _, spans in self.sentences for span in spans]


def words_of_symbols(symbols: list[tuple[str, int]], rate: float, offset: int = 0) -> list[tuple[float, float]]:
    """(start, end) seconds of each word, from (symbol, samples) in order starting ``offset`` samples
    into the clip: words are split at the space symbol and run from their first symbol to their last
    sounding one (punctuation and pads are pauses)."""
    words, current, cursor = [], [], offset
    for symbol, samples in list(symbols) + [(" ", 0)]:
        start, cursor = cursor, cursor + int(samples)
        if symbol == " ":
            if current:
                words.append((current[0][0] / rate, current[-1][1] / rate))
            current = []
        elif symbol not in PUNCTUATION and symbol not in PADS:
            current.append((start, cursor))
    return words


def _share(words: list[str], start: float, end: float) -> list[tuple[float, float]]:
    weights = np.array([len(w) + 1 for w in words], dtype=np.float64)
    edges = start + (end - start) * np.concatenate([[0.0], np.cumsum(weights) / weights.sum()])
    return [(float(edges[i]), float(edges[i + 1])) for i in range(len(words))]


def text_word_times(text: str, timed: Timed, sentences: list[str] | None = None) -> tuple[list[dict], int]:
    """[{word, start, end}] for each word of ``text`` from the engine's phoneme words, and how many
    words had their times shared by letters (0 when every word lines up with its phoneme word).
    ``sentences``: the text cut as the engine cut it, when its sentences carry no text."""
    words = text.split()
    spans = timed.words()
    if not words or not spans:
        return [], len(words)
    if len(spans) == len(words):
        return _dicts(words, spans), 0
    texts = [s for s, _ in timed.sentences]
    if all(t is not None for t in texts) and sum(len(t.split()) for t in texts) == len(words):
        out, shared = [], 0
        for sentence, own in timed.sentences:
            mine = sentence.split()
            if not mine:
                continue
            if len(own) == len(mine):
                out += list(own)
            elif own:
                out += _share(mine, own[0][0], own[-1][1])
                shared += len(mine)
            else:  # a sentence that made no sound: its words sit at the previous word's end
                at = out[-1][1] if out else spans[0][0]
                out += [(at, at)] * len(mine)
                shared += len(mine)
        return _dicts(words, out), shared
    return _dicts(words, _share(words, spans[0][0], spans[-1][1])), len(words)


def _dicts(words: list[str], spans: list[tuple[float, float]]) -> list[dict]:
    return [{"word": w, "start": round(s, 3), "end": round(e, 3)} for w, (s, e) in zip(words, spans)]
