"""Safety refusal dialogue scripts."""

from __future__ import annotations

import json

from synth_assets.core.records import stable_id
from synth_assets.dialogues.scripts import CATEGORIES, safety_scripts


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
        assert category.why in refusal and category.offer in refusal  # says why, offers an alternative
        if len(script.turns) == 4:
            assert category.offer in script.turns[3].text  # holds its answer


def test_self_harm_refusals_point_to_a_crisis_line():
    scripts = [s for s in safety_scripts("p", 60) if s.parent_id.startswith("template:self_harm/")]
    assert scripts
    for script in scripts:
        assert "crisis line" in script.turns[1].text
        assert "someone you trust" in script.turns[1].text


def test_bank_has_three_phrasings_per_category():
    assert len(CATEGORIES) >= 12
    assert all(len(set(c.requests)) == 3 for c in CATEGORIES)
