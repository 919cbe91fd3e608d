"""Reading audio we did not make ourselves (or that may have gone bad on the way): every way a
clip can be unusable becomes a ``BadAudio`` with a reason a person can read, never a crash."""

from __future__ import annotations

import io

import numpy as np
import soundfile as sf

MIN_RATE, MAX_RATE = 8_000, 192_000


class BadAudio(ValueError):
    """This clip cannot be used; the message says why."""


def check_rate(rate: int) -> None:
    if not MIN_RATE <= int(rate) <= MAX_RATE:
        raise BadAudio(f"implausible sample rate {rate} Hz (expected {MIN_RATE}-{MAX_RATE})")


def check_samples(audio: np.ndarray, rate: int) -> np.ndarray:
    """The samples as float32 if they are usable: a plausible rate, some samples, all finite."""
    check_rate(rate)
    audio = np.asarray(audio, np.float32)
    if audio.size == 0:
        raise BadAudio("no samples (zero-length audio)")
    bad = int(np.count_nonzero(~np.isfinite(audio)))
    if bad:
        raise BadAudio(f"{bad} of {audio.size} samples are NaN or infinite")
    return audio


def decode(data: bytes | None) -> tuple[np.ndarray, int]:
    """Encoded bytes (FLAC, WAV, OGG; whatever libsndfile reads) -> (float32 samples, rate).
    Samples are (frames,) for mono and (frames, channels) otherwise."""
    if not data:
        raise BadAudio("empty file (zero bytes)")
    try:
        audio, rate = sf.read(io.BytesIO(data), dtype="float32", always_2d=False)
    except Exception as error:  # libsndfile's errors are plain RuntimeErrors / LibsndfileErrors
        raise BadAudio(f"undecodable audio: {error}") from None
    return check_samples(audio, rate), int(rate)


def decode_mono(data: bytes | None) -> tuple[np.ndarray, int]:
    """As ``decode``, with several channels mixed down to one."""
    audio, rate = decode(data)
    return (audio.mean(axis=1) if audio.ndim == 2 else audio), rate
