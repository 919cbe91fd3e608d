"""A content audit of conversations, read as a listener would: each defect a person would notice in
the words said, counted by kind with examples (benchmarks/content_audit_bench.py prints it over a
landing zone; tests use the same checks).

Defect kinds:
- instruction: ``dropped_items`` (the question asks for N things, the answer says fewer),
  ``mid_thought`` (the answer stops inside a thought: on a colon, an introduction with nothing after
  it, or short of the source's end), ``read_markup`` ("Here it is:" read aloud);
- clarification: ``homophone`` (the misheard word sounds like the said one), ``copied_instruction``
  (the question of an instruction conversation of the same release, word for word),
  ``no_confirmation_wait`` (the assistant guesses and answers in one breath);
- false_premise: ``long_question`` (over 20 words), ``long_before_correction`` (over 12 words before
  the true value), ``dangling_start`` (the claim opens with a connective or a pronoun);
- safety: ``repeated_pair`` (a request and refusal said twice in one release),
  ``hold_repeats_offer`` (the hold turn repeats the refusal's alternative word for word),
  ``source_not_bank`` (a safety row's source is not the template bank);
- fillers: ``filler_first_words`` (a conversation opens with a filler), ``filler_before_tag``
  ("Okay, is that right?");
- titles: ``misread_title`` ("Mrs." read "Misses").
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from synth_assets.core.records import DialogueScript, seed_from_id
from synth_assets.spoken.rewrite import DropText, to_spoken

MAX_PREMISE_QUESTION_WORDS = 20
MAX_WORDS_BEFORE_CORRECTION = 12
NUMBER_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
                "ten": 10, "a couple of": 2, "a pair of": 2}
# "three tips", "5 examples of", "two different sentences": a count, at most two words, a plural noun.
REQUEST = re.compile(r"\b(two|three|four|five|six|seven|eight|nine|ten|a couple of|[2-9]|10)\s+"
                     r"((?:[a-z-]+\s+){0,2}?)([a-z]+s)\b", re.IGNORECASE)
NOT_ITEMS = frozenset("years days hours minutes seconds weeks months times dollars percent words letters "
                      "people characters syllables degrees miles feet meters kilometres kilometers".split())
LIST_LINE = re.compile(r"^\s*(?:\d+[.)]|[-*•])\s+(.*)$", re.MULTILINE)
FILLERS = ("so", "um", "uh", "well", "okay", "hey", "i mean", "you know", "like", "now")
TAG = re.compile(r"(?:^|[.!?]\s+)((?:so|um|uh|well|okay|hey|i mean|you know|like|now),\s+"
                 r"(?:is that (?:right|true|so)|right|isn't it|don't you think)\?)", re.IGNORECASE)
CONNECTIVE_STARTS = frozenset(
    "from there here then however also thus therefore this these those it its he his she her they their "
    "such both meanwhile later afterwards moreover furthermore instead otherwise".split())
GUESS = re.compile(r"\b(?:did you mean|you meant|you mean)\b[^?.]*[?.]", re.IGNORECASE)


def spoken_turns(script: DialogueScript, filler_rate: float = 0.15) -> list[str]:
    """Each turn's words as the voice says them: the same rewrite and seeds as the rendering."""
    said = []
    for index, turn in enumerate(script.turns):
        try:
            spoken, _ = to_spoken(turn.text, seed=seed_from_id(script.id, f"turn{index}"), role=turn.role,
                                  filler_rate=filler_rate if turn.role == "user" else 0.0,
                                  first_words_filler=index > 0)
        except DropText:
            spoken = turn.text
        said.append(spoken)
    return said


@dataclass
class Audit:
    """Defect counts by kind, how many conversations of each dialogue kind were read, and examples."""

    read: Counter = field(default_factory=Counter)
    defects: Counter = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    keep: int = 3  # examples kept of each kind

    def flag(self, kind: str, example: str) -> None:
        self.defects[kind] += 1
        if len(self.examples[kind]) < self.keep:
            self.examples[kind].append(example[:300])

    def lines(self) -> list[str]:
        out = ["conversations read: " + ", ".join(f"{k} {v}" for k, v in sorted(self.read.items()))]
        for kind in DEFECT_KINDS:
            out.append(f"  {kind:24s} {self.defects.get(kind, 0)}")
            out += [f"      e.g. {e}" for e in self.examples.get(kind, [])]
        return out

    def to_dict(self) -> dict:
        return {"read": dict(self.read), "defects": {k: self.defects.get(k, 0) for k in DEFECT_KINDS},
                "examples": {k: v for k, v in self.examples.items() if v}}


DEFECT_KINDS = ("dropped_items", "mid_thought", "read_markup", "homophone", "copied_instruction",
                "no_confirmation_wait", "long_question", "long_before_correction", "dangling_start",
                "repeated_pair", "hold_repeats_offer", "source_not_bank", "filler_first_words",
                "filler_before_tag", "misread_title")


def requested_count(question: str) -> tuple[int, str] | None:
    """(N, noun) when the question asks for N things ("three tips"), else None."""
    for match in REQUEST.finditer(question):
        noun = match.group(3).lower()
        if noun in NOT_ITEMS:
            continue
        count = match.group(1).lower()
        return (int(count) if count.isdigit() else NUMBER_WORDS[count]), noun
    return None


def _key(text: str, words: int = 4) -> str:
    return " ".join(re.findall(r"[a-z0-9']+", text.lower())[:words])


def source_items(answer: str, noun: str) -> list[str]:
    """The items a written answer lists: its list lines, else its sentences (for "sentences" or a
    multi-sentence answer), else the comma-separated parts of a one-line list."""
    from synth_assets.segments.segment import split_sentences

    lines = LIST_LINE.findall(answer)
    if len(lines) >= 2:
        return lines
    sentences = split_sentences(" ".join(answer.split()))
    if noun.startswith("sentence") or len(sentences) >= 2:
        return sentences
    parts = [p for p in re.split(r",\s*(?:and\s+|or\s+)?|\s+and\s+", answer.strip().rstrip(".")) if p.strip()]
    return parts if len(parts) >= 2 else sentences


def delivered(items: list[str], spoken: str) -> int:
    """How many ``items`` the spoken answer says (each found by its first words)."""
    said = " ".join(re.findall(r"[a-z0-9']+", spoken.lower()))

    def key(item: str) -> str:
        try:
            item = to_spoken(item, seed=0, filler_rate=0.0)[0]
        except DropText:
            pass
        return _key(item, 3)
    return sum(1 for item in items if key(item) and (key(item) in said or _key(item, 3) in said))


def ends_mid_thought(answer: str) -> str | None:
    """Why the spoken answer stops inside a thought, or None."""
    text = answer.strip()
    if not text:
        return "empty"
    if text.endswith((":", ",", ";", "-")):
        return f"ends on {text[-1]!r}"
    if not text.endswith((".", "!", "?", '"', "'", ")")):
        return "no closing punctuation"
    last = re.split(r"(?<=[.!?])\s+", text)[-1]
    if re.search(r"\b(?:(?:the following|as follows|below)\s*[.:]|"
                 r"(?:the following \w+|these (?:steps|tips|ways))\s*:)$",
                 last, re.IGNORECASE):
        return f"introduces what it never says: {last[-60:]!r}"
    return None


def audit_instruction(audit: Audit, script: DialogueScript, said: list[str], source: str | None) -> None:
    audit.read[script.kind] += 1
    question, answer = script.turns[0].text, said[1] if len(said) > 1 else ""
    if re.search(r"\bhere it is\b", " ".join(said + [t.text for t in script.turns]), re.IGNORECASE):
        audit.flag("read_markup", f"{script.id}: {question[:120]}")
    reason = ends_mid_thought(answer)
    if reason is None and source is not None:
        from synth_assets.segments.segment import split_sentences

        sentences = split_sentences(" ".join(source.split()))
        last = LIST_LINE.findall(source)[-1:] or sentences[-1:]
        written = " ".join(re.findall(r"[a-z0-9']+", script.turns[1].text.lower()))
        if last and _key(last[0], 4) in written:
            last = []  # said, as written
        if last:
            try:
                last = [to_spoken(last[0], seed=0, filler_rate=0.0)[0]]
            except DropText:
                pass
        said = " ".join(re.findall(r"[a-z0-9']+", answer.lower()))
        if last and _key(last[0], 4) and _key(last[0], 4) not in said:
            reason = f"stops short of the source's end ({_key(last[0], 6)!r} never said)"
    if reason:
        audit.flag("mid_thought", f"{question[:80]} -> ...{answer[-80:]} ({reason})")
    wanted = requested_count(question)
    if wanted and source is not None:
        count, noun = wanted
        items = source_items(source, noun)
        if len(items) >= count:
            got = delivered(items, answer)
            if got < count:
                audit.flag("dropped_items", f"{question[:80]}: asked {count} {noun}, said {got}")


def audit_clarification(audit: Audit, script: DialogueScript, said: list[str], questions: set[str]) -> None:
    from synth_assets.dialogues.clarification import sounds_alike

    audit.read[script.kind] += 1
    params = json.loads(script.params)
    detail = params.get("clarification", {})
    if detail.get("garble") in ("misheard", "wrong_name") and sounds_alike(detail["said"], detail["heard"]):
        audit.flag("homophone", f"{detail['said']} / {detail['heard']}: {script.turns[0].text[:80]}")
    intended = params.get("intended", "")
    if intended and _norm(intended) in questions:
        audit.flag("copied_instruction", intended[:100])
    for turn in script.turns:
        if turn.role == "assistant":
            guess = GUESS.search(turn.text)
            if guess and turn.text[guess.end():].strip():
                audit.flag("no_confirmation_wait", turn.text[:140])


def audit_false_premise(audit: Audit, script: DialogueScript, said: list[str]) -> None:
    from synth_assets.dialogues.false_premise import Candidate, Detail, spoken_values

    audit.read[script.kind] += 1
    params = json.loads(script.params)
    question = said[0]
    if len(question.split()) > MAX_PREMISE_QUESTION_WORDS:
        audit.flag("long_question", f"({len(question.split())} words) {question}")
    claim = params.get("claim") or script.turns[0].text
    first = _bare_words(claim)[:1]
    opener = _bare_words(re.sub(r"^(?:is it true that|i heard that|someone told me that|so)\s+", "", claim,
                                flags=re.IGNORECASE))[:1]
    if (opener or first) and (opener or first)[0] in CONNECTIVE_STARTS:
        audit.flag("dangling_start", script.turns[0].text[:140])
    true_spoken, _ = spoken_values(Candidate(params["sentence"], Detail(params["detail"], *params["span"],
                                                                         params["original"]), params["altered"]))
    answer_words = _bare_words(said[1])
    value = _bare_words(true_spoken)
    at = next((i for i in range(len(answer_words)) if answer_words[i:i + len(value)] == value), None)
    if at is None or at > MAX_WORDS_BEFORE_CORRECTION:
        audit.flag("long_before_correction", f"({at} words before {true_spoken!r}) {said[1][:160]}")


def audit_safety(audit: Audit, script: DialogueScript, said: list[str], pairs: Counter) -> None:
    audit.read[script.kind] += 1
    pair = (script.turns[0].text, script.turns[1].text)
    pairs[pair] += 1
    if pairs[pair] == 2:
        audit.flag("repeated_pair", pair[0][:100])
    if len(script.turns) >= 4:
        refusal_sentences = set(re.split(r"(?<=[.!?])\s+", script.turns[1].text))
        hold_sentences = re.split(r"(?<=[.!?])\s+", script.turns[3].text)
        repeated = [s for s in hold_sentences if s in refusal_sentences and len(s.split()) > 4]
        if repeated:
            audit.flag("hold_repeats_offer", repeated[0][:120])
    if script.source != "safety_templates" and not script.source.startswith("safety"):
        audit.flag("source_not_bank", f"source {script.source!r}")


def audit_fillers(audit: Audit, script: DialogueScript, said: list[str]) -> None:
    if said:
        first = said[0].lower()
        if any(first.startswith(f + ",") for f in FILLERS):
            audit.flag("filler_first_words", said[0][:100])
    for text in said:
        tag = TAG.search(text)
        if tag:
            audit.flag("filler_before_tag", tag.group(1))
    for text in said:
        if re.search(r"\bMisses [A-Z]", text):
            audit.flag("misread_title", text[:120])


def _bare_words(text: str) -> list[str]:
    return re.sub(r"[^\w'\s-]+", " ", text).lower().split()


def _norm(text: str) -> str:
    return " ".join(_bare_words(text))


TITLE_PROBES = {"Mrs.": ("missus", "missis"), "Mr.": ("mister",), "Ms.": ("miz",), "Dr.": ("doctor",),
                "Prof.": ("professor",)}


def audit_titles(audit: Audit) -> None:
    """Each title before a name, read by the spoken normaliser as a person says it."""
    for title, readings in TITLE_PROBES.items():
        spoken, _ = to_spoken(f"{title} Dalton opened the door.", seed=0, filler_rate=0.0)
        if not any(spoken.lower().startswith(r + " ") for r in readings):
            audit.flag("misread_title", f"{title} -> {spoken.split()[0]!r}")


def audit_release(scripts: list[DialogueScript], sources: dict[str, str] | None = None,
                  filler_rate: float = 0.15, examples: int = 3) -> Audit:
    """Every conversation of a release (scripts of all kinds) read for the defects above; ``sources``:
    document id -> the source's first written answer (instruction and clarification kinds)."""
    audit, pairs = Audit(keep=examples), Counter()
    questions = {_norm(s.turns[0].text) for s in scripts if s.kind == "instruction" and s.turns}
    for script in scripts:
        said = spoken_turns(script, filler_rate)
        if script.kind == "instruction":
            audit_instruction(audit, script, said, (sources or {}).get(script.parent_id))
        elif script.kind == "clarification":
            audit_clarification(audit, script, said, questions)
        elif script.kind == "false_premise":
            audit_false_premise(audit, script, said)
        elif script.kind == "safety":
            audit_safety(audit, script, said, pairs)
        audit_fillers(audit, script, said)
    audit_titles(audit)
    return audit
