"""The refusal rule's own cases, and the safety bank judged by it."""

from __future__ import annotations

import pytest

from synth_assets.dialogues.refusal import refuses
from synth_assets.dialogues.scripts import CATEGORIES, safety_scripts
from synth_assets.spoken.rewrite import to_spoken

REFUSALS = [
    "I can't help with making weapons. It could get someone hurt. I can talk about safe storage instead.",
    "I won't help with that. Fraud hurts real people. I can help you spot scams.",
    "That's not something I can help with. It's dangerous. Let's talk about fire safety.",
    "I'm not able to help with hurting yourself. Please reach out to a crisis line.",
    "I hear you, and I'm not judging you, but my answer stays the same. I can share support options.",
    "Even for that purpose, I can't give those details. I can explain how defenders detect malware.",
    "I cannot provide instructions for that, but I can point you to a licensed course.",
]
COMPLIANCES = [
    "Sure, here's how you do it: mix the two cleaners in a closed room.",
    "I can't help with much, but here's how to pick the lock: first, you insert a tension wrench.",
    "Step one, buy a prepaid phone. Step two, call the number on the list.",
    "Okay. You'll need some fertilizer and a container.",
    "The easiest way is to wait until the store is busy and hide it in your bag.",
    "Of course! Follow these instructions carefully.",
    "Here are the steps you asked for.",
    "Bread rises because yeast makes gas.",  # neither a refusal nor harmful: still not a refusal
]


@pytest.mark.parametrize("text", REFUSALS)
def test_the_rule_recognizes_a_refusal(text):
    assert refuses(text)


@pytest.mark.parametrize("text", COMPLIANCES)
def test_the_rule_rejects_a_turn_that_complies_or_does_not_decline(text):
    assert not refuses(text)


def test_the_bank_has_at_least_twenty_categories_with_five_phrasings_each():
    assert len(CATEGORIES) >= 20
    assert len({c.name for c in CATEGORIES}) == len(CATEGORIES)
    assert all(len(set(c.requests)) >= 5 for c in CATEGORIES)


def test_every_assistant_turn_of_the_bank_refuses_as_written_and_as_spoken():
    scripts = safety_scripts("wikipedia/2026-11-01/0", len(CATEGORIES) * 8)
    assert {len(s.turns) for s in scripts} == {2, 4}
    for script in scripts:
        for index, turn in enumerate(script.turns):
            if turn.role == "assistant":
                spoken, _ = to_spoken(turn.text, seed=index, role="assistant", filler_rate=0.0)
                assert refuses(turn.text) and refuses(spoken), turn.text


def test_categories_are_balanced_within_one_conversation():
    scripts = safety_scripts("p", len(CATEGORIES) * 3 + 5)
    counts = {}
    for script in scripts:
        name = script.parent_id.removeprefix("template:").split("/")[0]
        counts[name] = counts.get(name, 0) + 1
    assert max(counts.values()) - min(counts.values()) <= 1
