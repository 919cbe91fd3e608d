"""From VAD frame probabilities to utterances: where one channel of a recording has speech.

1. Speech regions, by Silero's own hysteresis: speech starts at a frame scoring ``threshold`` or
   more and ends after ``min_silence_s`` below ``threshold - 0.15``; regions shorter than
   ``min_speech_s`` (clicks, breaths) are dropped.
2. Each region is padded by ``pad_s`` on both sides, so a word's soft onset and its tail are kept.
3. Regions closer than ``merge_gap_s`` join into one utterance while it stays within
   ``max_utterance_s``: a turn with short pauses stays one utterance.
4. An utterance still longer than ``max_utterance_s`` is cut at its quietest frame (the lowest
   speech probability) in its second half, again and again, so every piece fits one Whisper window.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from synth_assets.core.fields import setting
from synth_assets.core.limits import MAX_UTTERANCE_SECONDS
from synth_assets.recordings.vad import FRAME_SECONDS


@dataclass(frozen=True)
class Segmentation:
    threshold: float = setting(0.5, "Silero speech probability that starts speech.")
    min_speech_s: float = setting(0.25, "Shorter speech (clicks, breaths) is dropped.")
    min_silence_s: float = setting(0.3, "Silence that ends a speech region.")
    pad_s: float = setting(0.2, "Kept on both sides of each speech region.")
    merge_gap_s: float = setting(0.8, "Regions closer than this are one utterance.")
    max_utterance_s: float = setting(MAX_UTTERANCE_SECONDS, "Longer utterances are cut at their quietest point "
                                     "(Whisper hears 30 s).")
    min_utterance_s: float = setting(0.5, "Shorter utterances are dropped.")


@dataclass(frozen=True)
class Span:
    """A stretch of one channel, in seconds from the start of the file."""

    start: float
    end: float

    @property
    def seconds(self) -> float:
        return self.end - self.start


def speech_regions(probabilities: np.ndarray, settings: Segmentation) -> list[tuple[int, int]]:
    """[start, end) frame ranges of speech."""
    off = settings.threshold - 0.15
    min_silence = max(1, round(settings.min_silence_s / FRAME_SECONDS))
    min_speech = max(1, round(settings.min_speech_s / FRAME_SECONDS))
    regions, start, quiet_since = [], None, None
    for index, p in enumerate(probabilities):
        if start is None:
            if p >= settings.threshold:
                start, quiet_since = index, None
            continue
        if p >= off:
            quiet_since = None
            continue
        quiet_since = index if quiet_since is None else quiet_since
        if index + 1 - quiet_since >= min_silence:
            regions.append((start, quiet_since))
            start, quiet_since = None, None
    if start is not None:
        regions.append((start, quiet_since if quiet_since is not None else len(probabilities)))
    return [(a, b) for a, b in regions if b - a >= min_speech]


def _cut_long(span: Span, probabilities: np.ndarray, longest: float) -> list[Span]:
    pieces = []
    while span.seconds > longest:
        # The quietest frame between the middle and the limit: pieces stay long, and the cut falls
        # in a pause (or the softest sound) rather than inside a word.
        low = int((span.start + longest / 2) / FRAME_SECONDS)
        high = max(low + 1, int((span.start + longest) / FRAME_SECONDS))
        window = probabilities[low:high]
        cut = (low + int(np.argmin(window)) + 0.5) * FRAME_SECONDS if window.size else span.start + longest
        cut = min(max(cut, span.start + FRAME_SECONDS), span.start + longest)
        pieces.append(Span(span.start, round(cut, 3)))
        span = Span(round(cut, 3), span.end)
    return pieces + [span]


def utterances(probabilities: np.ndarray, duration_s: float, settings: Segmentation = Segmentation()) -> list[Span]:
    """The utterances of one channel, in time order; nothing when it holds no speech."""
    padded = [Span(max(0.0, a * FRAME_SECONDS - settings.pad_s), min(duration_s, b * FRAME_SECONDS + settings.pad_s))
              for a, b in speech_regions(probabilities, settings)]
    merged: list[Span] = []
    for span in padded:
        if merged and (span.start - merged[-1].end <= settings.merge_gap_s
                       and span.end - merged[-1].start <= settings.max_utterance_s):
            merged[-1] = Span(merged[-1].start, span.end)
        elif merged and span.start < merged[-1].end:  # padding overlaps, but the union is too long
            middle = (span.start + merged[-1].end) / 2
            merged[-1] = Span(merged[-1].start, middle)
            merged.append(Span(middle, span.end))
        else:
            merged.append(span)
    pieces = [piece for span in merged for piece in _cut_long(span, probabilities, settings.max_utterance_s)]
    return [Span(round(p.start, 3), round(p.end, 3)) for p in pieces if p.seconds >= settings.min_utterance_s]
