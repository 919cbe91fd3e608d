"""Instruction dialogues: Alpaca and UltraChat documents become spoken question/answer conversations;
bad instructions are skipped with their reason."""

from __future__ import annotations

import pytest

from synth_assets.core.limits import MAX_ANSWER_WORDS, MAX_INSTRUCTION_WORDS
from synth_assets.dialogues.instructions import (
    BadInstruction,
    check_instruction,
    instruction_script,
    parse_turns,
    short_answer,
    spoken_question,
)


def document(text: str, kind: str = "alpaca", id_: str = "doc-1") -> dict:
    return {"id": id_, "kind": kind, "text": text, "source": kind, "snapshot": "2026-11-01", "license": "MIT"}


def test_an_imperative_instruction_is_asked_as_a_question():
    assert spoken_question("Give three tips for staying healthy.") == "Can you give three tips for staying healthy?"
    assert spoken_question("What is the capital of France?") == "What is the capital of France?"
    assert spoken_question("Classify the following fruit.\nBanana") == \
        "Can you classify the following fruit? Here it is: Banana."


def test_a_long_answer_is_cut_to_whole_sentences():
    answer = " ".join(f"Sentence number {i} says one more thing about it." for i in range(20))
    short = short_answer(answer)
    assert short.endswith(".") and len(short.split()) <= MAX_ANSWER_WORDS
    assert short.startswith("Sentence number 0 says")


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
