"""Whisper engines behind one interface, loaded once per process.

A backend turns 16 kHz mono audio into ``(segments, language)``, each segment
``{"start", "end", "avg_logprob", "words": [{"word", "start", "end", "probability"}]}`` with times
in seconds from the start of the audio. resources/asr.py builds transcripts and packing on top of
that, so it does not care which engine ran.

- "faster-whisper": CTranslate2, int8 on CPU. Fastest here; any CT2 Whisper folder.
- "transformers": ``WhisperForConditionalGeneration`` from a Hugging Face folder, on the GPU when
  torch sees one (synth_assets/asr/transformers_whisper.py). Named models are converted from CT2 once.
"""

from __future__ import annotations

import atexit
import functools
import gc
from typing import Protocol

import numpy as np

from synth_assets.asr import models as whisper_models
from synth_assets.core.audio import WHISPER_RATE  # noqa: F401 - re-exported

BACKENDS = ("faster-whisper", "transformers")


class WhisperBackend(Protocol):
    name: str

    def segments(self, audio16: np.ndarray, language: str | None = None, beam_size: int = 1
                 ) -> tuple[list[dict], str]:
        ...

    def segments_batch(self, windows: list[np.ndarray], language: str, beam_size: int = 1) -> list[list[dict]]:
        """Segments of several windows of at most 30 s each, times relative to each window."""
        ...


class FasterWhisper:
    """CTranslate2 Whisper through faster-whisper."""

    name = "faster-whisper"

    def __init__(self, model: str, *, threads: int = 2):
        from faster_whisper import BatchedInferencePipeline, WhisperModel

        self.model = WhisperModel(str(whisper_models.ct2_folder(model)), device="cpu", compute_type="int8",
                                  cpu_threads=threads)
        self.batched = BatchedInferencePipeline(self.model)

    def segments(self, audio16: np.ndarray, language: str | None = None, beam_size: int = 1
                 ) -> tuple[list[dict], str]:
        # Temperature 0 only: faster-whisper's default fallback samples at higher temperatures when
        # greedy decoding looks poor, and CTranslate2's sampling is not reproducible even with a
        # seed, so labels would change from run to run. A poor decode is caught downstream instead
        # (the round-trip WER filter; a packed clip is retried on its own).
        segments, info = self.model.transcribe(
            audio16, language=language, beam_size=beam_size, word_timestamps=True,
            condition_on_previous_text=False, vad_filter=False, temperature=0.0,
        )
        return [_segment_dict(s) for s in segments], info.language

    def segments_batch(self, windows: list[np.ndarray], language: str, beam_size: int = 1) -> list[list[dict]]:
        """Several windows through the encoder and decoder together: on a CPU one batched matrix
        product is cheaper than as many one-row ones, which packing alone cannot save. Greedy at
        temperature 0, like the one-window path."""
        audio = np.concatenate(windows)
        bounds, cursor = [], 0
        for window in windows:
            bounds.append((cursor / WHISPER_RATE, (cursor + window.size) / WHISPER_RATE))
            cursor += window.size
        segments, _ = self.batched.transcribe(
            audio, language=language, beam_size=beam_size, word_timestamps=True, without_timestamps=False,
            clip_timestamps=[{"start": lo, "end": hi} for lo, hi in bounds], batch_size=len(windows),
            vad_filter=False, temperature=0.0,
        )
        out: list[list[dict]] = [[] for _ in windows]
        for s in segments:
            # By the segment's middle: its start is rounded and can fall a hair before its window.
            middle = (s.start + s.end) / 2
            index = next(i for i, (lo, hi) in enumerate(bounds) if middle < hi or i == len(bounds) - 1)
            out[index].append(_segment_dict(s, offset=bounds[index][0]))
        return out


def _segment_dict(s, offset: float = 0.0) -> dict:
    return {
        "start": float(s.start) - offset, "end": float(s.end) - offset, "avg_logprob": float(s.avg_logprob),
        "words": [{"word": w.word.strip(), "start": round(float(w.start) - offset, 3),
                   "end": round(float(w.end) - offset, 3), "probability": round(float(w.probability), 4)}
                  for w in (s.words or [])],
    }


class Transformers:
    """Hugging Face Whisper; decodes greedily, so ``beam_size`` must be 1."""

    name = "transformers"

    def __init__(self, model: str, *, threads: int = 2):
        from synth_assets.asr.transformers_whisper import TransformersWhisper

        self.engine = TransformersWhisper(whisper_models.hf_folder(model), threads=threads)

    def segments(self, audio16: np.ndarray, language: str | None = None, beam_size: int = 1
                 ) -> tuple[list[dict], str]:
        check_beam_size(self.name, beam_size)
        return self.engine.segments(audio16, language)

    def segments_batch(self, windows: list[np.ndarray], language: str, beam_size: int = 1) -> list[list[dict]]:
        return [self.segments(window, language, beam_size)[0] for window in windows]


def check_beam_size(backend: str, beam_size: int) -> None:
    if backend == "transformers" and beam_size != 1:
        raise ValueError(f"the transformers backend decodes greedily: beam_size must be 1, not {beam_size}")


@functools.lru_cache(maxsize=4)
def load(backend: str, model: str, threads: int) -> WhisperBackend:
    """A loaded backend, shared by every resource that asks for the same one."""
    if backend == "faster-whisper":
        return FasterWhisper(model, threads=threads)
    if backend == "transformers":
        return Transformers(model, threads=threads)
    raise ValueError(f"unknown ASR backend {backend!r}: use one of {', '.join(BACKENDS)}")


def _release() -> None:
    # CTranslate2's thread pool must stop before interpreter teardown, or exit can abort; torch
    # models go too so their memory is back before atexit handlers of other libraries run.
    load.cache_clear()
    gc.collect()


atexit.register(_release)
