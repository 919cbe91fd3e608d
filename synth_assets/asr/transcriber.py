"""Whisper pseudo-labelling: the ``Transcriber``, whichever engine runs underneath (the WhisperASR
resource in resources/asr.py reads its settings from configuration).

The engines (faster-whisper/CTranslate2, transformers) sit behind one interface in
synth_assets/asr/backends.py and return the same segments; this module builds transcripts and the
packing on top. Short clips are packed into shared ~30 s windows (synth_assets/asr/packing.py) by
``transcribe_many``: Whisper's encoder always runs on 30 s, so transcribing 5 s clips one at a time
pays for six times the audio. ``transcribe`` is the one-clip path, kept for single files and as the
fallback when a packed clip comes back without words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Hashable, Iterable, Iterator

import numpy as np

from synth_assets.asr import backends as whisper_backends
from synth_assets.asr import models as whisper_models
from synth_assets.asr.packing import (
    GAP_SECONDS,
    MAX_WINDOW_SECONDS,
    Placed,
    Window,
    has_doubtful_segment,
    join_words,
    looks_misaligned,
    owner,
    pack,
    split_words,
    stops_early,
)
from synth_assets.core.audio import WHISPER_RATE, resample
from synth_assets.core.fields import setting

# Bump when decoding changes what a transcript says (v2: temperature 0 only, batched windows; v3: a packed
# clip whose words stop early is transcribed on its own).
DECODING_VERSION = 3


@dataclass
class Transcript:
    text: str
    words: list[dict] = field(default_factory=list)  # {"word", "start", "end", "probability"}
    language: str = "en"
    avg_logprob: float = 0.0
    model_id: str = ""
    confidence: float = 0.0  # mean word probability
    packed: bool = False  # transcribed inside a shared window with other clips
    error: str = ""  # set when the engine failed on this clip: the caller records it, the rest goes on


def _confidence(words: list[dict]) -> float:
    return round(float(np.mean([w["probability"] for w in words])), 4) if words else 0.0


@dataclass(frozen=True)
class Transcriber:
    """Transcribes clips with word timestamps.

    ``model``: "tiny.en" (bundled), "base" (the whisper-base extra), or a local folder: a
    CTranslate2 model for backend "faster-whisper", a Hugging Face checkpoint for "transformers"
    (which converts "tiny.en" / "base" to that format itself, once).
    """

    model: str = setting(whisper_models.BUNDLED, "'tiny.en', 'base', or a local Whisper folder (CT2 or Hugging "
                         "Face, per backend).")
    backend: str = setting("faster-whisper", "'faster-whisper' (CTranslate2 int8 on CPU) or 'transformers' (GPU "
                           "when present).")
    cpu_threads: int = setting(2, "Engine threads for this worker.")
    beam_size: int = setting(1, "1 is greedy decoding: fastest, and WER stays low on TTS.")
    pack_seconds: float = setting(MAX_WINDOW_SECONDS, "Pack consecutive clips into windows up to this long; 0 "
                                  "turns packing off.")
    gap_seconds: float = setting(GAP_SECONDS, "Silence between packed clips.")
    batch_windows: int = setting(8, "Packed windows decoded together in one batch (faster-whisper, English-only "
                                 "models); 1 decodes them one by one.")

    @property
    def model_id(self) -> str:
        return whisper_models.model_id(self.backend, self.model)

    @property
    def output_settings(self) -> list:
        """Everything here that changes a transcript: what a stage's fingerprint must include."""
        return [self.model_id, self.beam_size, self.pack_seconds, self.gap_seconds, self._batch_size(),
                DECODING_VERSION]

    def ensure_loaded(self) -> None:
        """Load the engine now, so a bad model or folder fails here with its own message."""
        self._engine()

    def _engine(self) -> whisper_backends.WhisperBackend:
        whisper_backends.check_beam_size(self.backend, self.beam_size)
        return whisper_backends.load(self.backend, self.model, self.cpu_threads)

    def _segments(self, audio16: np.ndarray) -> tuple[list[dict], str]:
        """Raw Whisper output on 16 kHz audio: segments with words, and the language."""
        language = "en" if self.model.endswith(".en") else None
        return self._engine().segments(audio16, language=language, beam_size=self.beam_size)

    def transcribe(self, audio: np.ndarray, rate: int) -> Transcript:
        audio16 = resample(np.asarray(audio, np.float32), rate, WHISPER_RATE)
        segments, language = self._segments(audio16)
        words = [w for s in segments for w in s["words"]]
        logprob = float(np.mean([s["avg_logprob"] for s in segments])) if segments else float("-inf")
        return Transcript(text=join_words(words), words=words, language=language, avg_logprob=logprob,
                          model_id=self.model_id, confidence=_confidence(words))

    def _transcribe_safely(self, audio16: np.ndarray) -> Transcript:
        try:
            return self.transcribe(audio16, WHISPER_RATE)
        except Exception as error:  # noqa: BLE001 - recorded per clip by the caller
            return Transcript(text="", model_id=self.model_id, error=f"{type(error).__name__}: {error}")

    def transcribe_many(self, clips: Iterable[tuple[Hashable, np.ndarray, int]]) -> Iterator[tuple[Hashable, Transcript]]:
        """Transcripts for (key, audio, rate) clips in order, packed ``pack_seconds`` at a time.

        Streams: one window of audio is held at a time. A clip that comes back from its window
        with no words, with words that look misaligned (``looks_misaligned``), or with a segment Whisper
        decoded poorly (``has_doubtful_segment``: often a made-up "Thank you." at a window end), or with words
        that stop well before it does (``stops_early``: the batched decode gave up inside it) is transcribed
        again on its own, so packing never loses a clip to its neighbours. A model that cannot load
        raises here, before any clip, rather than failing every clip one by one.
        """
        self.ensure_loaded()
        if self.pack_seconds <= 0:
            for key, audio, rate in clips:
                yield key, self._transcribe_safely(resample(np.asarray(audio, np.float32), rate, WHISPER_RATE))
            return
        resampled = ((key, resample(np.asarray(audio, np.float32), rate, WHISPER_RATE)) for key, audio, rate in clips)
        windows = pack(resampled, WHISPER_RATE, max_seconds=self.pack_seconds, gap_seconds=self.gap_seconds)
        for group in _batches(windows, self._batch_size()):
            decoded = self._decode_windows([w for w in group if len(w.clips) > 1])
            for window in group:
                yield from self._split_window(window, decoded.get(id(window)))

    def transcribe_rows(self, rows: Iterable[tuple[dict, np.ndarray, int]]) -> Iterator[tuple[dict, Transcript]]:
        """``transcribe_many`` for stage rows: (row, audio, rate) in, (row, transcript) out, in order.
        Only the rows whose clips sit in the windows being transcribed are held."""
        pending: dict[Hashable, dict] = {}

        def clips():
            for row, audio, rate in rows:
                pending[row["id"]] = row
                yield row["id"], audio, rate

        for key, transcript in self.transcribe_many(clips()):
            yield pending.pop(key), transcript

    def _batch_size(self) -> int:
        # Batched decoding fixes the language up front, so only English-only models batch.
        return max(1, self.batch_windows) if self.backend == "faster-whisper" and self.model.endswith(".en") else 1

    def _decode_windows(self, windows: list[Window]) -> dict[int, tuple[list[dict], str] | None]:
        """(segments, language) per window (by ``id``), or None for a window the engine failed on."""
        if len(windows) > 1:
            try:
                batch = self._engine().segments_batch([w.audio for w in windows], "en", self.beam_size)
                return {id(w): (segments, "en") for w, segments in zip(windows, batch)}
            except Exception:  # noqa: BLE001 - one bad window must not sink its batch: try them one by one
                pass
        decoded: dict[int, tuple[list[dict], str] | None] = {}
        for window in windows:
            try:
                decoded[id(window)] = self._segments(window.audio)
            except Exception:  # noqa: BLE001 - its clips get their own try
                decoded[id(window)] = None
        return decoded

    def _split_window(self, window: Window, decoded: tuple[list[dict], str] | None
                      ) -> Iterator[tuple[Hashable, Transcript]]:
        """Each clip's transcript from its window's words, or from its own decode when the window's
        words for it cannot be trusted (missing, misaligned, doubtful, or stopping before the clip does)."""
        if len(window.clips) == 1:
            yield window.clips[0].key, self._transcribe_safely(window.audio)
            return
        if decoded is None:  # one bad window: each of its clips gets its own try
            for placed in window.clips:
                lo, hi = int(placed.start * WHISPER_RATE), int(placed.end * WHISPER_RATE)
                yield placed.key, self._transcribe_safely(window.audio[lo:hi])
            return
        segments, language = decoded
        per_clip = split_words([w for s in segments for w in s["words"]], window.clips)
        logprobs = _segment_logprobs(segments, window.clips)
        doubtful = has_doubtful_segment(segments, window.clips)
        for index, placed in enumerate(window.clips):
            words = per_clip[index]
            if doubtful[index] or looks_misaligned(words) or stops_early(words, placed.end - placed.start):
                lo, hi = int(placed.start * WHISPER_RATE), int(placed.end * WHISPER_RATE)
                yield placed.key, self._transcribe_safely(window.audio[lo:hi])
                continue
            yield placed.key, Transcript(
                text=join_words(words), words=words, language=language, model_id=self.model_id,
                avg_logprob=logprobs[index], confidence=_confidence(words), packed=True)


def _batches(windows: Iterable[Window], size: int) -> Iterator[list[Window]]:
    """Consecutive windows, ``size`` at a time: only one batch of audio is held at once."""
    group: list[Window] = []
    for window in windows:
        group.append(window)
        if len(group) == size:
            yield group
            group = []
    if group:
        yield group


def _segment_logprobs(segments: list[dict], clips: list[Placed]) -> list[float]:
    """Average log-prob per clip: the mean over the segments that fall in it, weighted by words."""
    sums, counts = [0.0] * len(clips), [0] * len(clips)
    for s in segments:
        if not s["words"]:
            continue
        index = owner(s["start"], s["end"], clips)
        sums[index] += s["avg_logprob"] * len(s["words"])
        counts[index] += len(s["words"])
    return [round(total / count, 4) if count else float("-inf") for total, count in zip(sums, counts)]
