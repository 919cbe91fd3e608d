"""A user who configures another female share gets clips drawn at that share and a passing check."""

from __future__ import annotations

from dagster import materialize

from resources.storage import LocalStorage
from resources.voices import TTSVoices
from synth_assets.assets.speech import tts_audio
from tests.helpers import stored_spoken_text
from synth_assets.core import parts

KEY = "tests/2026-11-01/share.jsonl"


def test_a_thirty_percent_target_makes_thirty_percent_female_clips_and_passes_its_check(tmp_path, tone_voices):
    store = LocalStorage(root=str(tmp_path / "data"))
    instance = stored_spoken_text(store, KEY, 60)
    voices = TTSVoices(user_voices=tone_voices[:2], assistant_voice=tone_voices[2], workers=1, target_female_share=0.3)
    result = materialize([tts_audio], partition_key=KEY, instance=instance, resources={"store": store, "voices": voices})
    assert result.success
    (check,) = result.get_asset_check_evaluations()
    assert check.passed
    genders = [r["voice_gender"] for r in parts.read_rows(store, "tts_audio", KEY, columns=["voice_gender"])]
    assert len(genders) == 60 and genders.count("female") == 18
