"""The voice policy spreads users over the pool: each voice within one clip of its share, the
assistant never a user voice, and a check that fails a partition where one voice took too much."""

from __future__ import annotations

import collections

import pandas as pd
import pytest

from quality.base import validate
from quality.suites import SUITES
from synth_assets.core import names
from synth_assets.tts.policy import DEFAULT_ASSISTANT_VOICE, DEFAULT_USER_VOICES, VoicePolicy
from synth_assets.tts.registry import REGISTRY, Voice, register

GENDERS = {"f1": "female", "f2": "female", "f3": "female", "m1": "male", "m2": "male", "assistant": "female"}


@pytest.fixture
def pool():
    voices = [register(Voice(f"test-pool-{name}", "command", gender, "en-US", 16_000, "test", None,
                             command=("sh", "-c", "true"))) for name, gender in GENDERS.items()]
    yield [v.id for v in voices]
    for voice in voices:
        REGISTRY.pop(voice.id, None)


def test_each_user_voice_takes_its_share_within_one_clip_and_the_assistant_none(pool):
    policy = VoicePolicy(user_voices=tuple(pool), assistant_voice="test-pool-assistant", target_female_share=0.5)
    start = 417  # a partition's rotation starts anywhere
    counts = collections.Counter(policy.pick_user_voice(seed=i, slot=start + i) for i in range(60))
    assert "test-pool-assistant" not in counts
    assert {counts[f"test-pool-{v}"] for v in ("f1", "f2", "f3")} == {10}  # 30 female clips over 3 voices
    assert {counts[f"test-pool-{v}"] for v in ("m1", "m2")} == {15}
    for length in (7, 13, 29):  # any run of clips: within one clip of the share
        run = collections.Counter(policy.pick_user_voice(seed=i, slot=start + i) for i in range(length))
        female = sum(run[f"test-pool-{v}"] for v in ("f1", "f2", "f3"))
        assert max(run[f"test-pool-{v}"] for v in ("f1", "f2", "f3")) - female / 3 < 1
    unslotted = collections.Counter(policy.pick_user_voice(seed=i) for i in range(600))
    assert "test-pool-assistant" not in unslotted and len(unslotted) == 5


def test_the_default_pool_has_six_neural_user_voices_three_per_gender_without_the_assistant():
    assert DEFAULT_ASSISTANT_VOICE not in DEFAULT_USER_VOICES
    genders = collections.Counter(REGISTRY[v].gender for v in DEFAULT_USER_VOICES)
    assert len(DEFAULT_USER_VOICES) >= 6 and genders["female"] >= 3 and genders["male"] >= 3
    assert all(REGISTRY[v].family in ("kokoro", "piper", "hibari") for v in DEFAULT_USER_VOICES)


def clip_frame(voice_ids: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"id": [f"tts-{i}" for i in range(len(voice_ids))], "parent_id": "p", "stage": names.TTS_AUDIO,
                         "code_version": "v", "run_id": "r", "sample_rate": 24000, "duration_s": 2.0,
                         "rms_dbfs": -20.0, "role": "user", "voice_id": voice_ids,
                         "voice_gender": [GENDERS[v] for v in voice_ids]})


def test_the_spread_check_passes_the_policy_and_fails_a_voice_taking_too_much():
    even = ["f1", "m1", "f2", "m2", "f3", "m1", "f1", "m2", "f2", "m1", "f3", "m2"] * 4
    assert validate(SUITES[names.TTS_AUDIO], clip_frame(even), {"target_female_share": 0.5}).passed
    skewed = ["f1"] * 12 + ["f2", "f3"] * 4 + ["m1", "m2"] * 10  # f1 takes 12 of 20 female clips
    result = validate(SUITES[names.TTS_AUDIO], clip_frame(skewed), {"target_female_share": 0.5})
    assert not result.passed
