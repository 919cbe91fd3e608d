"""The dialogue stages steer toward the conversation mix: safety conversations fill their share beside
the partition's other conversations, and each partition's voice rotation starts where its draw says."""

from __future__ import annotations

import pytest

from synth_assets.core import names, parts
from synth_assets.core.mix import MixTargets, first_slot
from synth_assets.core.stage_run import StageRun
from synth_assets.core.storage import LocalStore
from synth_assets.dialogues import render
from synth_assets.tts.policy import VoicePolicy

PARTITION = "alpaca/2026-11-01/alpaca.json"
MIX = MixTargets(safety=0.2, false_premise=0.2, instruction=0.45, clarification=0.15)


@pytest.fixture
def policy(tone_voices):
    female, male, assistant = tone_voices
    return VoicePolicy(user_voices=(female, male), assistant_voice=assistant, workers=1)


def stored_conversations(store, asset: str, count: int) -> None:
    parts.write_parts(store, asset, PARTITION, [{"id": f"{asset}-{i}"} for i in range(count)],
                      fingerprint_value="fixture")


def test_safety_conversations_are_the_mix_share_of_the_partitions_conversations(tmp_path, policy):
    store = LocalStore(tmp_path / "data")
    stored_conversations(store, names.INSTRUCTION_DIALOGUES, 5)
    stored_conversations(store, names.FALSE_PREMISE_DIALOGUES, 3)
    rows = list(render.safety_dialogues(StageRun(names.SAFETY_DIALOGUES, PARTITION, "run", "v"), store, PARTITION,
                                        MIX, policy))
    assert [r["kind"] for r in rows] == ["safety", "safety"]  # 2 of 10 conversations
    assert sorted(r["user_gender"] for r in rows) == ["female", "male"]


def test_a_partition_without_other_conversations_gets_no_safety_conversation(tmp_path, policy):
    stage = StageRun(names.SAFETY_DIALOGUES, PARTITION, "run", "v")
    assert list(render.safety_dialogues(stage, LocalStore(tmp_path / "data"), PARTITION, MIX, policy)) == []


def test_partitions_start_their_voice_rotation_with_either_gender_alike(policy):
    """A partition with an odd count has one conversation over its share: it must not always be male."""
    firsts = [policy.choose_user_voice(0, first_slot(f"wikipedia/2026-11-01/slice-{i}")).gender for i in range(400)]
    assert firsts.count("female") / len(firsts) == pytest.approx(0.5, abs=0.06)
    assert policy.choose_user_voice(0, 0).gender == "male"  # what every partition began with before


def test_a_partition_draws_safety_requests_that_earlier_partitions_did_not(tmp_path):
    from synth_assets.dialogues.scripts import safety_scripts

    store = LocalStore(tmp_path / "data")
    first = safety_scripts("alpaca/2026-11-01/a.json", 12)
    parts.write_parts(store, names.SAFETY_DIALOGUES, "alpaca/2026-11-01/a.json",
                      [{"id": s.id, "params": s.params} for s in first], fingerprint_value="fixture")
    earlier = render.earlier_safety(store, "alpaca/2026-11-01/b.json")
    assert list(earlier) == ["alpaca/2026-11-01/a.json"]
    assert render.earlier_safety(store, "alpaca/2026-11-01/0.json") == {}  # only partitions that sort before
    used = render.used_requests(store, earlier)
    assert used == {s.parent_id.removeprefix("template:") for s in first}
    second = safety_scripts("alpaca/2026-11-01/b.json", 12, used)
    assert not {s.parent_id.removeprefix("template:") for s in second} & used
