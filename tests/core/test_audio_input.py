"""Speech domain logic without models: packing, the voice policy, text and audio guards, the gender check."""

from __future__ import annotations

import io

import numpy as np
import pytest
import soundfile as sf

from synth_assets.core.audio_input import BadAudio, decode, decode_mono

RATE = 16_000


def tone(seconds: float) -> np.ndarray:
    return (0.1 * np.sin(np.arange(int(seconds * RATE)) / 10)).astype(np.float32)


def wav_bytes(audio: np.ndarray, rate: int, subtype: str = "PCM_16") -> bytes:
    buffer = io.BytesIO()
    sf.write(buffer, audio, rate, format="WAV", subtype=subtype)
    return buffer.getvalue()


@pytest.mark.parametrize("data, reason", [
    (b"", "zero bytes"),
    (b"RIFF\x00\x00garbage that is not audio", "undecodable"),
    (wav_bytes(np.zeros(0, np.float32), 16_000), "no samples"),
    (wav_bytes(np.array([0.1, np.nan, 0.2] * 100, np.float32), 16_000, "FLOAT"), "NaN"),
    (wav_bytes(np.zeros(100, np.float32), 4_000), "sample rate"),
])
def test_unusable_audio_names_its_problem(data, reason):
    with pytest.raises(BadAudio, match=reason):
        decode(data)


def test_two_channel_and_telephone_rate_audio_decode():
    stereo = np.stack([tone(1.0), -tone(1.0)], axis=1)
    audio, rate = decode(wav_bytes(stereo, 8_000))
    assert audio.shape == (RATE, 2) and rate == 8_000
    mono, _ = decode_mono(wav_bytes(stereo, 8_000))
    assert mono.ndim == 1 and abs(mono).max() < 1e-3


