"""The ASR resource: Whisper's settings from configuration, handed to the stages as a plain
``Transcriber`` (synth_assets/asr/transcriber.py), which holds the engines and the packing."""

from __future__ import annotations

from dagster import ConfigurableResource
from pydantic import Field

from synth_assets.asr.transcriber import Transcriber

_DEFAULTS = Transcriber()


class WhisperASR(ConfigurableResource):
    """Transcribes clips with word timestamps (faster-whisper / CTranslate2 or transformers)."""

    model: str = Field(default=_DEFAULTS.model,
                       description="'tiny.en', 'base', or a local Whisper folder (CT2 or Hugging Face, per backend).")
    backend: str = Field(default=_DEFAULTS.backend,
                         description="'faster-whisper' (CTranslate2 int8 on CPU) or 'transformers' (GPU when present).")
    cpu_threads: int = Field(default=_DEFAULTS.cpu_threads, description="Engine threads for this worker.")
    beam_size: int = Field(default=_DEFAULTS.beam_size,
                           description="1 is greedy decoding: fastest, and WER stays low on TTS.")
    pack_seconds: float = Field(default=_DEFAULTS.pack_seconds,
                                description="Pack consecutive clips into windows up to this long; 0 turns packing off.")
    gap_seconds: float = Field(default=_DEFAULTS.gap_seconds, description="Silence between packed clips.")
    batch_windows: int = Field(default=_DEFAULTS.batch_windows, description="Packed windows decoded together in one "
                               "batch (faster-whisper, English-only models); 1 decodes them one by one.")

    def transcriber(self) -> Transcriber:
        return Transcriber(**self.model_dump())
