"""Fillers go where people put them, in a register that fits, with the next word's case right;
user turns can hesitate and repair themselves."""

from __future__ import annotations

import random
import re

from synth_assets.spoken.fillers import add_fillers, add_hesitations, first_word_case, placements
from synth_assets.spoken.rewrite import to_spoken

CASUAL = {"okay", "so", "like", "you know", "hey", "well", "now", "i mean"}


def _fillers(operations):
    return [op.split(":")[1].split("@")[0] for op in operations if op.startswith("add_filler:")]


def test_a_sentence_about_a_death_or_an_attack_never_gets_a_casual_filler():
    text = "A bomb was thrown by an unknown party near the end of the rally. Seven officers died of wounds."
    for seed in range(60):
        _, operations = to_spoken(text, seed=seed, filler_rate=1.0, role="assistant")
        assert not CASUAL & set(_fillers(operations))


def test_after_an_opening_filler_a_common_word_is_lower_cased_and_a_name_keeps_its_capital():
    text = "The alloy is hard. It was made by Godwin in the north, and Godwin sold it."
    spoken, _ = add_fillers(text, random.Random(0), 1.0, "narration")
    first, _ = re.split(r"(?<=\.)\s", spoken)
    assert re.match(r"^[A-Z][a-z ]*, the alloy is hard\.$", first)
    assert first_word_case("Godwin sold it.", text) == "keep"
    assert first_word_case("The alloy is hard.", text) == "lower"


def test_a_capitalised_word_the_text_cannot_place_gets_no_filler_before_it():
    text = "Brass, an alloy of copper and zinc, is used for locks and gears."
    assert first_word_case(text, text) is None
    assert placements(text, text) == []
    spoken, operations = add_fillers(text, random.Random(1), 1.0, "narration")
    assert spoken == text and operations == []


def test_a_capitalised_word_seen_in_lower_case_elsewhere_is_lower_cased():
    text = "Brass is an alloy of copper and zinc. Many locks are made of brass."
    assert first_word_case(text.split(". ")[0], text) == "lower"


def test_fillers_inside_a_sentence_only_open_a_clause_after_its_conjunction():
    text = "The river rose quickly in spring, and the town built a wall to hold it back."
    for seed in range(40):
        spoken, _ = add_fillers(text, random.Random(seed), 1.0, "user")
        if spoken.startswith("The river"):  # placed inside: right after ", and"
            assert re.search(r"spring, and, (um|uh|you know|like), the town", spoken), spoken


def test_no_filler_splits_a_noun_phrase():
    text = "The old stone bridge over the wide river was rebuilt after the flood of that year."
    for seed in range(40):
        spoken, _ = add_fillers(text, random.Random(seed), 1.0, "user")
        assert spoken.endswith("the old stone bridge over the wide river was rebuilt after the flood of that year.") \
            or spoken == text


def test_user_turns_can_hesitate_and_repair_themselves_and_the_choice_is_recorded():
    text = "I think the recipe needs more salt, and the oven was too hot."
    seen = set()
    for seed in range(30):
        spoken, operations = add_hesitations(text, random.Random(seed), 1.0)
        [operation] = operations
        kind, word = operation.split(":")[1:3]
        seen.add(kind)
        word = word.split("@")[0]
        pattern = rf"\b{word}, {word}\b" if kind == "repeat" else rf"\b{word}, uh, {word}\b"
        assert re.search(pattern, spoken, re.IGNORECASE), (operation, spoken)
    assert seen == {"repeat", "repair"}


def test_hesitations_are_only_for_user_turns_and_off_by_default():
    text = "I think the recipe needs more salt, and the oven was too hot."
    _, operations = to_spoken(text, seed=4, filler_rate=0.0, role="assistant", hesitation_rate=1.0)
    assert not any(op.startswith("add_hesitation") for op in operations)
    _, operations = to_spoken(text, seed=4, filler_rate=0.0, role="user")
    assert not any(op.startswith("add_hesitation") for op in operations)
    _, operations = to_spoken(text, seed=4, filler_rate=0.0, role="user", hesitation_rate=1.0)
    assert any(op.startswith("add_hesitation") for op in operations)


def test_a_filler_never_lands_after_an_initial_or_circa_as_if_a_sentence_had_ended():
    text = "The earliest objects were dated to c. 4650 BC by J. Smith and his team in the field."
    for seed in range(30):
        spoken, _ = to_spoken(text, seed=seed, filler_rate=1.0, role="narration")
        assert re.search(r"circa forty-six fifty BC by J\.? Smith and his team", spoken), spoken


def test_a_conversation_never_opens_on_a_filler_and_i_mean_never_opens_a_turn():
    text = "Can you tell me why the sky is blue? I want to explain it to my son."
    for seed in range(60):
        first, _ = add_fillers(text, random.Random(seed), 1.0, "user", first_words=False)
        assert first.startswith("Can you"), first
        later, _ = add_fillers(text, random.Random(seed), 1.0, "user")
        assert not later.lower().startswith("i mean,"), later


def test_no_filler_comes_before_a_question_tag():
    text = "The Danube begins in the Black Forest. Is that right?"
    for seed in range(60):
        said, _ = add_fillers(text, random.Random(seed), 1.0, "user")
        assert said.endswith(" Is that right?"), said
