"""Instruction dialogues (LLaMA-Omni's InstructS2S recipe) from Alpaca and UltraChat documents.

The instruction is rewritten as a question a person would say; the answer is cut to a short spoken
answer of whole sentences. UltraChat keeps its turns (up to a limit). An instruction that is empty,
not English or too long to say is skipped with its reason.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from synth_assets.core import names
from synth_assets.core.limits import MAX_ANSWER_WORDS, MAX_CHAT_TURNS, MAX_INSTRUCTION_WORDS
from synth_assets.core.records import DialogueScript, Turn, stable_id
from synth_assets.segments.language import WORDS, detect_language
from synth_assets.segments.segment import split_sentences

INSTRUCTION_KINDS = ("alpaca", "ultrachat")
# English prose has 25-50 % function words, a short instruction fewer; another language's function
# words can match a few English ones ("a", "in"), so another language is believed only when English
# function words are nearly absent.
MIN_ENGLISH_SHARE = 0.08
_ROLE_LINE = re.compile(r"^(USER|ASSISTANT): ", re.MULTILINE)
# Imperative openings of instructions, asked instead: "Give three tips" -> "Can you give three tips?"
IMPERATIVES = frozenset(
    "give write explain describe list tell name generate create suggest summarize summarise find make "
    "provide compare translate classify identify rewrite convert calculate outline recommend help "
    "come design propose brainstorm edit choose pick share define analyze analyse evaluate predict "
    "construct compose draft plan estimate rank sort show teach".split())
QUESTION_OPENERS = ("Can you {rest}?", "Could you {rest}?", "Would you {rest}?")


class BadInstruction(ValueError):
    """This instruction document cannot become a spoken exchange; the message says why."""


@dataclass(frozen=True)
class Exchange:
    role: str
    text: str


def parse_turns(text: str) -> list[Exchange]:
    """The ``USER: ...`` / ``ASSISTANT: ...`` blocks the crawl readers write, in order."""
    marks = list(_ROLE_LINE.finditer(text))
    turns = []
    for index, mark in enumerate(marks):
        end = marks[index + 1].start() if index + 1 < len(marks) else len(text)
        turns.append(Exchange(mark.group(1).lower(), text[mark.end():end].strip()))
    return turns


def check_instruction(text: str) -> None:
    """Raise BadInstruction for an empty, non-English or too long instruction."""
    words = text.split()
    if not words:
        raise BadInstruction("empty instruction")
    if len(words) > MAX_INSTRUCTION_WORDS:
        raise BadInstruction(f"instruction too long to say: {len(words)} words, over {MAX_INSTRUCTION_WORDS}")
    letters = [ch for ch in text if ch.isalpha()]
    if letters and sum(ch.isascii() for ch in letters) / len(letters) < 0.8:
        raise BadInstruction("instruction not in English: mostly non-Latin letters")
    language, share = detect_language(text)
    tokens = re.findall(r"[^\W\d_]+", text.lower())
    english = sum(w in WORDS["en"] for w in tokens) / len(tokens) if tokens else 0.0
    if language not in ("en", "unknown") and english < MIN_ENGLISH_SHARE:
        raise BadInstruction(f"instruction not in English: looks like {language} ({share:.0%} of its function "
                             f"words, {english:.0%} English ones)")


def spoken_question(instruction: str, pick: int = 0) -> str:
    """An instruction as a person would ask it: questions stay, imperatives become requests."""
    lines = [line.strip() for line in instruction.splitlines() if line.strip()]
    head, extra = lines[0], " ".join(lines[1:])
    first = head.split()[0].lower().strip(",.:")
    if not head.endswith("?") and first in IMPERATIVES:
        rest = head.rstrip(".!:;")
        head = QUESTION_OPENERS[pick % len(QUESTION_OPENERS)].format(rest=rest[0].lower() + rest[1:])
    elif not head.endswith((".", "?", "!")):
        head += "."
    if extra:
        return f"{head} Here it is: {extra.rstrip('.')}."
    return head


def short_answer(answer: str, max_words: int = MAX_ANSWER_WORDS) -> str:
    """The first whole sentences of ``answer``, at most ``max_words`` (always at least one sentence)."""
    kept, count = [], 0
    for sentence in split_sentences(" ".join(answer.split())):
        words = len(sentence.split())
        if kept and count + words > max_words:
            break
        kept.append(sentence)
        count += words
    return " ".join(kept)


def instruction_script(document: dict) -> DialogueScript:
    """The conversation of one Alpaca or UltraChat document; raises BadInstruction."""
    turns = parse_turns(document["text"])
    if not turns or turns[0].role != "user":
        raise BadInstruction("no user turn to start from")
    turns = turns[:MAX_CHAT_TURNS]
    if turns[-1].role == "user":
        turns = turns[:-1]  # a conversation ends on an answer
    if len(turns) < 2:
        raise BadInstruction("no answer to the instruction")
    said = []
    for index, turn in enumerate(turns):
        if turn.role == "user":
            check_instruction(turn.text)
            text = spoken_question(turn.text, pick=index) if document["kind"] == "alpaca" else turn.text
        else:
            text = short_answer(turn.text)
        if not text.strip():
            raise BadInstruction(f"turn {index} ({turn.role}) is empty")
        said.append(Turn(turn.role, text))
    return DialogueScript(
        id=stable_id("dialogue", "instruction", document["id"], len(said)), parent_id=document["id"],
        stage=names.INSTRUCTION_DIALOGUES, kind="instruction", source=document["source"],
        snapshot=document["snapshot"], license=document["license"], turns=said,
        params=json.dumps({"recipe": "instructs2s", "from": document["kind"], "turns_kept": len(said),
                           "max_answer_words": MAX_ANSWER_WORDS}),
    )
