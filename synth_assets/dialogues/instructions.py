"""Instruction dialogues (LLaMA-Omni's InstructS2S recipe) from Alpaca and UltraChat documents.

The instruction is rewritten as a question a person would say. An answer is spoken whole or not at all:
it must fit a spoken-length budget in seconds (settings.answer_seconds); a list is introduced the way a
person says it ("There are three. First, ... And third, ...") and finished. An answer over the budget is
shortened by the LLM rewriter when one is configured (spoken/llm.py, prompt ``spoken_short_answer``) and
kept only when the short answer is complete (every requested item said, no thought left hanging);
otherwise the conversation is skipped with its reason, as are answers that are code, a table or a long
list. UltraChat keeps its turns (up to a limit). An instruction that is empty, not English or too long
to say is skipped with its reason.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Callable

from synth_assets import settings
from synth_assets.core import names
from synth_assets.core.limits import (MAX_CHAT_TURNS, MAX_INSTRUCTION_WORDS, MAX_SPOKEN_LIST_ITEMS,
                                      SPOKEN_WORDS_PER_SECOND)
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
    """An instruction as a person would ask it: questions stay, imperatives become requests; an input
    line (the sentence to rewrite, the text to summarise) follows as said, never "Here it is:"."""
    lines = [line.strip() for line in instruction.splitlines() if line.strip()]
    head, extra = lines[0], " ".join(line.rstrip(".") + "." for line in lines[1:])
    first = head.split()[0].lower().strip(",.:")
    if not head.endswith("?") and first in IMPERATIVES:
        rest = head.rstrip(".!:;")
        head = QUESTION_OPENERS[pick % len(QUESTION_OPENERS)].format(rest=rest[0].lower() + rest[1:])
    elif not head.endswith((".", "?", "!")):
        head += "."
    return f"{head} {extra[0].upper()}{extra[1:]}" if extra else head  # "dolphin, penguin" starts a sentence


# --- whole spoken answers ---------------------------------------------------------------------------

_LIST_LINE = re.compile(r"^\s*(?:\d+[.)]|[-*•])\s+(.+)$")
_CODE = re.compile(r"```|^\s*(?:def |class |import |for .* in .*:|if .*:|return |print\(|SELECT |#include)|"
                   r"[;{}]\s*$|\b\w+\s*(?:\+=|==|=)\s*[\w\"'\[(]|</?\w+>|\bEND ?(?:IF|FOR|WHILE|FUNCTION)\b",
                   re.MULTILINE)
_OUTLINE = re.compile(r"(?:^|\s)(?:[IVX]+|[A-H])\.\s+[A-Z]")
_PLACEHOLDER = re.compile(r"\[[^\]]*\]")
_TABLE = re.compile(r"^\s*\|.*\|\s*$|\t\S+\t", re.MULTILINE)
ORDINALS = ("First", "Second", "Third", "Fourth", "Fifth", "Sixth")
COUNT_WORDS = ("no", "one", "two", "three", "four", "five", "six")
# A shortener: (question, answer, seconds) -> a shorter answer; the LLM rewriter's ``short_answer``.
Shortener = Callable[[str, str, float], str]


def spoken_seconds(text: str) -> float:
    """How long ``text`` takes to say at the budget's speaking rate."""
    return len(text.split()) / SPOKEN_WORDS_PER_SECOND


def unsayable_answer(answer: str) -> str | None:
    """Why ``answer`` cannot be said aloud (code, a table, a long list), or None."""
    if _CODE.search(answer):
        return "answer is code"
    if _TABLE.search(answer):
        return "answer is a table"
    if len(_OUTLINE.findall(answer)) >= 3:
        return "answer is an outline (I. A. B. ...)"
    if _PLACEHOLDER.search(answer):
        return f"answer has a bracketed placeholder or direction: {_PLACEHOLDER.search(answer).group()[:40]}"
    items = [m.group(1) for line in answer.splitlines() if (m := _LIST_LINE.match(line))]
    if len(items) > MAX_SPOKEN_LIST_ITEMS:
        return f"answer is a long list ({len(items)} items, over {MAX_SPOKEN_LIST_ITEMS})"
    return None


def _sentence(text: str) -> str:
    text = text.strip().rstrip(";,:")
    return text if text.endswith((".", "!", "?")) else text + "."


def spoken_list(answer: str) -> str:
    """A written list said the way a person says it: its lead-in, "There are three.", then "First, ...",
    "Second, ..." and "And third, ..."; prose is returned as it is (whitespace joined)."""
    lines = [line for line in answer.splitlines() if line.strip()]
    items = [m.group(1) for line in lines if (m := _LIST_LINE.match(line))]
    if len(items) < 2 or len(items) > MAX_SPOKEN_LIST_ITEMS:
        return " ".join(answer.split())
    first = next(i for i, line in enumerate(lines) if _LIST_LINE.match(line))
    lead = " ".join(_sentence(line) for line in lines[:first])
    rest = " ".join(_sentence(line) for line in lines[first:] if not _LIST_LINE.match(line))
    said = []
    for index, item in enumerate(items):
        item = _sentence(item)
        item = item[0].lower() + item[1:] if item[:2].istitle() and item.split()[0].lower() in _COMMON else item
        opener = ("And " + ORDINALS[index].lower()) if index == len(items) - 1 else ORDINALS[index]
        said.append(f"{opener}, {item}")
    intro = f"There are {COUNT_WORDS[len(items)]}."
    return " ".join(part for part in (lead, intro, " ".join(said), rest) if part)


_COMMON = frozenset("a an the use try make take keep plan store buy eat drink get go start set turn cook "
                    "freeze avoid reduce add put check write read learn practice practise find ask give".split())


def answer_complete(question: str, answer: str, source: str) -> str | None:
    """Why a spoken ``answer`` to ``question`` is not complete against its written ``source`` (a
    requested item missing, or a thought left hanging), or None."""
    from synth_assets.dialogues.audit import delivered, ends_mid_thought, requested_count, source_items

    reason = ends_mid_thought(answer)
    if reason:
        return f"ends mid-thought: {reason}"
    wanted = requested_count(question)
    if wanted:
        count, noun = wanted
        items = source_items(source, noun)
        if len(items) >= count and delivered(items, answer) < count:
            return f"drops requested items: asked for {count} {noun}, says {delivered(items, answer)}"
    return None


def whole_answer(question: str, answer: str, *, seconds: float | None = None,
                 shorten: Shortener | None = None) -> tuple[str, str]:
    """(the answer as spoken whole, how: 'whole' or 'shortened'); raises BadInstruction with the reason
    when it cannot be said whole within ``seconds`` and no shortener makes a complete short one."""
    seconds = settings.answer_seconds() if seconds is None else seconds
    reason = unsayable_answer(answer)
    if reason:
        raise BadInstruction(reason)
    said = spoken_list(answer)
    if not said:
        raise BadInstruction("empty answer")
    said = said if said.endswith((".", "!", "?", '"', "'")) else said + "."  # "27" is said as a whole answer
    if spoken_seconds(said) <= seconds:
        return said, "whole"
    over = f"answer too long to say whole: {spoken_seconds(said):.0f} s over the {seconds:.0f} s budget"
    if shorten is None:
        raise BadInstruction(f"{over}, and no LLM rewriter is configured to shorten it")
    try:
        short = " ".join(shorten(question, answer, seconds).split())
    except Exception as error:  # the backend failed: this answer is quarantined, the rest go on
        raise BadInstruction(f"{over}; the LLM rewriter failed: {type(error).__name__}: {error}") from error
    if spoken_seconds(short) > seconds:
        raise BadInstruction(f"{over}; the LLM's short answer is still {spoken_seconds(short):.0f} s")
    incomplete = answer_complete(question, short, answer) if short else "the LLM said nothing"
    if incomplete:
        raise BadInstruction(f"{over}; the LLM's short answer {incomplete}")
    return short, "shortened"


def instruction_script(document: dict, shorten: Shortener | None = None,
                       seconds: float | None = None) -> DialogueScript:
    """The conversation of one Alpaca or UltraChat document, every answer whole within ``seconds``
    (``shorten``: the LLM rewriter's short answer, for answers over it); raises BadInstruction."""
    turns = parse_turns(document["text"])
    if not turns or turns[0].role != "user":
        raise BadInstruction("no user turn to start from")
    turns = turns[:MAX_CHAT_TURNS]
    if turns[-1].role == "user":
        turns = turns[:-1]  # a conversation ends on an answer
    if len(turns) < 2:
        raise BadInstruction("no answer to the instruction")
    said, how = [], []
    seconds = settings.answer_seconds() if seconds is None else seconds
    for index, turn in enumerate(turns):
        if turn.role == "user":
            check_instruction(turn.text)
            text = spoken_question(turn.text, pick=index) if document["kind"] == "alpaca" else turn.text
        else:
            try:
                text, made = whole_answer(said[-1].text, turn.text, seconds=seconds, shorten=shorten)
            except BadInstruction as error:
                raise BadInstruction(f"turn {index}: {error}") from None
            how.append(made)
        if not text.strip():
            raise BadInstruction(f"turn {index} ({turn.role}) is empty")
        said.append(Turn(turn.role, text))
    return DialogueScript(
        id=stable_id("dialogue", "instruction", document["id"], len(said)), parent_id=document["id"],
        stage=names.INSTRUCTION_DIALOGUES, kind="instruction", source=document["source"],
        snapshot=document["snapshot"], license=document["license"], turns=said,
        params=json.dumps({"recipe": "instructs2s", "from": document["kind"], "turns_kept": len(said),
                           "answer_seconds": seconds, "answers": how}),
    )
