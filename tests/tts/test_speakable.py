"""Speech domain logic without models: packing, the voice policy, text and audio guards, the gender check."""

from __future__ import annotations

import pytest

from synth_assets.tts.speakable import Unspeakable, clean_for_speech


@pytest.mark.parametrize("text, reason", [
    ("  \u200b ... ♪♪ \x07 ", "empty after cleaning"),
    ("这是一个无法用英语声音朗读的句子", "unsupported characters"),
    ("word " * 1500, "too long for one clip"),
])
def test_text_a_voice_cannot_speak_is_refused_with_a_reason(text, reason):
    with pytest.raises(Unspeakable, match=reason):
        clean_for_speech(text)


def test_speakable_text_is_cleaned_not_refused():
    assert clean_for_speech("Café\tprices ★ rose\x00 again!  ") == "Café prices rose again!"


