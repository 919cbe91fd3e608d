"""Clarification conversations: a misheard or cut-off question, then a check or a request to repeat,
the user's confirmation or repeat, then the answer; each asks its own question."""

from __future__ import annotations

import json

import pytest

from synth_assets.core.mix import MixTargets
from synth_assets.dialogues.clarification import clarification_script
from synth_assets.dialogues.instructions import instruction_script
from synth_assets.dialogues.render import clarification_start, rotation_pick, with_clarifications


def instruction(question: str, answer: str, id_: str):
    return instruction_script({"id": id_, "kind": "ultrachat", "text": f"USER: {question}\n\nASSISTANT: {answer}",
                               "source": "ultrachat", "snapshot": "2026-11-01", "license": "MIT"})


def test_a_misheard_word_is_checked_and_the_answer_waits_for_the_users_confirmation():
    seen = set()
    for index in range(12):
        source = instruction("How do I keep bread fresh?", "Keep it in a cloth bag.", f"doc-{index}")
        script = clarification_script(source)
        detail = json.loads(script.params)["clarification"]
        seen.add(detail["garble"])
        assert script.kind == "clarification" and script.parent_id == source.parent_id
        if detail["garble"] == "misheard":
            question, check, confirm, answer = (t.text for t in script.turns)
            assert "bed" in question and "bread" not in question
            assert "bread" in check and check.endswith("?")
            assert "bread" in confirm and [t.role for t in script.turns] == ["user", "assistant"] * 2
            assert answer == "Keep it in a cloth bag."
        else:
            heard, ask, again, answer = (t.text for t in script.turns)
            assert heard.endswith("...") and len(heard.split()) < len(again.split())
            assert "?" in ask and again == "How do I keep bread fresh?" and answer == "Keep it in a cloth bag."
    assert seen == {"misheard", "cut_off"}


def test_a_wrong_name_is_corrected():
    for index in range(8):
        script = clarification_script(instruction("What is the best season to visit Paris?", "Spring is lovely.",
                                                  f"doc-{index}"))
        if json.loads(script.params)["clarification"]["garble"] == "wrong_name":
            assert "Harris" in script.turns[0].text and "Paris" in script.turns[1].text
            assert "Paris" in script.turns[2].text and script.turns[3].text == "Spring is lovely."
            return
    raise AssertionError("no wrong-name clarification drawn in 8 tries")


def test_the_clarification_share_is_a_rotation_within_one_of_the_target():
    scripts = [instruction("What is rain?", "Water from clouds.", f"doc-{i}") for i in range(14)]
    made = list(with_clarifications(iter(scripts), 10, 0.3))
    assert sum(s.kind == "clarification" for s in made) == 3
    assert sum(s.kind == "instruction" for s in made) == 10
    asked = {s.parent_id for s in made if s.kind == "instruction"}
    assert not asked & {s.parent_id for s in made if s.kind == "clarification"}  # its own question
    assert [rotation_pick(i, 0.5) for i in range(4)] == [False, True, False, True]


def test_a_start_drawn_per_partition_keeps_the_clarification_share_across_many_small_partitions():
    scripts = [instruction("What is rain?", "Water from clouds.", f"doc-{i}") for i in range(4)]
    share = MixTargets().clarifications_per_instruction  # a third: a two-instruction partition rounds down alone
    made = [sum(s.kind == "clarification" for s in with_clarifications(
                iter(scripts), 2, share, clarification_start(f"alpaca/2026-11-01/part-{p}.json")))
            for p in range(300)]
    assert set(made) == {0, 1}
    assert sum(made) / (2 * len(made)) == pytest.approx(share, abs=0.04)


def test_sound_alike_pairs_are_refused_and_the_table_holds_none():
    from synth_assets.dialogues.clarification import MISHEARD, WRONG_NAMES, _swap, sounds_alike

    assert _swap("Can you write a poem?", {"write": "right"}) is None
    assert not [pair for table in (MISHEARD, WRONG_NAMES) for pair in table.items() if sounds_alike(*pair)]
