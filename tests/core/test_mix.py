"""The conversation mix: targets read from SYNTH_CONVERSATION_MIX, refused with the reason when they
cannot be a mix, and the seeded rounding the dialogue stages steer their counts with."""

from __future__ import annotations

import pytest

from synth_assets import settings
from synth_assets.core.mix import MixError, MixTargets, seeded_round

PARTITIONS = [f"wikipedia/2026-11-01/slice-{i:04d}" for i in range(2000)]


def test_the_setting_reads_every_kind_share_from_the_environment(monkeypatch):
    monkeypatch.setenv("SYNTH_CONVERSATION_MIX", "safety=0.1, false_premise=0.2,instruction=0.4,clarification=0.3")
    mix = settings.conversation_mix()
    assert mix.shares() == {"safety": 0.1, "false_premise": 0.2, "instruction": 0.4, "clarification": 0.3}
    assert mix.clarifications_per_instruction == pytest.approx(0.75)


def test_without_the_setting_the_default_mix_sums_to_one(monkeypatch):
    monkeypatch.delenv("SYNTH_CONVERSATION_MIX", raising=False)
    assert settings.conversation_mix() == MixTargets()
    assert sum(MixTargets().shares().values()) == pytest.approx(1.0)


@pytest.mark.parametrize(("text", "reason"), [
    ("safety=0.2,false_premise=0.2,instruction=0.45", "missing clarification"),
    ("safety=0.2,false_premise=0.2,instruction=0.45,clarification=0.3", "sum to 1.150"),
    ("safety=0.2,chitchat=0.2,instruction=0.45,clarification=0.15", "'chitchat' is unknown"),
    ("safety=lots,false_premise=0.2,instruction=0.45,clarification=0.15", "is not a number"),
    ("safety=1,false_premise=0,instruction=0,clarification=0", "must stay under 1"),
])
def test_a_setting_that_cannot_be_a_mix_is_refused_with_the_reason(monkeypatch, text, reason):
    monkeypatch.setenv("SYNTH_CONVERSATION_MIX", text)
    with pytest.raises(MixError, match=reason):
        settings.conversation_mix()


def test_a_clarification_target_above_the_instruction_one_makes_one_per_instruction_at_most():
    over = MixTargets(safety=0.2, false_premise=0.2, instruction=0.2, clarification=0.4)
    assert over.clarifications_per_instruction == 1.0
    without = MixTargets(safety=0.5, false_premise=0.5, instruction=0.0, clarification=0.0)
    assert without.clarifications_per_instruction == 0.0


def test_seeded_rounding_is_the_same_on_a_rerun_and_cancels_out_over_many_partitions():
    counts = [seeded_round(0.75, p, "safety share") for p in PARTITIONS]
    assert set(counts) == {0, 1}
    assert counts == [seeded_round(0.75, p, "safety share") for p in PARTITIONS]
    assert sum(counts) == pytest.approx(0.75 * len(PARTITIONS), rel=0.05)  # rounding to nearest would give 2000


def test_safety_fills_its_share_beside_a_partitions_other_conversations():
    mix = MixTargets(safety=0.2, false_premise=0.2, instruction=0.45, clarification=0.15)
    assert mix.safety_count(8, "alpaca/2026-11-01/a.json") == 2  # 2 of 10
    assert mix.safety_count(0, "alpaca/2026-11-01/a.json") == 0
    made = sum(mix.safety_count(3, p) for p in PARTITIONS)
    assert made / (made + 3 * len(PARTITIONS)) == pytest.approx(0.2, abs=0.01)
