"""Instruction dialogues: Alpaca and UltraChat documents become spoken question/answer conversations;
bad instructions are skipped with their reason."""

from __future__ import annotations

import pytest

from synth_assets.core.limits import MAX_INSTRUCTION_WORDS
from synth_assets.dialogues.instructions import (
    BadInstruction,
    check_instruction,
    instruction_script,
    parse_turns,
    spoken_list,
    whole_answer,
    spoken_question,
)


def document(text: str, kind: str = "alpaca", id_: str = "doc-1") -> dict:
    return {"id": id_, "kind": kind, "text": text, "source": kind, "snapshot": "2026-11-01", "license": "MIT"}


def test_an_imperative_instruction_is_asked_as_a_question():
    assert spoken_question("Give three tips for staying healthy.") == "Can you give three tips for staying healthy?"
    assert spoken_question("What is the capital of France?") == "What is the capital of France?"
    assert spoken_question("Classify the following fruit.\nBanana") == \
        "Can you classify the following fruit? Banana."


def test_a_long_answer_is_never_cut_it_is_quarantined_without_a_shortener():
    answer = " ".join(f"Sentence number {i} says one more thing about it." for i in range(20))
    with pytest.raises(BadInstruction, match="too long to say whole.*no LLM rewriter"):
        whole_answer("Can you tell me about it?", answer, seconds=20)


def test_a_short_answer_from_the_shortener_is_kept_only_when_it_says_every_requested_item():
    answer = "1. Drink water every day.\n2. Sleep eight hours.\n3. Walk every day.\n" + "More words. " * 40
    complete = "There are three. Drink water every day, sleep eight hours, and walk every day."
    said, how = whole_answer("Can you give three tips?", answer, seconds=20, shorten=lambda q, a, s: complete)
    assert (said, how) == (complete, "shortened")
    with pytest.raises(BadInstruction, match="drops requested items: asked for 3 tips, says 2"):
        whole_answer("Can you give three tips?", answer, seconds=20,
                     shorten=lambda q, a, s: "Drink water every day. Sleep eight hours.")
    with pytest.raises(BadInstruction, match="the LLM rewriter failed: TimeoutError"):
        whole_answer("Can you give three tips?", answer, seconds=20,
                     shorten=lambda q, a, s: (_ for _ in ()).throw(TimeoutError("no reply")))


def test_a_written_list_is_introduced_and_finished_the_way_a_person_says_it():
    said = spoken_list("Try these:\n1. Plan your meals.\n2. Store food properly.\n3. Freeze leftovers.")
    assert said == ("Try these. There are three. First, plan your meals. Second, store food properly. "
                    "And third, freeze leftovers.")


@pytest.mark.parametrize("answer, reason", [
    ("string_length = 0\nfor char in string:\n    string_length += 1", "code"),
    ("SELECT id, name FROM employee;", "code"),
    ("| name | age |\n| Ann | 4 |", "table"),
    ("\n".join(f"{i}. Item {i}." for i in range(1, 9)), "long list"),
])
def test_code_tables_and_long_lists_are_not_said_aloud(answer, reason):
    with pytest.raises(BadInstruction, match=reason):
        whole_answer("Can you help?", answer, seconds=60)


def test_alpaca_becomes_a_question_and_a_short_answer():
    script = instruction_script(document("USER: Explain why leaves change colour in autumn.\n\nASSISTANT: "
                                         "The green pigment breaks down as days shorten. Yellow and orange "
                                         "pigments were there all along and now show through."))
    assert [t.role for t in script.turns] == ["user", "assistant"]
    assert script.turns[0].text == "Can you explain why leaves change colour in autumn?"
    assert script.turns[1].text.startswith("The green pigment breaks down")
    assert script.kind == "instruction" and script.parent_id == "doc-1"


def test_ultrachat_keeps_its_turns():
    text = "\n\n".join(["USER: What is a good first houseplant?", "ASSISTANT: A snake plant is hard to kill.",
                        "USER: How often should I water it?", "ASSISTANT: Every two or three weeks is enough."])
    script = instruction_script(document(text, kind="ultrachat"))
    assert [t.text for t in script.turns] == [t.text for t in parse_turns(text)]


@pytest.mark.parametrize("instruction, reason", [
    ("", "empty"),
    ("Écris un poème sur la mer et les bateaux qui partent le matin avec les pêcheurs.", "not in English"),
    ("请写一首关于大海的诗，描写清晨出海的渔船。", "not in English"),
    (" ".join(["word"] * (MAX_INSTRUCTION_WORDS + 1)), "too long"),
])
def test_bad_instructions_are_refused_with_their_reason(instruction, reason):
    with pytest.raises(BadInstruction, match=reason):
        check_instruction(instruction)


def test_a_document_without_an_answer_is_refused():
    with pytest.raises(BadInstruction, match="no answer"):
        instruction_script(document("USER: Tell me a joke about cats."))


@pytest.mark.parametrize("instruction", [
    "Suggest a way to learn new words in a foreign language.",  # a few Portuguese-looking function words
    "Classify these animals: lion, eagle, trout, frog, bat, snake, whale.",  # a list, no function words
    "Name three rivers in Asia.",
])
def test_english_instructions_with_few_function_words_are_accepted(instruction):
    check_instruction(instruction)
