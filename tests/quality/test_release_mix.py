"""speech_dataset's conversation_mix check: each kind's share of the release's conversations, and the
female share of their user voices, within the tolerance and one conversation of the targets; it warns
rather than blocks, and shows target against measured."""

from __future__ import annotations

import pandas as pd
from dagster import AssetCheckSeverity

from quality.base import validate
from quality.suites import suites_for
from synth_assets.core import names

MIX = {"safety": 0.2, "false_premise": 0.2, "instruction": 0.45, "clarification": 0.15}
SETTINGS = {"conversation_mix": MIX, "target_female_share": 0.5, "mix_tolerance": 0.05}
SECONDS = {"safety": 20.0, "false_premise": 15.0, "instruction": 10.0, "clarification": 12.0}


def release(counts: dict[str, int], female: int | None = None, clips: int = 5) -> pd.DataFrame:
    """A release's metadata rows: ``counts`` conversations per kind (the first ``female`` with a
    female user voice, half by default) and some clips, which the mix leaves out."""
    kinds = [kind for kind, count in counts.items() for _ in range(count)]
    female = len(kinds) // 2 if female is None else female
    rows = [{"id": f"c{i}", "kind": kind, "duration_s": SECONDS[kind],
             "user_gender": "female" if i < female else "male"} for i, kind in enumerate(kinds)]
    rows += [{"id": f"clip{i}", "kind": "clip", "duration_s": 3.0, "user_gender": None} for i in range(clips)]
    return pd.DataFrame(rows)


def check(frame: pd.DataFrame, **settings):
    (suite,) = [s for s in suites_for(names.SPEECH_DATASET) if s.name == "conversation_mix"]
    return validate(suite, frame, {**SETTINGS, **settings})


def test_a_release_holding_its_targets_passes_and_shows_target_against_measured_by_count_and_hours():
    result = check(release({"safety": 4, "false_premise": 4, "instruction": 9, "clarification": 3}))
    assert result.passed and result.metadata["conversations"].value == 20
    table = result.metadata["mix"].value
    # Safety: 4 of 20 conversations, 80 of 266 seconds; within 5 points and one conversation (5 more).
    assert "| safety | 20.0% | 20.0% | 30.1% | 4 | 0.022 | 10.0% - 30.0% | ok |" in table
    assert "| female user voice | 50.0% | 50.0% |" in table


def test_one_conversation_off_the_best_split_is_rounding_and_passes():
    # 21 conversations: the targets ask for 4.2, 4.2, 9.45 and 3.15.
    assert check(release({"safety": 5, "false_premise": 4, "instruction": 9, "clarification": 3})).passed


def test_a_release_without_instruction_conversations_warns_naming_the_kind():
    result = check(release({"safety": 8, "false_premise": 8, "instruction": 0, "clarification": 4}))
    assert not result.passed and result.severity == AssetCheckSeverity.WARN
    assert "| is_instruction | FAILED |" in result.metadata["report"].value
    assert "| instruction | 45.0% | 0.0% |" in result.metadata["mix"].value


def test_safety_past_the_tolerance_and_one_conversation_warns():
    # 40 conversations: safety may hold 8 +- (2 + 1); 12 is one too many.
    assert check(release({"safety": 11, "false_premise": 7, "instruction": 17, "clarification": 5})).passed
    assert not check(release({"safety": 12, "false_premise": 7, "instruction": 16, "clarification": 5})).passed


def test_a_release_whose_user_voices_are_mostly_male_warns():
    counts = {"safety": 4, "false_premise": 4, "instruction": 9, "clarification": 3}
    assert not check(release(counts, female=6)).passed
    assert check(release(counts, female=6), target_female_share=0.3).passed


def test_a_release_too_small_for_the_tolerance_is_not_judged_but_shows_its_mix():
    result = check(release({"safety": 9, "false_premise": 0, "instruction": 0, "clarification": 0}))
    assert result.passed
    assert "not judged: 9 conversations" in result.metadata["mix"].value
    assert check(release({"safety": 9}), mix_tolerance=0.2).passed is False  # judged from 5 at 20 %


def test_a_release_without_conversations_passes_with_nothing_to_check():
    result = check(release({}, clips=3))
    assert result.passed and result.metadata["rows"].value == 0


def test_the_conversations_share_of_the_release_hours_is_judged_when_a_minimum_is_set():
    frame = release({"safety": 4, "false_premise": 4, "instruction": 9, "clarification": 3}, clips=20)
    # 266 s of conversations beside 60 s of clips: 81.6 % of the release's hours.
    assert check(frame).passed  # no minimum by default: shown, not judged
    assert "81.6% of the release's hours (not judged)" in check(frame).metadata["conversation_hours_share"].value
    assert check(frame, min_conversation_hours_share=0.8).passed
    short = check(release({"safety": 4, "false_premise": 4, "instruction": 9, "clarification": 3}, clips=200),
                  min_conversation_hours_share=0.4)
    assert short.passed is False and short.severity == AssetCheckSeverity.WARN
    assert "30.7% of the release's hours (at least 40%)" in short.metadata["conversation_hours_share"].value
