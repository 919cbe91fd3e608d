"""Speech domain logic without models: packing, the voice policy, text and audio guards, the gender check."""

from __future__ import annotations

import json

import pytest

from synth_assets.tts.policy import VoicePolicy
from synth_assets.tts.registry import REGISTRY, Voice, is_available, register, register_voices_file


def test_user_genders_rotate_to_the_target_share_and_choices_repeat():
    voices = VoicePolicy(user_voices=["hibari-heart", "espeak-us-f2", "espeak-us-m3", "flite-rms", "flite-awb"])
    if not all(is_available(v) for v in voices.user_voices):
        pytest.skip("espeak-ng / flite not installed (scripts/install.sh installs them)")
    choices = [voices.choose_user_voice(seed=1000 + i, slot=i) for i in range(40)]
    assert sum(c.gender == "female" for c in choices) == 20
    assert all(REGISTRY[c.voice_id].gender == c.gender for c in choices)
    assert {c.accent for c in choices if c.gender == "male"} == {"en-US", "en-GB-scotland"}
    assert [voices.choose_user_voice(seed=1000 + i, slot=i) for i in range(40)] == choices
    third = VoicePolicy(user_voices=voices.user_voices, target_female_share=0.3)
    assert sum(third.choose_user_voice(seed=i, slot=i).gender == "female" for i in range(100)) == 30


def test_a_piper_onnx_a_user_has_is_added_from_a_voices_file(tmp_path):
    from synth_assets.tts.engines import VoiceUnavailable, joe_model_path

    try:
        onnx = joe_model_path()  # stands in for any .onnx (with its .onnx.json) a user downloaded
    except VoiceUnavailable:
        pytest.skip("the piper extra is not installed")
    file = tmp_path / "voices.json"
    file.write_text(json.dumps([{"id": "my-piper", "engine": "piper", "model": str(onnx), "gender": "male",
                                 "accent": "en-US", "license": "MIT"}]))
    try:
        (voice,) = register_voices_file(file)
        assert voice.sample_rate == 22_050 and is_available("my-piper")
    finally:
        REGISTRY.pop("my-piper", None)


def test_a_voice_needs_a_known_engine_and_gender():
    with pytest.raises(ValueError, match="engine"):
        register(Voice("x", "festival", "female", "en-US", 16000, "?", None))
    with pytest.raises(ValueError, match="gender"):
        register(Voice("x", "command", "robot", "en-US", 16000, "?", None, command=("true",)))
    assert "x" not in REGISTRY


