"""Speech domain logic without models: packing, the voice policy, text and audio guards, the gender check."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from synth_assets.tts.speakable import Unspeakable, clean_for_speech

RATE = 16_000


def tone(seconds: float) -> np.ndarray:
    return (0.1 * np.sin(np.arange(int(seconds * RATE)) / 10)).astype(np.float32)


@pytest.mark.parametrize("text, reason", [
    ("  \u200b ... ♪♪ \x07 ", "empty after cleaning"),
    ("这是一个无法用英语声音朗读的句子", "unsupported characters"),
    ("word " * 1500, "too long for one clip"),
])
def test_text_a_voice_cannot_speak_is_refused_with_a_reason(text, reason):
    with pytest.raises(Unspeakable, match=reason):
        clean_for_speech(text)


def test_speakable_text_is_cleaned_not_refused():
    assert clean_for_speech("Café\tprices ★ rose\x00 again!  ") == "Café prices rose again!"


def wav_bytes(audio: np.ndarray, rate: int, subtype: str = "PCM_16") -> bytes:
    buffer = io.BytesIO()
    sf.write(buffer, audio, rate, format="WAV", subtype=subtype)
    return buffer.getvalue()


def tts_frame(female: int, male: int, assistants: int = 5) -> pd.DataFrame:
    rows = ([("user", "female")] * female + [("narration", "male")] * male
            + [("assistant", "female")] * assistants)
    return pd.DataFrame({
        "id": [f"c{i}" for i in range(len(rows))], "stage": "tts_audio", "code_version": "v", "run_id": "r",
        "sample_rate": 24000, "duration_s": 3.0, "rms_dbfs": -20.0, "voice_id": "v",
        "role": [r for r, _ in rows], "voice_gender": [g for _, g in rows]})


def labels_frame(good: int, bad: int) -> pd.DataFrame:
    wers = [0.0] * good + [0.6] * bad
    return pd.DataFrame({"id": [f"l{i}" for i in range(len(wers))], "stage": "pseudo_labels", "code_version": "v",
                         "run_id": "r", "wer": wers, "transcript": "heard"})


