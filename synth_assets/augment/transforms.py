"""Augmentation transforms: each draws its values from a NumPy Generator it is handed (never the global
random state, so clips augmented in parallel or in any order come out the same) and returns what it
drew. ``Mix`` carries the clip, the clean speech as mixed (for the SNR) and what a transform may need.

The DSP is audiomentations' where it has the effect (gain, the telephone band-pass). Its transforms
draw their own parameters from Python's and NumPy's global generators, so each is handed the values
we drew and frozen (``_frozen``): it never draws. The rest has no audiomentations counterpart that
runs here: its noise draws inside ``apply`` from NumPy's global generator, its room simulator needs
pyroomacoustics and its impulse responses are read from files, so the noise bank, the echo and the
synthetic room stay our own.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import numpy as np

from synth_assets.augment.noise import NoiseBank
from synth_assets.core.audio import SAMPLE_RATE, resample

TELEPHONE_RATE = 8_000
TELEPHONE_BAND = (300.0, 3400.0)
TELEPHONE_ROLLOFF_DB = 24  # per octave: a 4th-order Butterworth band-pass
CODECS = ("GSM610", "ULAW", "ALAW")  # libsndfile's telephone codecs: GSM 6.10 (13 kbit/s), G.711 u/A-law


@dataclass
class Mix:
    audio: np.ndarray  # the clip being augmented, float32 mono
    speech: np.ndarray  # the clean speech at the level it is heard (gain applied), for the SNR
    bank: NoiseBank
    other: np.ndarray | None = None  # the other channel of a conversation (the assistant), for echo
    interference: list[np.ndarray] = field(default_factory=list)  # noise and echo as added


def _db(value: float) -> float:
    return float(10 ** (value / 20))


def _frozen(transform, **parameters):
    """An audiomentations ``transform`` that applies ``parameters`` (drawn from our Generator) every time,
    frozen so that it never draws its own from the global random state."""
    transform.parameters = {"should_apply": True, **parameters}
    transform.freeze_parameters()
    return lambda audio: transform(audio, SAMPLE_RATE)


def gain(mix: Mix, rng: np.random.Generator, low_db: float, high_db: float) -> dict:
    from audiomentations import Gain

    drawn = float(rng.uniform(low_db, high_db))
    louder = _frozen(Gain(p=1.0), amplitude_ratio=_db(drawn))
    mix.audio, mix.speech = louder(mix.audio), louder(mix.speech)
    mix.interference = [louder(n) for n in mix.interference]
    return {"gain_db": round(drawn, 2)}


def noise(mix: Mix, rng: np.random.Generator, low_db: float, high_db: float) -> dict:
    """Noise from the bank at ``low_db``..``high_db`` relative to the speech level."""
    relative = float(rng.uniform(low_db, high_db))
    sound, drawn = mix.bank.draw(rng, mix.audio.size)
    level = float(np.sqrt(np.mean(np.square(mix.speech, dtype=np.float64)))) * _db(relative)
    added = (sound * level).astype(np.float32)
    mix.audio = mix.audio + added
    mix.interference.append(added)
    return {"noise_db": round(relative, 2), **drawn}


def echo(mix: Mix, rng: np.random.Generator, max_gain: float, delay_s: tuple[float, float]) -> dict:
    """The other channel leaking into this one (a loudspeaker heard by the user's microphone)."""
    if mix.other is None:
        return {"echo": "no other channel"}
    level, delay = float(rng.uniform(0.0, max_gain)), float(rng.uniform(*delay_s))
    shift = int(delay * SAMPLE_RATE)
    added = np.zeros_like(mix.audio)
    length = max(0, min(mix.audio.size - shift, mix.other.size))
    added[shift:shift + length] = level * mix.other[:length]
    mix.audio = mix.audio + added
    mix.interference.append(added)
    return {"echo_gain": round(level, 3), "echo_delay_s": round(delay, 3)}


def reverb(mix: Mix, rng: np.random.Generator, rt60_s: tuple[float, float]) -> dict:
    """A synthetic room: exponentially decaying noise as the impulse response, reverb time drawn. The
    direct sound stays the speech of the SNR; the tail's level is recorded as the direct-to-reverberant
    ratio (a room is not noise)."""
    from scipy.signal import fftconvolve

    rt60 = float(rng.uniform(*rt60_s))
    length = int(rt60 * SAMPLE_RATE)
    response = rng.standard_normal(length) * np.exp(-6.9 * np.arange(length) / max(1, length)) * 0.03
    response[0] = 1.0
    scale = float(1.0 / np.sqrt(np.sum(response ** 2)))
    wet = (fftconvolve(mix.audio, response)[:mix.audio.size] * scale).astype(np.float32)
    direct = mix.audio * scale
    tail = float(np.mean(np.square(wet - direct, dtype=np.float64)))
    drr = 10 * np.log10(float(np.mean(np.square(direct, dtype=np.float64))) / max(tail, 1e-20))
    mix.audio, mix.speech = wet, mix.speech * scale
    mix.interference = [n * scale for n in mix.interference]
    return {"rt60_s": round(rt60, 3), "drr_db": round(float(drr), 2)}


def telephone(mix: Mix, rng: np.random.Generator) -> dict:
    """A telephone path: 300-3400 Hz band, 8 kHz sampling and a telephone codec, back at 24 kHz."""
    import soundfile as sf
    from audiomentations import BandPassFilter

    codec = str(rng.choice(CODECS))
    low, high = TELEPHONE_BAND
    band = _frozen(BandPassFilter(min_center_freq=(low + high) / 2, max_center_freq=(low + high) / 2, p=1.0),
                   center_freq=(low + high) / 2, bandwidth=high - low, rolloff=TELEPHONE_ROLLOFF_DB)
    narrow = resample(band(mix.audio), SAMPLE_RATE, TELEPHONE_RATE)
    buffer = io.BytesIO()
    sf.write(buffer, np.clip(narrow, -1.0, 1.0), TELEPHONE_RATE, format="WAV", subtype=codec)
    buffer.seek(0)
    decoded, _ = sf.read(buffer, dtype="float32")
    wide = resample(decoded, TELEPHONE_RATE, SAMPLE_RATE)
    out = np.zeros_like(mix.audio)
    out[:min(out.size, wide.size)] = wide[:out.size]
    mix.audio = out
    return {"band_hz": list(TELEPHONE_BAND), "rate": TELEPHONE_RATE, "codec": codec}
