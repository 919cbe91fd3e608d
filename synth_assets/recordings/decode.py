"""Reading one recording, checked, channel by channel, in bounded memory.

Two passes over the file, block by block:
1. ``scan`` decodes every block, refuses a file that cannot be used (``BadAudio`` with a reason a
   person reads), and feeds each channel, resampled to 16 kHz, to its own VAD. No row is made
   before the whole file has passed, so a file that turns out bad halfway leaves nothing behind
   but its quarantine record.
2. ``cut`` decodes it again, resamples each channel to 24 kHz with soxr's very-high-quality filter
   (8 kHz telephone audio goes up 3x; nothing above 4 kHz is invented), and hands out each
   utterance as soon as the stream has passed its end. Memory holds an utterance, never the file,
   so an hour-long call costs what a minute does.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import numpy as np
import soundfile as sf
import soxr

from synth_assets.core.audio import SAMPLE_RATE
from synth_assets.core.audio_input import BadAudio, check_rate
from synth_assets.recordings.utterances import Span
from synth_assets.recordings.vad import VAD_RATE, SpeechProbabilities

OUTPUT_RATE = SAMPLE_RATE  # 24 kHz, like every clip the product makes
OUTPUT_QUALITY = "VHQ"  # soxr's best filter, for the audio that is kept
VAD_QUALITY = "HQ"  # the VAD only needs to find speech: a cheaper filter is enough
BLOCK_SECONDS = 8
IDENTICAL = 1e-4  # two channels never further apart than this are one signal twice
TRUNCATION_TOLERANCE = 0.02  # MP3 frame counts are estimates: allow 2 %
CHANNEL_NAMES = {1: ("mono",), 2: ("left", "right")}


@dataclass
class Recording:
    """What ``scan`` learned about a file: its format and each used channel's speech probabilities."""

    rate: int
    channels: int  # in the file
    frames: int
    format: str  # "WAV PCM_16", "MP3 MPEG_LAYER_III", ...
    layout: tuple[str, ...]  # the channels used: ("mono",) or ("left", "right")
    probabilities: list[np.ndarray] = field(default_factory=list)
    note: str = ""

    @property
    def duration_s(self) -> float:
        return self.frames / self.rate


def _message(error: Exception) -> str:
    # libsndfile's messages name the temp path it opened; the reason names the landing-zone file instead.
    return getattr(error, "error_string", None) or str(error)


def _open(path: Path) -> sf.SoundFile:
    if path.stat().st_size == 0:
        raise BadAudio("empty file (zero bytes)")
    try:
        handle = sf.SoundFile(str(path))
    except Exception as error:  # LibsndfileError / RuntimeError: not a format libsndfile decodes
        message = _message(error)
        if "does not exist" in message:  # what libsndfile says of an MP3 whose frames it cannot find
            message = f"corrupt or unrecognised data ({message})"
        raise BadAudio(f"not audio that can be decoded ({path.suffix or 'no extension'}): {message}") from None
    try:
        check_rate(handle.samplerate)
    except BadAudio:
        handle.close()
        raise
    if handle.channels not in CHANNEL_NAMES:
        handle.close()
        # Policy: no guessing which of 3+ channels is which speaker (5.1, mic arrays): the user splits it.
        raise BadAudio(f"{handle.channels} channels: only mono and two-channel recordings are read "
                       "(split it into mono or stereo files first)")
    return handle


def _blocks(handle: sf.SoundFile) -> Iterator[tuple[int, np.ndarray]]:
    """(first frame, block of shape (frames, channels)), with decoder errors as BadAudio."""
    done = 0
    size = BLOCK_SECONDS * handle.samplerate
    while True:
        try:
            block = handle.read(size, dtype="float32", always_2d=True)
        except Exception as error:
            raise BadAudio(f"undecodable in the {BLOCK_SECONDS} s from {done / handle.samplerate:.2f} s: "
                           f"{_message(error)}") from None
        if not len(block):
            return
        yield done, block
        done += len(block)


def wav_shortfall(path: Path) -> tuple[int, int] | None:
    """(bytes of samples a WAV header declares, bytes the file holds) when it holds fewer: an upload
    cut short. libsndfile reads such a file without complaint, so the header is checked here."""
    with open(path, "rb") as handle:
        head = handle.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:] != b"WAVE":
            return None
        size = os.fstat(handle.fileno()).st_size
        position = 12
        while position + 8 <= size:
            handle.seek(position)
            chunk, length = handle.read(4), struct.unpack("<I", handle.read(4))[0]
            if chunk == b"data":
                present = size - position - 8
                if length in (0, 0xFFFFFFFF):  # streaming writers leave the length open
                    return None
                return (length, present) if present < length else None
            position += 8 + length + (length & 1)
    return None


def scan(path: Path) -> Recording:
    """Check a whole file and score its speech; ``BadAudio`` says why a file cannot be used."""
    path = Path(path)
    with _open(path) as handle:
        rate, channels, declared = handle.samplerate, handle.channels, handle.frames
        to_vad = soxr.ResampleStream(rate, VAD_RATE, channels, dtype="float32", quality=VAD_QUALITY)
        detectors = [SpeechProbabilities() for _ in range(channels)]
        frames, apart = 0, 0.0
        for first, block in _blocks(handle):
            finite = np.isfinite(block)
            if not finite.all():
                bad = first + int(np.argmin(finite.all(axis=1)))
                raise BadAudio(f"NaN or infinite samples (the first at {bad / rate:.2f} s)")
            if channels == 2:
                apart = max(apart, float(np.max(np.abs(block[:, 0] - block[:, 1]))))
            resampled = to_vad.resample_chunk(block)
            for channel, detector in enumerate(detectors):
                detector.feed(resampled[:, channel])
            frames += len(block)
        tail = to_vad.resample_chunk(np.zeros((0, channels), np.float32), last=True)
        for channel, detector in enumerate(detectors):
            detector.feed(tail[:, channel])
        kind = f"{handle.format} {handle.subtype}"
    if frames == 0:
        raise BadAudio("no samples (zero-length audio)")
    shortfall = wav_shortfall(path)
    if shortfall:
        raise BadAudio(f"truncated: the WAV header declares {shortfall[0]:,} bytes of samples but the file "
                       f"holds {shortfall[1]:,} ({frames / rate:.2f} s): an upload cut short?")
    if declared > frames * (1 + TRUNCATION_TOLERANCE) + rate // 10:
        raise BadAudio(f"truncated: the header promises {declared / rate:.2f} s but only {frames / rate:.2f} s decode")
    recording = Recording(rate, channels, frames, kind, CHANNEL_NAMES[channels])
    recording.probabilities = [d.finish() for d in detectors]
    if channels == 2 and apart <= IDENTICAL:
        # A "stereo" file carrying one signal twice: transcribing both would duplicate every utterance.
        recording.layout, recording.probabilities = ("mono",), recording.probabilities[:1]
        recording.note = "two identical channels, read as mono"
    return recording


class _Cutter:
    """Collects one channel's 24 kHz stream and hands out its spans as soon as they are complete."""

    def __init__(self, spans: list[Span]):
        self.spans = sorted(spans, key=lambda s: s.start)
        self.buffer = np.zeros(0, np.float32)
        self.start = 0  # stream position (samples) of buffer[0]

    def feed(self, samples: np.ndarray, last: bool = False) -> list[tuple[Span, np.ndarray]]:
        self.buffer = np.concatenate([self.buffer, samples])
        end = self.start + self.buffer.size
        ready = []
        while self.spans and (round(self.spans[0].end * OUTPUT_RATE) <= end or last):
            span = self.spans.pop(0)
            lo = max(round(span.start * OUTPUT_RATE) - self.start, 0)
            hi = min(round(span.end * OUTPUT_RATE) - self.start, self.buffer.size)
            ready.append((span, self.buffer[lo:hi].copy()))
        keep = min(max(round(self.spans[0].start * OUTPUT_RATE), self.start), end) if self.spans else end
        self.buffer = self.buffer[keep - self.start:]
        self.start = keep
        return ready

    @property
    def finished(self) -> bool:
        return not self.spans


def cut(path: Path, recording: Recording, spans: list[list[Span]]) -> Iterator[tuple[int, Span, np.ndarray]]:
    """(channel index, span, 24 kHz float32 samples) for each span of each used channel, in the
    order their ends pass in the stream (for a call: the order of the conversation)."""
    cutters = [_Cutter(s) for s in spans]
    with _open(Path(path)) as handle:
        stream = soxr.ResampleStream(handle.samplerate, OUTPUT_RATE, handle.channels, dtype="float32",
                                     quality=OUTPUT_QUALITY)

        def hand_out(resampled: np.ndarray, last: bool = False):
            ready = [(span.end, channel, span, audio) for channel, cutter in enumerate(cutters)
                     for span, audio in cutter.feed(resampled[:, channel], last)]
            for _, channel, span, audio in sorted(ready, key=lambda r: (r[0], r[1])):
                yield channel, span, audio

        for _, block in _blocks(handle):
            yield from hand_out(stream.resample_chunk(block))
            if all(c.finished for c in cutters):
                return
        yield from hand_out(stream.resample_chunk(np.zeros((0, handle.channels), np.float32), last=True), last=True)
