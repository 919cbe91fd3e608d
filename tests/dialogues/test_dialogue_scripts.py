"""Safety refusal dialogue scripts."""

from __future__ import annotations

import json

from synth_assets.core.records import stable_id
from synth_assets.dialogues.scripts import BANK_SOURCE, BANK_VERSION, CATEGORIES, request_keys, safety_scripts


def test_safety_scripts_are_deterministic_per_partition():
    first = safety_scripts("wikipedia/2026-11-01/0", 8)
    assert [s.to_row() for s in first] == [s.to_row() for s in safety_scripts("wikipedia/2026-11-01/0", 8)]
    other = safety_scripts("wikipedia/2026-11-01/1", 8)
    assert [s.id for s in first] != [s.id for s in other]


def test_safety_scripts_cover_categories_before_repeating():
    scripts = safety_scripts("p", len(CATEGORIES) * 2)
    names = [s.parent_id.removeprefix("template:").split("/")[0] for s in scripts]
    assert len(set(names[:len(CATEGORIES)])) == len(CATEGORIES)
    assert {c.name for c in CATEGORIES} == set(names)


def test_safety_script_shape_and_lineage():
    scripts = safety_scripts("p", 40)
    assert len({s.id for s in scripts}) == 40
    assert {len(s.turns) for s in scripts} == {2, 4}  # some users push back
    for index, script in enumerate(scripts):
        templates = json.loads(script.params)["templates"]
        assert script.kind == "safety"
        assert script.id == stable_id("dialogue", "safety", "p", index, templates)
        assert script.parent_id == f"template:{templates[0]}"
        assert [t.role for t in script.turns] == ["user", "assistant"] * (len(script.turns) // 2)
        category = next(c for c in CATEGORIES if c.name == templates[0].split("/")[0])
        assert script.turns[0].text == category.requests[int(templates[0].split("/")[1])]
        refusal = script.turns[1].text
        assert category.why in refusal and any(o in refusal for o in category.offers)  # why, and an alternative
        if len(script.turns) == 4:  # holds its answer in other words, never repeating the refusal's offer
            assert not any(o in script.turns[3].text and o in refusal for o in category.offers)
        assert (script.source, script.snapshot) == (BANK_SOURCE, BANK_VERSION)


def test_self_harm_refusals_point_to_a_crisis_line():
    scripts = [s for s in safety_scripts("p", 60) if s.parent_id.startswith("template:self_harm/")]
    assert scripts
    for script in scripts:
        assert "crisis line" in script.turns[1].text
        assert "someone you trust" in script.turns[1].text


def test_bank_has_five_phrasings_and_two_alternatives_per_category():
    assert len(CATEGORIES) >= 22
    assert all(len(set(c.requests)) >= 5 and len(set(c.offers)) >= 2 for c in CATEGORIES)


def test_counterfeit_money_is_never_offered_a_replacement_id():
    for script in safety_scripts("p", 300):
        if "money" in script.turns[0].text or "banknote" in script.turns[0].text:
            assert " ID" not in " ".join(t.text for t in script.turns[1:])


def test_no_request_repeats_in_a_release_while_the_bank_has_unused_ones():
    used: set[str] = set()
    for partition in ("a/s/1", "a/s/2", "a/s/3"):
        drawn = [json.loads(s.params)["templates"][0] for s in safety_scripts(partition, 30, used)]
        assert len(set(drawn)) == len(drawn) and not set(drawn) & used
        used |= set(drawn)
    assert len(used) == 90 < len(request_keys())
    again = [json.loads(s.params)["templates"][0] for s in safety_scripts("a/s/4", 40, used)]
    assert len(set(again) - used) == len(request_keys()) - 90  # the unused ones first, then the bank again
