"""Audio helpers shared by every stage: resampling, loudness, FLAC bytes."""

from __future__ import annotations

import io
from math import gcd

import numpy as np
import soundfile as sf

SAMPLE_RATE = 24_000  # every clip the product makes is 24 kHz
WHISPER_RATE = 16_000  # what Whisper hears
TARGET_RMS_DBFS = -20.0


def resample(audio: np.ndarray, rate_in: int, rate_out: int) -> np.ndarray:
    """Polyphase resampling (anti-aliased) along the first axis."""
    if rate_in == rate_out:
        return audio.astype(np.float32, copy=False)
    g = gcd(rate_in, rate_out)
    from scipy.signal import resample_poly  # scipy.signal takes ~1 s to import: only when resampling

    return resample_poly(audio, rate_out // g, rate_in // g, axis=0).astype(np.float32)


def normalize_loudness(audio: np.ndarray, target_dbfs: float = TARGET_RMS_DBFS, peak: float = 0.97) -> np.ndarray:
    """Scale to a common RMS level so voices sound equally loud, never clipping the peak."""
    rms = float(np.sqrt(np.mean(np.square(audio, dtype=np.float64)))) if audio.size else 0.0
    if rms < 1e-6:
        return audio.astype(np.float32, copy=False)
    gain = 10 ** (target_dbfs / 20) / rms
    top = float(np.max(np.abs(audio))) * gain
    if top > peak:
        gain *= peak / top
    return (audio * gain).astype(np.float32)


def to_flac(audio: np.ndarray, rate: int = SAMPLE_RATE) -> bytes:
    buffer = io.BytesIO()
    sf.write(buffer, np.clip(audio, -1.0, 1.0), rate, format="FLAC", subtype="PCM_16")
    return buffer.getvalue()


def from_flac(data: bytes) -> tuple[np.ndarray, int]:
    audio, rate = sf.read(io.BytesIO(data), dtype="float32")
    return audio, rate


def rms_dbfs(audio: np.ndarray) -> float:
    rms = float(np.sqrt(np.mean(np.square(audio, dtype=np.float64)))) if audio.size else 0.0
    return 20 * np.log10(max(rms, 1e-9))
