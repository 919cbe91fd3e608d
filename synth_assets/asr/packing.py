"""Packing short clips into one Whisper window, and splitting the words back per clip.

Whisper always encodes 30 s of audio: a 5 s clip pays for six times the audio it has. So
consecutive clips are laid end to end with a short silence between them, up to ``max_seconds``,
transcribed once with word timestamps, and each word goes back to the clip its time falls in.

Plain Python and NumPy only: the ASR resource (resources/asr.py) calls it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Hashable, Iterable, Iterator

import numpy as np

# Whisper's window is 30 s; staying a little under it keeps the last word of the last clip
# from landing on the window edge, where Whisper tends to drop it.
MAX_WINDOW_SECONDS = 28.0
# Long enough that Whisper ends a segment between clips, short enough to cost little.
GAP_SECONDS = 1.0


@dataclass
class Placed:
    """One clip inside a packed window: where it starts and ends, in window seconds."""

    key: Hashable
    start: float
    end: float


@dataclass
class Window:
    audio: np.ndarray  # mono float32 at ``rate``
    rate: int
    clips: list[Placed] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return self.audio.size / self.rate


def pack(clips: Iterable[tuple[Hashable, np.ndarray]], rate: int, *, max_seconds: float = MAX_WINDOW_SECONDS,
         gap_seconds: float = GAP_SECONDS) -> Iterator[Window]:
    """Greedily group consecutive clips (key, mono audio at ``rate``) into windows of at most
    ``max_seconds``. Streams: only one window is held at a time. A clip longer than the window
    gets a window of its own (the ASR then seeks through it as usual)."""
    gap = np.zeros(int(round(gap_seconds * rate)), np.float32)
    pending: list[tuple[Hashable, np.ndarray]] = []
    length = 0

    def flush() -> Window:
        pieces, placed, cursor = [], [], 0
        for index, (key, audio) in enumerate(pending):
            if index:
                pieces.append(gap)
                cursor += gap.size
            placed.append(Placed(key, cursor / rate, (cursor + audio.size) / rate))
            pieces.append(audio)
            cursor += audio.size
        return Window(np.concatenate(pieces) if pieces else np.zeros(0, np.float32), rate, placed)

    limit = int(max_seconds * rate)
    for key, audio in clips:
        audio = np.asarray(audio, np.float32)
        extra = audio.size + (gap.size if pending else 0)
        if pending and length + extra > limit:
            yield flush()
            pending, length, extra = [], 0, audio.size
        pending.append((key, audio))
        length += extra
    if pending:
        yield flush()


def owner(start: float, end: float, clips: list[Placed]) -> int:
    """Index of the clip a word spanning [start, end] belongs to: the one it overlaps most, or
    (a word Whisper put in a gap) the nearest one."""
    best, best_overlap = 0, -1.0
    for index, clip in enumerate(clips):
        overlap = min(end, clip.end) - max(start, clip.start)
        if overlap > best_overlap:
            best, best_overlap = index, overlap
    if best_overlap > 0:
        return best
    middle = (start + end) / 2
    return min(range(len(clips)), key=lambda i: min(abs(middle - clips[i].start), abs(middle - clips[i].end)))


def split_words(words: list[dict], clips: list[Placed]) -> list[list[dict]]:
    """Words with window times -> one list per clip, times made relative to the clip's start
    and clamped inside it."""
    per_clip: list[list[dict]] = [[] for _ in clips]
    for word in words:
        index = owner(float(word["start"]), float(word["end"]), clips)
        clip = clips[index]
        length = clip.end - clip.start
        start = min(max(float(word["start"]) - clip.start, 0.0), length)
        end = min(max(float(word["end"]) - clip.start, start), length)
        per_clip[index].append({**word, "start": round(start, 3), "end": round(end, 3)})
    return per_clip


def join_words(words: list[dict]) -> str:
    """Whisper's words carry their own leading spaces; ours are stripped, so join with one."""
    return " ".join(w["word"] for w in words if w["word"]).strip()


# Whisper's own "this decode is poor" line (its log_prob_threshold). Inside a packed window a
# segment below it is usually text Whisper made up in a gap or at the window's end ("Thank you.").
LOW_LOGPROB = -1.0


def has_doubtful_segment(segments: list[dict], clips: list[Placed]) -> list[bool]:
    """Per clip: does any segment Whisper put in it decode below ``LOW_LOGPROB``? Such a clip is
    transcribed again on its own, so packing never makes a label worse than the single-clip path."""
    doubtful = [False] * len(clips)
    for s in segments:
        if s["words"] and s["avg_logprob"] < LOW_LOGPROB:
            doubtful[owner(s["start"], s["end"], clips)] = True
    return doubtful


# Faster-whisper's batched decode reads each window once, without seeking on: when it closes a segment
# early, the rest of the window is never decoded, and the clip it stopped in keeps only its first words.
# A clip's last word ends within 1 s of its end (fast pool on real Wikipedia: 99 % within 0.66 s, the
# longest 0.94 s); the cut ones stopped 2.4-8.9 s short.
MAX_UNHEARD_TAIL_SECONDS = 1.5


def stops_early(words: list[dict], length: float, max_tail: float = MAX_UNHEARD_TAIL_SECONDS) -> bool:
    """Whether a packed clip's words (times relative to the clip) end well before the clip does: its
    decode stopped inside it, so its tail was never transcribed."""
    return bool(words) and length - float(words[-1]["end"]) > max_tail


def looks_misaligned(words: list[dict], *, min_confidence: float = 0.5, max_collapsed_share: float = 0.25) -> bool:
    """A packed clip whose words are probably not what it says: Whisper decodes a window as one
    sequence, so a clip it cannot hear well may be "heard" as a copy of an earlier clip's text.
    Its words then collapse to zero length (the aligner finds no audio for them) or have a low
    probability. Such a clip is worth transcribing again on its own."""
    if not words:
        return True
    collapsed = sum(1 for w in words if float(w["end"]) - float(w["start"]) <= 0.0)
    confidence = sum(float(w.get("probability", 1.0)) for w in words) / len(words)
    return collapsed >= 2 and collapsed / len(words) >= max_collapsed_share or confidence < min_confidence
