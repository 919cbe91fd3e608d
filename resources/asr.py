"""The ASR resource: Whisper's settings from configuration, handed to the stages as a plain
``Transcriber`` (synth_assets/asr/transcriber.py), which holds the engines and the packing and
declares each setting (default and description) once."""

from __future__ import annotations

from dagster import ConfigurableResource

from synth_assets.asr.transcriber import Transcriber
from synth_assets.orchestration.config import carrying, settings_from


class WhisperASR(ConfigurableResource, carrying(Transcriber)):
    """Transcribes clips with word timestamps (faster-whisper / CTranslate2 or transformers)."""

    def transcriber(self) -> Transcriber:
        return settings_from(Transcriber, self)
