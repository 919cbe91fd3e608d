"""Word times from the voices themselves: hibari, Piper and Kokoro report each phoneme's duration with
the same audio they make without it; a command engine reports none."""

from __future__ import annotations

import numpy as np
import pytest

from synth_assets.dialogues.duplex import runs, speech_frames
from synth_assets.tts.durations import Timed, text_word_times, words_of_symbols
from synth_assets.tts.policy import VoicePolicy

POLICY = VoicePolicy(workers=1)
TEXT = "Keep the loaf in a cloth bag, and slice only what you need. A fridge makes bread stale."


@pytest.mark.parametrize("voice", ["hibari-heart", "piper-joe", "kokoro-kumo-deep"])
def test_a_neural_voice_times_every_word_of_the_same_audio_it_makes_untimed(voice):
    audio, timed = POLICY.synthesize_timed(voice, TEXT, seed=3)
    assert np.array_equal(audio, POLICY.synthesize(voice, TEXT, seed=3))
    words, shared = text_word_times(TEXT, timed)
    assert [w["word"] for w in words] == TEXT.split() and shared == 0
    assert all(a["end"] <= b["start"] + 1e-9 and a["start"] < a["end"] for a, b in zip(words, words[1:]))
    speech = runs(speech_frames(audio, 24_000), 0.01)
    assert abs(words[0]["start"] - speech[0][0]) < 0.1  # the first word starts where the speech does
    assert words[-1]["end"] <= audio.size / 24_000


def test_a_command_engine_reports_no_durations():
    audio, timed = POLICY.synthesize_timed("flite-slt", "Hello there.", seed=1)
    assert audio.size > 0 and timed is None


def test_words_split_at_spaces_and_end_at_their_last_sounding_phoneme():
    symbols = [("^", 100), ("h", 200), ("i", 300), (",", 400), (" ", 0), ("y", 100), ("o", 100), ("$", 500)]
    assert words_of_symbols(symbols, 1000.0) == [(0.1, 0.6), (1.0, 1.2)]


def test_a_sentence_whose_phoneme_words_do_not_line_up_shares_its_span_and_the_others_stay_exact():
    timed = Timed([("Mm-hm okay.", [(0.1, 0.5)]), ("Go on now.", [(1.0, 1.2), (1.3, 1.5), (1.6, 2.0)])])
    words, shared = text_word_times("Mm-hm okay. Go on now.", timed)
    assert shared == 2
    assert words[0]["start"] == 0.1 and words[1]["end"] == 0.5
    assert [(w["start"], w["end"]) for w in words[2:]] == [(1.0, 1.2), (1.3, 1.5), (1.6, 2.0)]
