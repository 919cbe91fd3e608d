"""Safety refusal and false-premise dialogue scripts."""

from __future__ import annotations

import json
import re

from synth_assets.core.records import Segment, stable_id
from synth_assets.dialogues.scripts import CATEGORIES, false_premise_scripts, safety_scripts


def segment(text: str, index: int = 0, role: str = "narration") -> Segment:
    return Segment(id=f"seg-{index}", parent_id="doc-1", stage="text_segments", source="wikipedia",
                   snapshot="2026-11-01", role=role, position=index, text=text, words=len(text.split()),
                   license="CC-BY-SA-4.0")


# --- safety --------------------------------------------------------------------------------------

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


# --- false premise -------------------------------------------------------------------------------

FACTS = [
    "The Eiffel Tower was completed in 1889 for the World's Fair.",
    "The city has a population of 2,148,271 people according to the census.",
    "The main bridge is about 3.5 km long and quite narrow.",
    "Nothing in this sentence has any number at all.",
]


def test_false_premise_alters_the_fact_and_corrects_it_with_the_original():
    scripts = false_premise_scripts([segment(t, i) for i, t in enumerate(FACTS)], max_count=10)
    assert [s.parent_id for s in scripts] == ["seg-0", "seg-1", "seg-2"]
    for script in scripts:
        params = json.loads(script.params)
        original, altered = params["original"], params["altered"]
        source = FACTS[int(script.parent_id.split("-")[1])]
        assert altered != original and original in source
        assert script.kind == "false_premise"
        assert script.id == stable_id("dialogue", "false_premise", script.parent_id, altered)
        question, answer = script.turns
        assert (question.role, answer.role) == ("user", "assistant")
        assert altered in question.text and original not in question.text
        assert source in answer.text


def test_altered_values_stay_in_range():
    scripts = false_premise_scripts([segment(t, i) for i, t in enumerate(FACTS[:3])], max_count=10)
    values = [json.loads(s.params) for s in scripts]
    year = values[0]
    assert 1 <= abs(int(year["altered"]) - int(year["original"])) <= 5
    for value in values[1:]:
        original, altered = (float(value[k].replace(",", "")) for k in ("original", "altered"))
        assert 0.5 * original <= altered <= 1.5 * original + 1
    assert re.fullmatch(r"\d{1,3}(,\d{3})+", values[1]["altered"])  # keeps thousands separators
    assert re.fullmatch(r"\d\.\d", values[2]["altered"])  # keeps one decimal


def test_false_premise_is_deterministic_skips_turns_and_respects_max_count():
    segments = [segment(t, i) for i, t in enumerate(FACTS)]
    assert [s.to_row() for s in false_premise_scripts(segments, max_count=10)] == \
        [s.to_row() for s in false_premise_scripts(segments, max_count=10)]
    assert len(false_premise_scripts(segments, max_count=2)) == 2
    assert false_premise_scripts([segment(FACTS[0], role="assistant")], max_count=5) == []
    assert false_premise_scripts([segment("Was it built in 1889 or later than that?")], max_count=5) == []
