"""The augmentation chain: noise, gain, telephone band, echo and distortion, recorded per clip.

audiomentations draws from Python's and NumPy's global RNGs; seeding both from the clip id right
before the call makes every clip's chain reproducible on a rerun.
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np

from synth_assets.core.audio import SAMPLE_RATE

CHAIN_VERSION = "aug-v1"


def _echo(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    """A small-room slap-back echo: one delayed, attenuated copy (delay and level drawn per clip)."""
    delay = int(sample_rate * random.uniform(0.04, 0.12))
    level = random.uniform(0.2, 0.45)
    out = samples.copy()
    out[delay:] += level * samples[:-delay]
    _echo.last = {"delay_s": round(delay / sample_rate, 4), "level": round(level, 3)}
    return out / max(1.0, float(np.max(np.abs(out))))


_echo.last = {}


def build_chain():
    import audiomentations as A  # imports scipy and numba-backed code: only when a chain is built

    return A.Compose([
        A.AddColorNoise(min_snr_db=12.0, max_snr_db=30.0, p=1.0),
        A.Gain(min_gain_db=-8.0, max_gain_db=4.0, p=0.6),
        A.Lambda(transform=_echo, p=0.25),
        # Telephone channel: 300-3400 Hz band and the aliasing of an 8 kHz path.
        A.BandPassFilter(min_center_freq=1700.0, max_center_freq=1900.0, min_bandwidth_fraction=1.6,
                         max_bandwidth_fraction=1.8, p=0.25),
        A.Aliasing(min_sample_rate=8000, max_sample_rate=16000, p=0.15),
        A.TanhDistortion(min_distortion=0.01, max_distortion=0.15, p=0.15),
    ])


def _jsonable(value: Any) -> Any:
    if isinstance(value, (np.floating, float)):
        return round(float(value), 4)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, np.ndarray):
        return None  # noise buffers and such: too big to record, derivable from the seed
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items() if _jsonable(v) is not None}
    return value


def augment(audio: np.ndarray, seed: int, chain=None) -> tuple[np.ndarray, list[dict]]:
    """Apply the chain with a seed; returns the audio and the transforms that fired with their values."""
    chain = chain or build_chain()
    random.seed(seed)
    np.random.seed(seed % (2**32))
    out = chain(samples=audio.astype(np.float32), sample_rate=SAMPLE_RATE)
    applied = []
    for transform in chain.transforms:
        params = dict(transform.parameters)
        if not params.pop("should_apply", False):
            continue
        name = type(transform).__name__
        if name == "Lambda":  # our echo
            name, params = "Echo", dict(_echo.last)
        applied.append({"transform": name, **_jsonable(params)})
    return np.clip(out, -1.0, 1.0).astype(np.float32), applied
