"""False premises: one detail of a document's fact changed (place, person, date, number), asked about
by name, and corrected with the true value, as spoken."""

from __future__ import annotations

import json
import random

import pytest

from synth_assets.core.records import Segment
from synth_assets.dialogues.false_premise import (
    Candidate,
    Detail,
    contains_words,
    false_premise_scripts,
    find_details,
    spoken_values,
)
from synth_assets.spoken.rewrite import to_spoken

FACTS = [
    "The Eiffel Tower was completed in 1889 for the World's Fair in Paris.",
    "Its iron works were made by a local smith in 1905, and cleaned a century later.",
    "The lake covers about twelve square kilometres and is very cold all year.",
    "The bridge was designed by Gustave Eiffel and opened to walkers in March.",
    "The main road is about 285 km long and quite narrow in places.",
    "The city has a population of 2,148,271 people according to the census.",
    "Nothing in this sentence has any detail worth changing at all.",
]


def segment(text: str, index: int = 0, role: str = "narration") -> Segment:
    return Segment(id=f"seg-{index}", parent_id="doc-1", stage="text_segments", source="wikipedia",
                   snapshot="2026-11-01", role=role, position=index, text=text, words=len(text.split()),
                   license="CC-BY-SA-4.0")


def scripts_and_skips(facts=FACTS, title="The tower clock"):
    skipped = []
    made = false_premise_scripts([segment(t, i) for i, t in enumerate(facts)], max_count=20,
                                 titles={"doc-1": title}, skipped=skipped)
    return made, skipped


def facts_of(script) -> dict:
    return json.loads(script.params)


def test_each_kind_of_detail_is_found():
    kinds = {d.kind for fact in FACTS for d in find_details(fact)}
    assert kinds == {"place", "person", "date", "number", "unit"}


def test_the_altered_value_is_asked_about_and_the_true_one_answered():
    made, _ = scripts_and_skips()
    assert len(made) == 5
    for script in made:
        facts = facts_of(script)
        question, answer = (t.text for t in script.turns)
        assert facts["altered"] != facts["original"]
        assert facts["sentence"][slice(*facts["span"])] == facts["original"]  # the changed span, in lineage
        assert facts["altered"] in question and facts["original"] not in question
        assert facts["original"] in answer and facts["altered"] not in answer
        assert question.endswith("?")


def test_the_question_names_its_subject_instead_of_a_pronoun():
    made, _ = scripts_and_skips()
    pronoun_fact = next(s for s in made if s.parent_id == "seg-1")
    assert "the tower clock's iron works" in pronoun_fact.turns[0].text.lower()
    assert not any(s.turns[0].text.split(" that ")[-1].startswith(("it ", "its ")) for s in made)


def test_a_dangling_pronoun_without_a_title_is_not_used():
    made, _ = scripts_and_skips([FACTS[1]], title="")
    assert made == []


def test_a_number_that_cannot_be_said_cleanly_is_skipped_with_a_reason():
    made, skipped = scripts_and_skips()
    assert "seg-5" not in {s.parent_id for s in made}
    assert [(s.id, r) for s, r in skipped] == [("seg-5", "number 2,148,271 is too large to alter and say cleanly")]


def test_the_spoken_answer_names_the_true_value_and_not_the_altered_one():
    made, _ = scripts_and_skips()
    for script in made:
        facts = facts_of(script)
        true_spoken, altered_spoken = spoken_values(Candidate(
            facts["sentence"], Detail(facts["detail"], *facts["span"], facts["original"]), facts["altered"]))
        answer = to_spoken(script.turns[1].text, seed=1, filler_rate=0.0, role="assistant")[0]
        question = to_spoken(script.turns[0].text, seed=1, filler_rate=0.0, role="user")[0]
        assert contains_words(answer, true_spoken) and not contains_words(answer, altered_spoken), answer
        assert contains_words(question, altered_spoken), question
        assert not any(ch.isdigit() for ch in answer), answer  # fully verbalized
        assert ",zero" not in answer and "one,zero" not in answer


def test_scripts_are_deterministic_and_skip_turns():
    assert [s.to_row() for s in scripts_and_skips()[0]] == [s.to_row() for s in scripts_and_skips()[0]]
    assert false_premise_scripts([segment(FACTS[0], role="assistant")], max_count=5) == []


@pytest.mark.parametrize("span, text, expected", [
    ("nineteen oh five", "It was in nineteen oh five.", True),
    ("five", "It was in nineteen oh fifty-five.", False),
    ("paris", "In Paris, France.", True),
])
def test_spoken_values_are_matched_as_whole_words(span, text, expected):
    assert contains_words(text, span) is expected


def test_an_altered_value_already_said_in_the_sentence_is_not_chosen():
    fact = "The clock strikes every hour from six in the morning until ten at night."
    for index in range(12):
        made = false_premise_scripts([segment(fact, index)], max_count=1)
        for script in made:
            altered = facts_of(script)["altered"]
            assert altered.lower() not in fact.lower().split()


def test_a_detail_in_brackets_is_not_altered_since_it_is_never_said():
    """Real biographies open "Magnar Saetre (born 1943) was a Norwegian politician": changing the year in the
    aside made a question and an answer that say the same thing, and failed the partition's check."""
    from synth_assets.dialogues.false_premise import CannotAlter, pick_fact

    aside = segment("Magnar Saetre (born 1943) was a Norwegian politician for the Labour Party.")
    for seed in range(20):
        try:
            found = pick_fact(aside, "Magnar Saetre", random.Random(seed))
        except CannotAlter as error:
            assert "not said aloud" in str(error)
            continue
        assert found.detail.value != "1943"


def test_a_sentence_that_leans_on_the_one_before_is_never_asked():
    from synth_assets.dialogues.false_premise import name_subject

    assert name_subject("From there it flows east through Vienna and Budapest.", "Danube") is None
    assert name_subject("However, the bridge was closed in 1950 for repairs.", "Old bridge") is None
    assert name_subject("This river flows through Vienna in Austria.", "Danube") is None
    made, _ = scripts_and_skips(["Four capitals stand on its banks: Vienna, Prague, Budapest and Belgrade."],
                                title="Danube")
    assert made == []  # "its banks" inside the claim has nothing to stand for


def test_the_subject_keeps_its_article_when_the_document_writes_one():
    from synth_assets.dialogues.false_premise import name_subject

    text = "The Danube is a long river. Its drainage basin covers about eight percent of Europe."
    assert name_subject("Its drainage basin covers about eight percent of Europe.", "Danube", text) == \
        "the Danube's drainage basin covers about eight percent of Europe."


def test_questions_are_short_and_answers_correct_the_detail_in_one_breath():
    facts = ["The Danube begins in the Black Forest of Germany, and it runs for about 2850 km before it reaches "
             "the Black Sea through a wide delta on the coasts of Romania and Ukraine.",
             "The main road is about 285 km long and quite narrow in places."] + FACTS
    made, _ = scripts_and_skips(facts)
    assert made
    for script in made:
        question = to_spoken(script.turns[0].text, seed=1, filler_rate=0.0, role="user")[0]
        assert len(question.split()) <= 20, question
        facts_ = facts_of(script)
        first_breath = script.turns[1].text.split(".")[0]
        assert len(first_breath.split()) <= 8 and facts_["original"] in first_breath, script.turns[1].text
        assert facts_["claim"] and facts_["altered"] in facts_["claim"]
    danube = next(s for s in made if s.parent_id == "seg-0")
    assert "Black Sea" not in danube.turns[0].text  # asked about the first clause only


def test_a_unit_can_be_the_altered_detail():
    from synth_assets.dialogues.false_premise import alter

    detail = next(d for d in find_details("The main road is about 285 km long.") if d.kind == "unit")
    assert (detail.value, alter(detail, random.Random(0))) == ("km", "miles")
