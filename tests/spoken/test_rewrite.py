"""Segmentation, verbalization and the spoken-form rewrite."""

from __future__ import annotations

import json
import re

import pytest

from synth_assets.core.records import Segment, seed_from_id, stable_id
from synth_assets.spoken.rewrite import REWRITER_VERSION, DropText, spoken_text_record, to_spoken
from synth_assets.spoken.verbalize import verbalize

# --- segmentation --------------------------------------------------------------------------------


# --- verbalization -------------------------------------------------------------------------------

VERBALIZED = [
    ("It has 1,234 people.", "It has one thousand two hundred thirty-four people."),
    ("It was -5 outside.", "It was minus five outside."),
    ("Pi is 3.14.", "Pi is three point one four."),
    ("the 1st and 22nd", "the first and twenty-second"),
    ("In 1998 he left.", "In nineteen ninety-eight he left."),
    ("In 2005 too.", "In two thousand five too."),
    ("the 1900s", "the nineteen hundreds"),
    ("the 1980s", "the nineteen eighties"),
    ("a 25% rise", "a twenty-five percent rise"),
    ("It costs $5.", "It costs five dollars."),
    ("It costs $3.50.", "It costs three dollars and fifty cents."),
    ("£20", "twenty pounds"),
    ("€1.2 million", "one point two million euros"),
    ("$1", "one dollar"),
    ("5 km", "five kilometers"),
    ("1 km", "one kilometer"),
    ("10kg", "ten kilograms"),
    ("30°C", "thirty degrees Celsius"),
    ("100 km/h", "one hundred kilometers per hour"),
    ("60 mph", "sixty miles per hour"),
    ("250 ml", "two hundred fifty milliliters"),
    ("1/2 cup", "one half cup"),
    ("3/4 of them", "three quarters of them"),
    ("2/3 of them", "two thirds of them"),
    ("at 10:30", "at ten thirty"),
    ("at 9:05 a.m. on Monday", "at nine oh five AM on Monday"),
    ("at 3 pm.", "at three PM."),
    ("from 1990–1995", "from nineteen ninety to nineteen ninety-five"),
    ("5-10 people", "five to ten people"),
    ("Dr. Smith and Mrs. Jones", "Doctor Smith and Missus Jones"),
    ("Mrs Dalloway met Dr Watson and Mr Brown.", "Missus Dalloway met Doctor Watson and Mister Brown."),
    ("fruit, e.g. apples, i.e. food", "fruit, for example apples, that is food"),
    ("apples, pears, etc.", "apples, pears, et cetera."),
    ("cats vs. dogs in the U.S. Army", "cats versus dogs in the U S Army"),
    ("R&D", "R and D"),
    ("1 + 1 = 2", "one plus one equals two"),
    ("me@home", "me at home"),
    ("#1 hit", "number one hit"),
    ("MP3 player", "MP three player"),
]


@pytest.mark.parametrize("written, spoken", VERBALIZED)
def test_verbalize(written, spoken):
    assert verbalize(written) == spoken


def test_verbalize_leaves_no_digits_or_plain_words():
    assert verbalize("Nothing to change here.") == "Nothing to change here."
    assert not re.search(r"\d", verbalize("On 4th July 1776, 56 men paid $2.5 million for 3/4 of 12 km."))


# --- spoken form ---------------------------------------------------------------------------------

WRITTEN = ("- The **tower** (finished in 1889) is 330 m tall. It was built by Gustave Eiffel's company; "
           "it took two years. Visitors climb it every day. See <https://example.org> for more. "
           "It is painted every 7 years.")


def test_rewrite_steps_are_applied_and_recorded_in_order():
    spoken, operations = to_spoken(WRITTEN, seed=1, filler_rate=0.0)
    assert spoken.startswith("The tower is three hundred thirty meters tall.")
    assert "1889" not in spoken and "(" not in spoken and "*" not in spoken and "http" not in spoken
    assert operations == ["strip_markup", "drop_list_markers", "drop_parentheses", "verbalize",
                          "normalize_punctuation"]
    assert not re.search(r"\d", spoken)


def test_no_fillers_at_rate_zero():
    spoken, operations = to_spoken(WRITTEN, seed=123, filler_rate=0.0)
    assert not any(op.startswith("add_filler") for op in operations)
    assert not re.search(r"\b(um|uh|so|well|okay)\b", spoken, re.I)


def test_fillers_are_deterministic_for_a_seed_and_recorded():
    first = to_spoken(WRITTEN, seed=7, filler_rate=0.8, role="user")
    assert first == to_spoken(WRITTEN, seed=7, filler_rate=0.8, role="user")
    spoken, operations = first
    fillers = [op for op in operations if op.startswith("add_filler:")]
    assert fillers
    sentences = [int(op.rsplit("@", 1)[1]) for op in fillers]
    assert len(sentences) == len(set(sentences))  # at most one filler per sentence
    for op in fillers:
        assert op.split(":")[1].split("@")[0].lower() in spoken.lower()
    different = {to_spoken(WRITTEN, seed=s, filler_rate=0.8)[0] for s in range(10)}
    assert len(different) > 1


def test_every_sentence_with_a_safe_place_gets_a_filler_at_rate_one():
    # "Visitors climb it every day." (sentence 2) has no clause start, and nothing in the text tells
    # whether "Visitors" is a name: a filler before it would leave its case wrong, so it gets none.
    _, operations = to_spoken(WRITTEN, seed=3, filler_rate=1.0, role="assistant")
    assert [op.rsplit("@", 1)[1] for op in operations if op.startswith("add_filler")] == \
        ["0", "1", "3", "4"]


def test_hey_only_opens_user_turns():
    for seed in range(40):
        _, operations = to_spoken(WRITTEN, seed=seed, filler_rate=1.0, role="narration")
        assert not any(op.startswith("add_filler:hey") for op in operations)
        _, operations = to_spoken(WRITTEN, seed=seed, filler_rate=1.0, role="user")
        assert all(op.endswith("@0") for op in operations if op.startswith("add_filler:hey"))


@pytest.mark.parametrize("text", ["", "   ", "(an aside only)", "**  **", "<https://example.org>"])
def test_empty_after_rewrite_raises(text):
    with pytest.raises(DropText):  # EmptyAfterRewrite, or NotProse for symbol soup
        to_spoken(text, seed=0)


def test_spoken_text_record_lineage():
    segment = Segment(id="seg-abc", parent_id="doc-1", stage="text_segments", source="wikipedia",
                      snapshot="2026-11-01", role="assistant", position=3, text="It costs $5 (roughly).",
                      words=4, license="CC-BY-SA-4.0")
    record = spoken_text_record(segment, filler_rate=0.0)
    seed = seed_from_id("seg-abc", "fillers")
    assert record.id == stable_id("spoken_text", "seg-abc", 0.0, REWRITER_VERSION)
    assert (record.parent_id, record.stage, record.role, record.license) == (
        "seg-abc", "spoken_text", "assistant", "CC-BY-SA-4.0")
    assert json.loads(record.params) == {"rewriter": "rules", "version": REWRITER_VERSION,
                                         "filler_rate": 0.0, "seed": seed}
    assert record.text == "It costs five dollars."
    assert record.written == segment.text
    assert record.operations == ["drop_parentheses", "verbalize"]
    assert spoken_text_record(segment, filler_rate=0.0) == record
