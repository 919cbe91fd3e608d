"""DNSMOS from the speechmos wheel: a clean voice rates well, noise rates badly, any rate is accepted."""

from __future__ import annotations

import numpy as np
import pytest

from quality.mos import dnsmos
from synth_assets.tts.policy import VoicePolicy


@pytest.mark.slow
def test_a_clean_voice_outscores_the_same_voice_under_noise_and_plain_noise():
    speech = VoicePolicy().synthesize("hibari-heart", "The lake covers about twelve square kilometres.", seed=1)
    rng = np.random.default_rng(0)
    noisy = np.clip(speech + rng.normal(0, 0.08, speech.size).astype(np.float32), -1, 1)
    noise = rng.normal(0, 0.1, 24_000 * 3).astype(np.float32)
    clean, degraded, hiss = dnsmos(speech, 24_000), dnsmos(noisy, 24_000), dnsmos(noise, 24_000)
    assert clean.overall > 3.0 and clean.overall > degraded.overall + 0.5 and clean.overall > hiss.overall + 1.0
    assert degraded.background < clean.background
    assert dnsmos(speech[::3], 8_000).overall > 1.0  # telephone rate: resampled, still rated


def test_an_empty_clip_is_refused():
    with pytest.raises(ValueError, match="no samples"):
        dnsmos(np.zeros(0, np.float32), 16_000)
