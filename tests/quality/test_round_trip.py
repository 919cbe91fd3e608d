"""The round-trip WER forgives a proper name heard as a sound-alike, and nothing else. The transcripts are
what Whisper tiny.en wrote for real Wikipedia sentences spoken by the fast pool's voices."""

from __future__ import annotations

from quality.metrics import ROUND_TRIP_METHOD, round_trip, sounds_alike, wer


def test_names_whisper_cannot_spell_are_forgiven_when_they_sound_right():
    said = ("The prophet Calchas correctly determines the source of the troubles. Achilles does so and "
            "Calchas declares Chryseis must be returned to her father.")
    heard = ("The Prophet Calchus correctly determines the source of the troubles. Achilles does so and "
             "Calchus declares Chrisus must be returned to her father.")
    result = round_trip(said, heard)
    assert result.exact_wer == wer(said, heard) > 0.1
    assert result.wer == 0.0 and result.method == ROUND_TRIP_METHOD
    assert result.names_forgiven == ("calchas=calchus", "calchas=calchus", "chryseis=chrisus")


def test_a_name_heard_as_several_words_counts_as_one_word_heard():
    result = round_trip("Agamemnon refuses, and Telephus held Orestes for ransom.",
                        "A Gomemnon refuses, and Telafus held or Estes for ransom.")
    assert result.wer == 0.0 and result.exact_wer > 0.3
    assert result.names_forgiven == ("agamemnon=a gomemnon", "telephus=telafus", "orestes=or estes")


def test_common_words_and_names_heard_as_something_else_still_count():
    said = "Thetis tried to make him immortal by dipping him in the river."
    heard = "Feed us tried to make him a moral by dipping him in the river."  # Thetis lost, immortal misheard
    result = round_trip(said, heard)
    assert result.wer == result.exact_wer > 0.2 and result.names_forgiven == ()
    assert not sounds_alike("hector", ["his", "hector"])  # words beside a name heard right are errors
    assert round_trip("The ship sailed to Troy.", "The ship sailed to Troy.").wer == 0.0


def test_whisper_normaliser_slips_are_mended_on_both_sides():
    assert wer("from up to zero point nine for fresh snow", "from up to 0 .9 for fresh snow") == 0.0
    assert wer("by the ninth century", "by the 9th century") == 0.0
    assert wer("one point five metres", "1.5 metres") == 0.0
