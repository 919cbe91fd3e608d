"""The noise bank: noise the project generates (coloured noise, mains hum, babble made of other clips)
or recordings from a folder the user points to. Every draw takes a NumPy Generator, never the global
random state, and says what it drew."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from synth_assets.core.audio import SAMPLE_RATE, resample

COLOURS = {"white": 0.0, "pink": 1.0, "brown": 2.0}  # power falls as 1 / f ** exponent
GENERATED = ("coloured", "hum", "babble")
AUDIO_SUFFIXES = (".wav", ".flac", ".ogg")


def coloured_noise(rng: np.random.Generator, samples: int, colour: str) -> np.ndarray:
    """Gaussian noise shaped in frequency to white, pink or brown, at unit RMS."""
    spectrum = np.fft.rfft(rng.standard_normal(samples))
    freqs = np.fft.rfftfreq(samples)
    freqs[0] = freqs[1] if samples > 1 else 1.0
    spectrum /= freqs ** (COLOURS[colour] / 2)
    noise = np.fft.irfft(spectrum, n=samples)
    return _unit(noise)


def hum(rng: np.random.Generator, samples: int, mains_hz: float) -> np.ndarray:
    """Mains hum: the mains frequency and its first harmonics at falling levels, unit RMS."""
    t = np.arange(samples) / SAMPLE_RATE
    phases = rng.uniform(0, 2 * np.pi, 4)
    tone = sum(np.sin(2 * np.pi * mains_hz * (k + 1) * t + phases[k]) / (k + 1) for k in range(4))
    return _unit(tone + 0.05 * rng.standard_normal(samples))


def babble(rng: np.random.Generator, samples: int, clips: list[np.ndarray], talkers: int) -> np.ndarray:
    """Several other clips summed, each looped and started at a random point: a room of talkers."""
    mix = np.zeros(samples)
    for index in rng.choice(len(clips), size=min(talkers, len(clips)), replace=False):
        mix += _unit(_loop(clips[index], samples, int(rng.integers(0, max(1, clips[index].size)))))
    return _unit(mix)


def _loop(clip: np.ndarray, samples: int, offset: int) -> np.ndarray:
    reps = int(np.ceil((samples + offset) / max(1, clip.size)))
    return np.tile(clip, reps)[offset:offset + samples]


def _unit(audio: np.ndarray) -> np.ndarray:
    rms = float(np.sqrt(np.mean(np.square(audio)))) if audio.size else 0.0
    return (audio / rms if rms > 1e-9 else audio).astype(np.float32)


def read_folder(folder: str | Path) -> list[np.ndarray]:
    """Every audio file under ``folder`` as 24 kHz mono (channels averaged)."""
    import soundfile as sf

    clips = []
    for path in sorted(Path(folder).rglob("*")):
        if path.suffix.lower() in AUDIO_SUFFIXES:
            audio, rate = sf.read(path, dtype="float32", always_2d=True)
            clips.append(resample(audio.mean(axis=1), rate, SAMPLE_RATE))
    if not clips:
        raise FileNotFoundError(f"no audio files ({', '.join(AUDIO_SUFFIXES)}) under {folder}")
    return clips


@dataclass
class NoiseBank:
    """Where noise comes from: generated kinds, babble from ``speech`` (other clips) and a ``folder``'s files."""

    speech: list[np.ndarray] = field(default_factory=list)
    recorded: list[np.ndarray] = field(default_factory=list)  # from a folder, when one is given
    folder: str = ""

    @classmethod
    def from_folder(cls, folder: str | Path, speech: list[np.ndarray] | None = None) -> "NoiseBank":
        return cls(speech=list(speech or []), recorded=read_folder(folder), folder=str(folder))

    def kinds(self) -> tuple[str, ...]:
        if self.recorded:
            return ("folder",)
        return GENERATED if len(self.speech) >= 2 else ("coloured", "hum")

    def draw(self, rng: np.random.Generator, samples: int) -> tuple[np.ndarray, dict]:
        """Unit-RMS noise ``samples`` long, and what was drawn."""
        kind = str(rng.choice(self.kinds()))
        if kind == "folder":
            index = int(rng.integers(len(self.recorded)))
            clip = self.recorded[index]
            return _unit(_loop(clip, samples, int(rng.integers(0, max(1, clip.size))))), \
                {"noise": "folder", "file_index": index}
        if kind == "hum":
            mains = float(rng.choice([50.0, 60.0]))
            return hum(rng, samples, mains), {"noise": "hum", "mains_hz": mains}
        if kind == "babble":
            talkers = int(rng.integers(3, 7))
            return babble(rng, samples, self.speech, talkers), {"noise": "babble", "talkers": talkers}
        colour = str(rng.choice(list(COLOURS)))
        return coloured_noise(rng, samples, colour), {"noise": "coloured", "colour": colour}
