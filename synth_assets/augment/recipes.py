"""Named, versioned augmentation recipes. Each step fires with its probability and records the values
it drew; each clip records its recipe, the recipe's version, the steps and the measured SNR.

- ``moshi-user``: Moshi's user-stream augmentation, for the user channel of a conversation: gain
  -24..+15 dB (p 0.5); noise -30..+6 dB relative to the speech (p 0.3); with p 0.3 an echo of the
  assistant channel (gain 0-0.2, delay 100-500 ms) plus reverb.
- ``telephone``: 300-3400 Hz, an 8 kHz path and a telephone codec, sometimes light line noise.

Gain and the telephone band-pass are audiomentations transforms run with the values drawn here
(synth_assets/augment/transforms.py).
- ``clean``: nothing: the clip as it is, recorded as such.

The measured SNR is the speech's power over the power of everything added to it (noise, echo, the
reverberant tail), in dB over the clip; None when nothing was added.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Callable

import numpy as np

from synth_assets.augment import transforms
from synth_assets.augment.noise import NoiseBank
from synth_assets.augment.transforms import Mix


@dataclass(frozen=True)
class Step:
    name: str
    p: float
    apply: Callable[[Mix, np.random.Generator], dict]


@dataclass(frozen=True)
class Recipe:
    name: str
    version: str
    steps: tuple[tuple[Step, ...], ...]  # groups: the steps of a group fire together, with the first's p
    light: bool  # light recipes keep the label: round-trip WER within a few points of the clean clip


@dataclass
class Augmented:
    audio: np.ndarray
    recipe: str
    version: str
    steps: list[dict]  # the steps that fired, with their drawn values
    snr_db: float | None

    @property
    def label(self) -> str:
        """``recipe@version:step,step``, for the UI and a quick filter."""
        return f"{self.recipe}@{self.version}:" + ",".join(s["step"] for s in self.steps)

    def record(self) -> dict:
        return {"recipe": self.recipe, "version": self.version, "steps": self.steps, "snr_db": self.snr_db}


RECIPES: dict[str, Recipe] = {r.name: r for r in (
    Recipe("moshi-user", "moshi-user-v1", (
        (Step("gain", 0.5, partial(transforms.gain, low_db=-24.0, high_db=15.0)),),
        (Step("noise", 0.3, partial(transforms.noise, low_db=-30.0, high_db=6.0)),),
        (Step("echo", 0.3, partial(transforms.echo, max_gain=0.2, delay_s=(0.1, 0.5))),
         Step("reverb", 0.3, partial(transforms.reverb, rt60_s=(0.2, 0.6)))),
    ), light=False),
    Recipe("telephone", "telephone-v2", (  # v2: audiomentations' band-pass (filter state starts at the first sample)
        (Step("line_noise", 0.5, partial(transforms.noise, low_db=-40.0, high_db=-25.0)),),
        (Step("telephone", 1.0, transforms.telephone),),
    ), light=True),
    Recipe("clean", "clean-v1", (), light=True),
)}


def snr_db(speech: np.ndarray, interference: list[np.ndarray]) -> float | None:
    if not interference:
        return None
    added = np.sum(interference, axis=0, dtype=np.float64)
    noise_power = float(np.mean(np.square(added)))
    speech_power = float(np.mean(np.square(speech, dtype=np.float64)))
    if noise_power < 1e-20:
        return None
    return round(10 * np.log10(max(speech_power, 1e-20) / noise_power), 2)


def apply_recipe(name: str, audio: np.ndarray, seed: int, bank: NoiseBank | None = None,
                 other: np.ndarray | None = None) -> Augmented:
    """``audio`` (24 kHz mono) through recipe ``name``, drawn from ``seed``; ``other``: the assistant
    channel of a conversation, which the echo step leaks into this one."""
    if name not in RECIPES:
        raise KeyError(f"unknown augmentation recipe {name!r}; known: {sorted(RECIPES)}")
    recipe = RECIPES[name]
    rng = np.random.default_rng(seed)
    clean = audio.astype(np.float32)
    mix = Mix(audio=clean.copy(), speech=clean.copy(), bank=bank or NoiseBank(), other=other)
    fired = []
    for group in recipe.steps:
        if rng.random() >= group[0].p:
            continue
        for step in group:
            fired.append({"step": step.name, **step.apply(mix, rng)})
    out = np.clip(mix.audio, -1.0, 1.0).astype(np.float32)
    return Augmented(out, recipe.name, recipe.version, fired, snr_db(mix.speech, mix.interference))
