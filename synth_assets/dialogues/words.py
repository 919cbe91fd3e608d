"""Word times of a synthesized turn, from its audio: the voiced span is found by frame energy, and the
words share it in proportion to their length (a word's letters plus one for the space after it).

The TTS engines give no alignment, and Whisper per turn would cost a 30 s window each; this estimate
is within a few hundred milliseconds on these voices, which is what a barge-in cut needs.
"""

from __future__ import annotations

import numpy as np

FRAME_S = 0.02
SILENCE_DB = -40.0  # below the turn's loudest frame


def voiced_span(audio: np.ndarray, rate: int) -> tuple[float, float]:
    """Start and end (seconds) of the part of ``audio`` louder than SILENCE_DB under its peak frame."""
    frame = max(1, int(FRAME_S * rate))
    count = audio.size // frame
    if count == 0:
        return 0.0, audio.size / rate
    energy = (audio[:count * frame].reshape(count, frame).astype(np.float64) ** 2).mean(axis=1)
    level = 10 * np.log10(energy + 1e-12)
    loud = np.flatnonzero(level > level.max() + SILENCE_DB)
    if loud.size == 0:
        return 0.0, audio.size / rate
    return loud[0] * frame / rate, min(audio.size, (loud[-1] + 1) * frame) / rate


def estimate_word_times(text: str, audio: np.ndarray, rate: int, offset: float = 0.0) -> list[dict]:
    """[{word, start, end}] in seconds from ``offset`` (the turn's start in the conversation)."""
    words = text.split()
    if not words:
        return []
    start, end = voiced_span(audio, rate)
    weights = np.array([len(w) + 1 for w in words], dtype=np.float64)
    edges = start + (end - start) * np.concatenate([[0.0], np.cumsum(weights) / weights.sum()])
    return [{"word": w, "start": round(offset + float(edges[i]), 3), "end": round(offset + float(edges[i + 1]), 3)}
            for i, w in enumerate(words)]


def cut_words(words: list[dict], stop: float) -> list[dict]:
    """The words finished by ``stop`` (seconds): what a listener heard of an interrupted turn."""
    return [w for w in words if w["end"] <= stop]
