"""Whisper engines behind one interface, loaded once per process.

A backend turns 16 kHz mono audio into ``(segments, language)``, each segment
``{"start", "end", "avg_logprob", "words": [{"word", "start", "end", "probability"}]}`` with times
in seconds from the start of the audio. resources/asr.py builds transcripts and packing on top of
that, so it does not care which engine ran.

- "faster-whisper": CTranslate2, int8 on CPU. Fastest here; any CT2 Whisper folder.
- "transformers": ``WhisperForConditionalGeneration`` from a Hugging Face folder, on the GPU when
  torch sees one (resources/whisper_transformers.py). Named models are converted from CT2 once.
"""

from __future__ import annotations

import atexit
import functools
import gc
from typing import Protocol

import numpy as np

from resources import whisper_models

BACKENDS = ("faster-whisper", "transformers")
SAMPLING_SEED = 1234


class WhisperBackend(Protocol):
    name: str

    def segments(self, audio16: np.ndarray, language: str | None = None, beam_size: int = 1
                 ) -> tuple[list[dict], str]:
        ...


class FasterWhisper:
    """CTranslate2 Whisper through faster-whisper."""

    name = "faster-whisper"

    def __init__(self, model: str, *, threads: int = 2):
        from faster_whisper import WhisperModel

        self.model = WhisperModel(str(whisper_models.ct2_folder(model)), device="cpu", compute_type="int8",
                                  cpu_threads=threads)

    def segments(self, audio16: np.ndarray, language: str | None = None, beam_size: int = 1
                 ) -> tuple[list[dict], str]:
        import ctranslate2

        # faster-whisper falls back to sampling at higher temperatures when greedy decoding looks
        # poor; a fixed seed makes that fallback, and so every label, the same on a rerun.
        ctranslate2.set_random_seed(SAMPLING_SEED)
        segments, info = self.model.transcribe(
            audio16, language=language, beam_size=beam_size, word_timestamps=True,
            condition_on_previous_text=False, vad_filter=False,
        )
        out = []
        for s in segments:
            out.append({
                "start": float(s.start), "end": float(s.end), "avg_logprob": float(s.avg_logprob),
                "words": [{"word": w.word.strip(), "start": round(float(w.start), 3), "end": round(float(w.end), 3),
                           "probability": round(float(w.probability), 4)} for w in (s.words or [])],
            })
        return out, info.language


class Transformers:
    """Hugging Face Whisper; decodes greedily, so ``beam_size`` must be 1."""

    name = "transformers"

    def __init__(self, model: str, *, threads: int = 2):
        from resources.whisper_transformers import TransformersWhisper

        self.engine = TransformersWhisper(whisper_models.hf_folder(model), threads=threads)

    def segments(self, audio16: np.ndarray, language: str | None = None, beam_size: int = 1
                 ) -> tuple[list[dict], str]:
        check_beam_size(self.name, beam_size)
        return self.engine.segments(audio16, language)


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
