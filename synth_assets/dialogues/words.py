"""Word times of synthesized speech: Whisper's word timestamps mapped onto the words the voice was
given, or, without a transcriber, an estimate from the audio's energy.

The TTS engines give no alignment. Whisper hears the clip and times its own words; those are
matched to the spoken text's words (difflib on normalized tokens), so every word the voice was
given gets a time, written as given. A text word Whisper missed, or heard with no length, shares
the span of its neighbours by letters. The clips of one conversation are transcribed together
(packed into shared windows), which costs about one Whisper window per conversation.

The estimate: the voiced span (by frame energy) shared among the words by length. It is off by a
few hundred milliseconds, and stays as the fallback for a clip Whisper hears nothing in.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

import numpy as np

from synth_assets.asr.transcriber import Transcriber

FRAME_S = 0.02
SILENCE_DB = -40.0  # below the turn's loudest frame
ESTIMATE = "estimate"  # the method name recorded when the times are estimated


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


def _weights(words: list[str]) -> np.ndarray:
    return np.array([len(w) + 1 for w in words], dtype=np.float64)  # letters plus the space after


def _share(words: list[str], start: float, end: float) -> list[tuple[float, float]]:
    """[start, end] cut among ``words`` in proportion to their length."""
    weights = _weights(words)
    edges = start + (end - start) * np.concatenate([[0.0], np.cumsum(weights) / weights.sum()])
    return [(float(edges[i]), float(edges[i + 1])) for i in range(len(words))]


def _timed(words: list[str], spans: list[tuple[float, float]], offset: float) -> list[dict]:
    return [{"word": w, "start": round(offset + s, 3), "end": round(offset + e, 3)} for w, (s, e) in zip(words, spans)]


def estimate_word_times(text: str, audio: np.ndarray, rate: int, offset: float = 0.0) -> list[dict]:
    """[{word, start, end}] in seconds from ``offset`` (the clip's start in the conversation)."""
    words = text.split()
    if not words:
        return []
    return _timed(words, _share(words, *voiced_span(audio, rate)), offset)


def normalize(word: str) -> str:
    """A word as compared with Whisper's: lower case, letters and digits only ("Mm-hm." -> "mmhm")."""
    return re.sub(r"[^0-9a-z]", "", word.lower())


def align_words(text: str, heard: list[dict], audio: np.ndarray, rate: int, offset: float = 0.0) -> list[dict]:
    """The words of ``text`` timed by ``heard`` (Whisper's words, seconds into ``audio``), from ``offset``.

    Matched words take Whisper's times; a run of text words Whisper heard differently shares the span
    of the words it heard there. A word left without a time of its own (missed, or heard with no
    length) shares, by letters, the span from its previous timed neighbour's start to its next one's
    end together with them; at either end of the clip the voiced span stands in for the missing
    neighbour. Empty when Whisper heard no word.
    """
    words = text.split()
    heard = [w for w in heard if normalize(w["word"])]
    if not words or not heard:
        return []
    spans: list[tuple[float, float] | None] = [None] * len(words)
    matcher = difflib.SequenceMatcher(None, [normalize(w) for w in words], [normalize(w["word"]) for w in heard],
                                      autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            spans[i1:i2] = [(float(w["start"]), float(w["end"])) for w in heard[j1:j2]]
        elif tag == "replace":
            spans[i1:i2] = _share(words[i1:i2], float(heard[j1]["start"]), float(heard[j2 - 1]["end"]))
    spans = _monotone(spans)
    return _timed(words, _fill(words, spans, voiced_span(audio, rate)), offset)


def _monotone(spans: list[tuple[float, float] | None]) -> list[tuple[float, float] | None]:
    """No word starts before the one before it ends; a word with no length counts as untimed."""
    cursor, out = 0.0, []
    for span in spans:
        if span is None:
            out.append(None)
            continue
        start = max(span[0], cursor)
        end = max(span[1], start)
        cursor = end
        out.append((start, end) if end > start else None)
    return out


def _fill(words: list[str], spans: list[tuple[float, float] | None],
          voiced: tuple[float, float]) -> list[tuple[float, float]]:
    """Times for each untimed run in ``spans``: the run and its timed neighbours share, by letters,
    the span from the previous neighbour's start to the next one's end (the voiced span's edge
    standing in for a neighbour the clip does not have)."""
    filled = list(spans)
    index = 0
    while index < len(words):
        if filled[index] is not None:
            index += 1
            continue
        end = index
        while end < len(words) and filled[end] is None:
            end += 1
        before = filled[index - 1] if index > 0 else None
        after = filled[end] if end < len(words) else None
        first = index - 1 if before else index
        last = end if after else end - 1
        start_s = before[0] if before else min(voiced[0], after[0]) if after else voiced[0]
        end_s = after[1] if after else max(voiced[1], before[1]) if before else voiced[1]
        filled[first:last + 1] = _share(words[first:last + 1], start_s, end_s)
        index = last + 1
    return filled


@dataclass(frozen=True)
class Clip:
    """One synthesized clip to time: the words the voice was given, and its audio."""

    text: str
    audio: np.ndarray
    rate: int


@dataclass(frozen=True)
class TimedWords:
    words: list[dict]  # {word, start, end}, seconds into the clip
    method: str  # the transcriber's name, or ESTIMATE


def word_times_method(transcriber: Transcriber | None) -> str:
    """The name recorded for the times a transcriber makes: "whisper:<backend>/<model>", or ESTIMATE."""
    return ESTIMATE if transcriber is None else f"whisper:{transcriber.model_id}"


def time_words(clips: list[Clip], transcriber: Transcriber | None) -> list[TimedWords]:
    """Word times of each clip: Whisper's, all clips transcribed together, or the estimate without a
    transcriber and for a clip Whisper heard nothing in (or failed on)."""
    aligned: dict[int, list[dict]] = {}
    if transcriber is not None and clips:
        for index, transcript in transcriber.transcribe_many((i, c.audio, c.rate) for i, c in enumerate(clips)):
            if not transcript.error:
                aligned[index] = align_words(clips[index].text, transcript.words, clips[index].audio, clips[index].rate)
    method = word_times_method(transcriber)
    return [TimedWords(aligned[i], method) if aligned.get(i) else
            TimedWords(estimate_word_times(clip.text, clip.audio, clip.rate), ESTIMATE) for i, clip in enumerate(clips)]


def shifted(words: list[dict], seconds: float) -> list[dict]:
    return [{**w, "start": round(w["start"] + seconds, 3), "end": round(w["end"] + seconds, 3)} for w in words]


def cut_words(words: list[dict], stop: float) -> list[dict]:
    """The words finished by ``stop`` (seconds): what a listener heard of an interrupted turn."""
    return [w for w in words if w["end"] <= stop]
