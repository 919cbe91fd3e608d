"""Augmentation recipes: seeded without global random state, recorded, and measured."""

from __future__ import annotations

import random

import numpy as np
import pytest
import soundfile as sf

from synth_assets.augment.noise import NoiseBank, coloured_noise
from synth_assets.augment.recipes import RECIPES, apply_recipe, snr_db

RATE = 24_000


def tone_speech(seconds: float = 2.0, seed: int = 0) -> np.ndarray:
    """A speech-like test signal: a few harmonics with a syllable-rate envelope, at about -20 dBFS."""
    t = np.arange(int(seconds * RATE)) / RATE
    voiced = sum(np.sin(2 * np.pi * 140 * k * t + seed) / k for k in range(1, 8))
    envelope = 0.5 * (1 + np.sin(2 * np.pi * 4 * t))
    audio = voiced * envelope
    return (0.1 * audio / np.sqrt(np.mean(audio ** 2))).astype(np.float32)


def test_recipes_are_named_versioned_and_include_moshi_user_telephone_and_clean():
    assert {"moshi-user", "telephone", "clean"} <= set(RECIPES)
    assert all(r.version.startswith(r.name) for r in RECIPES.values())


def augment_all(seeds=range(12)) -> list:
    speech, other = tone_speech(), tone_speech(seed=3)
    bank = NoiseBank(speech=[speech, tone_speech(seed=2)])
    return [apply_recipe(name, speech, seed, bank, other=other)
            for name in ("moshi-user", "telephone") for seed in seeds]


def test_the_same_seed_gives_the_same_clip_whatever_the_global_random_state():
    random.seed(1)
    np.random.seed(1)
    first = augment_all()
    random.seed(99)
    np.random.seed(99)
    np.random.random(1000)
    second = augment_all()
    assert {s["step"] for r in first for s in r.steps} == {"gain", "noise", "echo", "reverb", "line_noise", "telephone"}
    for a, b in zip(first, second):
        assert a.audio.tobytes() == b.audio.tobytes() and a.steps == b.steps and a.snr_db == b.snr_db


def test_the_recipes_neither_read_nor_move_the_global_random_state():
    python_state, numpy_state = random.getstate(), np.random.get_state()[1].copy()
    augment_all()
    assert random.getstate() == python_state and np.array_equal(np.random.get_state()[1], numpy_state)


def test_audiomentations_applies_our_drawn_values_and_never_draws_its_own(monkeypatch):
    from audiomentations.core.transforms_interface import BaseWaveformTransform

    def draws(*args, **kwargs):
        raise AssertionError("audiomentations drew its own parameters")

    monkeypatch.setattr(BaseWaveformTransform, "randomize_parameters", draws)
    speech = tone_speech()
    for seed in range(12):
        result = apply_recipe("moshi-user", speech, seed)
        if [s["step"] for s in result.steps] == ["gain"]:
            expected = speech * np.float32(10 ** (result.steps[0]["gain_db"] / 20))
            assert np.allclose(result.audio, np.clip(expected, -1, 1), atol=1e-3 * np.abs(expected).max())
    assert apply_recipe("telephone", speech, 1).steps[-1]["step"] == "telephone"


def test_moshi_user_draws_within_its_ranges_and_records_each_step():
    speech, seen = tone_speech(), set()
    for seed in range(60):
        result = apply_recipe("moshi-user", speech, seed, NoiseBank(speech=[speech, tone_speech(seed=2)]),
                              other=tone_speech(seed=5))
        for step in result.steps:
            seen.add(step["step"])
            if step["step"] == "gain":
                assert -24.0 <= step["gain_db"] <= 15.0
            if step["step"] == "noise":
                assert -30.0 <= step["noise_db"] <= 6.0 and step["noise"] in ("coloured", "hum", "babble")
            if step["step"] == "echo":
                assert 0.0 <= step["echo_gain"] <= 0.2 and 0.1 <= step["echo_delay_s"] <= 0.5
        names = [s["step"] for s in result.steps]
        assert ("echo" in names) == ("reverb" in names)  # echo comes with reverb
        assert result.label.startswith("moshi-user@moshi-user-v1:")  # its output did not change
    assert seen == {"gain", "noise", "echo", "reverb"}


def test_the_measured_snr_matches_the_noise_level_drawn():
    speech = tone_speech()
    for seed in range(40):
        result = apply_recipe("moshi-user", speech, seed, NoiseBank())
        names = [s["step"] for s in result.steps]
        if names in (["noise"], ["gain", "noise"]):
            drawn = next(s for s in result.steps if s["step"] == "noise")["noise_db"]
            assert result.snr_db == pytest.approx(-drawn, abs=0.05)
        if not {"noise", "echo"} & set(names):
            assert result.snr_db is None


def test_telephone_keeps_the_300_to_3400_hz_band():
    speech = coloured_noise(np.random.default_rng(0), 2 * RATE, "white") * 0.05
    out = apply_recipe("telephone", speech, 2).audio
    spectrum = np.abs(np.fft.rfft(out)) ** 2
    freqs = np.fft.rfftfreq(out.size, 1 / RATE)
    inside = spectrum[(freqs > 500) & (freqs < 3000)].mean()
    assert spectrum[freqs > 5000].mean() < inside / 100
    assert spectrum[freqs < 100].mean() < inside / 10


def test_clean_returns_the_clip_unchanged_and_says_so():
    speech = tone_speech()
    result = apply_recipe("clean", speech, 1)
    assert np.array_equal(result.audio, speech) and result.steps == [] and result.snr_db is None


def test_a_noise_folder_replaces_the_generated_noise(tmp_path):
    rumble = coloured_noise(np.random.default_rng(1), RATE, "brown") * 0.1
    sf.write(tmp_path / "fan.wav", rumble, 16_000)
    bank = NoiseBank.from_folder(tmp_path)
    noise, drawn = bank.draw(np.random.default_rng(0), 1000)
    assert drawn == {"noise": "folder", "file_index": 0} and noise.size == 1000
    with pytest.raises(FileNotFoundError):
        NoiseBank.from_folder(tmp_path / "empty")


def test_snr_is_speech_power_over_added_power():
    speech = np.ones(100, np.float32)
    assert snr_db(speech, [np.full(100, 0.1, np.float32)]) == pytest.approx(20.0)
    assert snr_db(speech, []) is None
