"""A voice that breaks mid-partition (it goes silent) fails tts_audio's blocking check, and the check names
that voice; one odd clip of a healthy voice does not fail its partition."""

from __future__ import annotations

import textwrap

import pytest
from conftest import python_voices
from dagster import materialize

from resources.storage import LocalStorage
from resources.voices import TTSVoices
from synth_assets.assets.speech import tts_audio
from tests.helpers import stored_spoken_text

KEY = "tests/2026-11-01/broken.jsonl"
# Speaks a tone, until the text holds a word above 20: then silence, as an engine whose model went bad.
FAILING_ENGINE = textwrap.dedent("""\
    import numpy as np

    def load(threads):
        def speak(text, speed, seed, **variation):
            t = np.arange(int(16000 * 1.2)) / 16000
            tone = (0.3 * np.sin(2 * np.pi * (150 + seed % 150) * t)).astype(np.float32)
            number = int(text.split()[2])
            return (tone * 0 if number > 20 else tone), 16000
        return speak
""")


@pytest.fixture
def voices(tmp_path):
    with python_voices(tmp_path, "breaks", FAILING_ENGINE, (("female", "female"), ("male", "male"),
                                                             ("assistant", "female"))) as ids:
        yield ids


def run(tmp_path, voices, count: int):
    store = LocalStorage(root=str(tmp_path / "data"))
    instance = stored_spoken_text(store, KEY, count)
    pool = TTSVoices(user_voices=voices[:2], assistant_voice=voices[2], workers=1)
    result = materialize([tts_audio], partition_key=KEY, instance=instance, resources={"store": store, "voices": pool},
                         raise_on_error=False)
    (check,) = result.get_asset_check_evaluations()
    return check


def test_a_voice_that_goes_silent_mid_partition_fails_the_check_that_names_it(tmp_path, voices):
    check = run(tmp_path, voices, 40)  # from the 22nd clip on, both voices are silent
    assert not check.passed
    report = check.metadata["report"].value
    assert "voice_fault" in report and "test-breaks-female: " in report and "silent or overloud" in report


def test_one_silent_clip_of_a_healthy_voice_passes(tmp_path, voices):
    check = run(tmp_path, voices, 22)  # only clip 21 is silent
    assert check.passed
