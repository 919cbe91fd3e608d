"""Nothing unspeakable reaches TTS: editorial brackets, foreign script, phonetic transcriptions and
stray punctuation are resolved, and a row that still holds digits, brackets, markup or another
script is dropped with its reason."""

from __future__ import annotations

import pytest

from synth_assets.spoken.rewrite import Unspeakable, to_spoken
from synth_assets.spoken.speakable import unspeakable, unspeakable_excerpt


def spoken(text: str) -> str:
    return to_spoken(text, seed=0, filler_rate=0.0)[0]


@pytest.mark.parametrize("written, said", [
    ("This period [the 1890s] was calm.", "This period the eighteen nineties was calm."),
    ("They sought to uphold[ing] the law.", "They sought to upholding the law."),
    ("[T]he movement grew.", "The movement grew."),
    ("The state [sic] is an evil.", "The state is an evil."),
    ("It spread widely [citation needed] in France.", "It spread widely in France."),
    ("He wrote that [...] property is theft.", "He wrote that property is theft."),
    ("The word[a] is old.", "The word is old."),
])
def test_editorial_brackets_keep_the_inserted_words_and_drop_the_notes(written, said):
    assert spoken(written) == said


@pytest.mark.parametrize("written, said, operation", [
    ("It comes from the Greek ἀναρχία, meaning without rulers.",
     "It comes from the Greek anarchia, meaning without rulers.", "transliterate_greek_cyrillic"),
    ("The capital is Москва on old maps.", "The capital is Moskva on old maps.", "transliterate_greek_cyrillic"),
    ("The city of 東京 is large.", "The city of is large.", "drop_foreign_script"),
])
def test_foreign_script_is_transliterated_or_dropped_with_a_recorded_operation(written, said, operation):
    text, operations = to_spoken(written, seed=0, filler_rate=0.0)
    assert text == said
    assert operation in operations


@pytest.mark.parametrize("written, said", [
    ("also called atypical autism) is diagnosed late.", "also called atypical autism is diagnosed late."),
    ("They rose to revolt.. France's army came.", "They rose to revolt. France's army came."),
    ("Anarchism /ˈænərkɪzəm/ is a philosophy.", "Anarchism is a philosophy."),
    ("Save in a 401(k) plan.", "Save in a four oh one k plan."),
    ("Smith* won the prize †.", "Smith won the prize."),
])
def test_stray_punctuation_and_transcriptions_are_cleaned(written, said):
    assert spoken(written) == said


@pytest.mark.parametrize("written", [
    "Solve \\frac{a}{b} for the ratio.",
    "The array {a | b} is used here.",
])
def test_a_row_still_holding_something_unspeakable_is_dropped_with_an_example(written):
    with pytest.raises(Unspeakable, match="unspeakable after rewrite"):
        to_spoken(written, seed=0)


def test_unspeakable_names_digits_brackets_markup_and_other_scripts():
    assert unspeakable("Plain words, with 'quotes' and a dash - here.") == []
    assert unspeakable("Café crème in Zürich.") == []  # accented Latin is speakable
    assert unspeakable("It has 3 parts [a] and α <b>") == ["3", "[", "]", "α", "<", ">"]
    assert unspeakable_excerpt("The period [the") == "'[' in 'The period [the'"
    assert unspeakable_excerpt("Nothing wrong.") == ""


def test_a_segment_whose_spoken_form_would_not_fit_one_clip_is_dropped_with_its_reason():
    from synth_assets.core.records import Segment
    from synth_assets.spoken.rewrite import MAX_SPOKEN_WORDS, TooLongToSay, spoken_text_record

    written = "The readings were " + ", ".join(["2093 J⋅kg−1⋅K−1"] * 10) + "."
    segment = Segment(id="seg-long", parent_id="doc", stage="text_segments", params="{}", source="wikipedia",
                      snapshot="2026-11-01", role="narration", position=0, text=written,
                      words=len(written.split()), license="CC-BY-SA-4.0")
    assert segment.words < 40
    with pytest.raises(TooLongToSay, match=f"over {MAX_SPOKEN_WORDS}"):
        spoken_text_record(segment, filler_rate=0.0)
