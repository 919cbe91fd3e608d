"""Rewrite written text into what a person would say, recording each operation applied.

Markup, list markers and parenthetical asides are removed, numbers and symbols verbalized, and
punctuation normalised so TTS phrases it well. Then fillers are added LLaMA-Omni style: each sentence
gets at most one, with probability ``filler_rate``, drawn from a seeded RNG so a rerun is identical.
"""

from __future__ import annotations

import json
import random
import re

from synth_assets.core import names
from synth_assets.core.records import Segment, SpokenText, seed_from_id, stable_id
from synth_assets.spoken.misspell import misspell
from synth_assets.spoken.verbalize import verbalize

REWRITER_VERSION = "2"
MAX_WRITTEN_CHARS = 20_000  # about 50 minutes of speech: anything longer is not one utterance
MIN_LETTER_SHARE = 0.3  # below this share of letters among non-space characters, it is not prose


class DropText(ValueError):
    """The text cannot become one spoken utterance; the message is the recorded drop reason."""


class EmptyAfterRewrite(DropText):
    """Nothing speakable is left once markup and asides are removed."""


class NotProse(DropText):
    """Too long, or binary garbage / symbol soup rather than text."""


def check_speakable(text: str) -> None:
    """Raise NotProse for text that no rewrite can make into one utterance."""
    if len(text) > MAX_WRITTEN_CHARS:
        raise NotProse(f"too long to speak: {len(text)} characters, over {MAX_WRITTEN_CHARS}")
    visible = [ch for ch in text if not ch.isspace()]
    if visible:
        letters = sum(ch.isalpha() for ch in visible)
        if letters / len(visible) < MIN_LETTER_SHARE or "\x00" in text or "\ufffd" * 3 in text:
            raise NotProse(f"not prose: {letters} letters among {len(visible)} visible characters")


def _substitute(rules: list[tuple[str, str]], flags: int = 0):
    compiled = [(re.compile(pattern, flags), replacement) for pattern, replacement in rules]

    def apply(text: str) -> str:
        for pattern, replacement in compiled:
            text = pattern.sub(replacement, text)
        return text
    return apply


# Fenced code (an unterminated fence runs to the end), markdown tables and heading markers.
drop_code_blocks = _substitute([(r"(?:```|~~~).*?(?:```|~~~|\Z)", " "), (r"\[code\].*?(?:\[/code\]|\Z)", " ")], re.S)
drop_tables = _substitute([(r"^\s*\|.*\|?\s*$", ""), (r"^\s*:?-{3,}:?(?:\s*\|\s*:?-{3,}:?)+\s*$", "")], re.M)
strip_headings = _substitute([(r"^\s*#{1,6}\s+", "")], re.M)

strip_markup = _substitute([
    (r"<(?:https?://|www\.|mailto:)[^>]*>", ""),  # URLs in angle brackets
    (r"\[([^\]]+)\]\([^)]*\)", r"\1"),  # markdown links keep their text
    (r"https?://\S+", ""),
    (r"`+([^`]*)`+", r"\1"),  # inline code keeps its content
    (r"(\*\*|__)(.+?)\1", r"\2"),
    (r"(?<!\w)([*_])(?!\s)(.+?)(?<!\s)\1(?!\w)", r"\2"),
    (r"\[\d+\]", ""),  # citation markers
    (r"</?[A-Za-z][^<>]{0,200}>", " "),  # HTML tags, opened or closed
    (r"(\*\*|__|`+)", ""),  # unbalanced emphasis or code marks left over
])
drop_list_markers = _substitute([(r"^\s*(?:[-*•+]|\d{1,2}[.)]|[a-z]\))\s+", "")], re.M)


def drop_parentheses(text: str) -> str:
    """Asides in brackets go, innermost first; '401(k)' and 'f(x)' (no space before) stay."""
    while True:
        text, count = re.subn(r"(?:^|\s+)\([^()]*\)", "", text)
        if not count:
            return re.sub(r"(?:^|\s)[()](?=\s|$)", " ", text)  # unbalanced brackets


normalize_punctuation = _substitute([
    (r"…", "..."),
    (r"[\"“”«»]", ""),  # quotes are not spoken
    (r"\s*(?:[—–]|\s-\s)\s*", ", "),  # dashes become pauses
    (r"\s*[;:]\s+", ", "),
    (r"\s+(?=[,.!?])", ""),
    (r"([,.!?])[,;:]+", r"\1"),  # ", ," or ".," left by removals
    (r",(?=[.!?])", ""),
    (r"\s+", " "),
    (r"^[\s,.;:!?]+", ""),
    (r"(?<=[\w'’)])\s*$", "."),  # TTS ends a statement better on a full stop
])

STEPS = [("drop_code_blocks", drop_code_blocks), ("drop_tables", drop_tables),
         ("strip_headings", strip_headings), ("strip_markup", strip_markup), ("drop_list_markers", drop_list_markers),
         ("drop_parentheses", drop_parentheses), ("verbalize", verbalize),
         ("normalize_punctuation", normalize_punctuation)]

FILLERS = {  # (filler, weight): "like" and "you know" are rare on purpose
    "narration": [("so", 3), ("well", 2), ("um", 3), ("uh", 3), ("I mean", 1), ("okay", 1),
                  ("you know", 0.5), ("like", 0.5)],
    "user": [("so", 2), ("um", 3), ("uh", 3), ("well", 1), ("okay", 1), ("hey", 1.5), ("I mean", 1),
             ("you know", 0.5), ("like", 0.5)],
    "assistant": [("so", 3), ("well", 3), ("okay", 2), ("um", 1), ("uh", 1), ("I mean", 0.5),
                  ("you know", 0.3)],
}
HESITATIONS = {"um", "uh", "you know", "like"}  # may also fall between two words
OPENERS_ONLY = {"hey"}  # only opens a turn
# Sentence-initial words that are safe to lower-case after a filler; names keep their capital.
COMMON_STARTS = frozenset(
    "a an the this that these those it its there here we you they he she our your their his her my "
    "in on at for from to of by with as and but or if when while after before because although what "
    "which who how why where yes no not all some many most more one each every then now also however "
    "today first next finally since during is are was were do does did can could would should will "
    "please let use try make take go see note check add open run keep remember".split()
)


def lower_first_word(text: str) -> str:
    word, _, rest = text.partition(" ")
    if word.lower().rstrip(",.!?") in COMMON_STARTS:
        word = word.lower()
    return f"{word} {rest}" if rest else word


def _with_filler(sentence: str, filler: str, at: int) -> str:
    words = sentence.split()
    if at == 0:
        return f"{filler[0].upper()}{filler[1:]}, {lower_first_word(sentence)}"
    before = " ".join(words[:at]).rstrip(",")
    return f"{before}, {filler}, {' '.join(words[at:])}"


def add_fillers(text: str, rng: random.Random, rate: float, role: str) -> tuple[str, list[str]]:
    sentences = re.split(r"(?<=[.!?])\s+", text)
    operations = []
    for index, sentence in enumerate(sentences):
        if rng.random() >= rate:
            continue
        choices = [(f, w) for f, w in FILLERS.get(role, FILLERS["narration"])
                   if index == 0 or f not in OPENERS_ONLY]
        filler = rng.choices([f for f, _ in choices], weights=[w for _, w in choices])[0]
        words = len(sentence.split())
        mid = filler in HESITATIONS and words > 2 and rng.random() < 0.5
        at = rng.randrange(1, words) if mid else 0
        sentences[index] = _with_filler(sentence, filler, at)
        operations.append(f"add_filler:{filler}@{index}")
    return " ".join(sentences), operations


def to_spoken(text: str, *, seed: int, filler_rate: float = 0.15,
              role: str = "narration") -> tuple[str, list[str]]:
    """The spoken form of ``text`` and the operations applied, in order.

    Raises DropText (EmptyAfterRewrite, NotProse) with the reason when there is nothing to say.
    """
    check_speakable(text)
    spoken, operations = text, []
    for name, step in STEPS:
        rewritten = step(spoken)
        if rewritten != spoken:
            operations.append(name)
        spoken = rewritten
    if not re.search(r"\w", spoken):
        raise EmptyAfterRewrite(f"nothing left to say after rewriting {text[:80]!r}")
    spoken, fillers = add_fillers(spoken, random.Random(seed), filler_rate, role)
    return spoken, operations + fillers


def spoken_text_record(segment: Segment, *, filler_rate: float, misspell_rate: float = 0.0,
                       rewriter=None) -> SpokenText:
    """The spoken form of a segment. ``rewriter`` (resources.rewriter) replaces the rule-based rewrite;
    user turns also get a misspelled written copy (``misspelled``) at ``misspell_rate``."""
    seed = seed_from_id(segment.id, "fillers")
    params = {"rewriter": "rules", "version": REWRITER_VERSION, "filler_rate": filler_rate, "seed": seed}
    if rewriter is None:
        text, operations = to_spoken(segment.text, seed=seed, filler_rate=filler_rate, role=segment.role)
    else:
        text, operations, rewriter_params = rewriter.rewrite(segment.text, seed=seed, role=segment.role,
                                                             filler_rate=filler_rate)
        params.update(rewriter_params)
    misspelled = ""
    if misspell_rate > 0 and segment.role == "user":
        misspelled, typos = misspell(segment.text, random.Random(seed_from_id(segment.id, "misspell")),
                                     misspell_rate)
        operations = operations + typos
        params["misspell_rate"] = misspell_rate
    identity = [segment.id, filler_rate, REWRITER_VERSION]
    if misspell_rate > 0:
        identity.append(misspell_rate)
    if rewriter is not None:
        identity.append(params.get("prompt_hash") or params.get("rewriter"))
    return SpokenText(
        misspelled=misspelled,
        id=stable_id(names.SPOKEN_TEXT, *identity), parent_id=segment.id,
        stage=names.SPOKEN_TEXT, params=json.dumps(params, sort_keys=True), source=segment.source,
        snapshot=segment.snapshot, role=segment.role, text=text, written=segment.text,
        operations=operations, license=segment.license,
    )


def single_exchange(segments: list[Segment]) -> bool:
    """An instruction document: user segments, then assistant segments, one turn each."""
    roles = [s.role for s in segments]
    first_assistant = roles.index("assistant") if "assistant" in roles else 0
    return (first_assistant > 0 and set(roles[:first_assistant]) == {"user"}
            and set(roles[first_assistant:]) == {"assistant"})


def new_response_record(instruction: list[SpokenText], replaced: list[Segment], rewriter) -> SpokenText:
    """LLaMA-Omni's step two: a new spoken answer written for the rewritten instruction, standing in
    for the dataset's written answer (``replaced``, whose first segment is its parent for lineage)."""
    first = replaced[0]
    seed = seed_from_id(first.id, "respond")
    answer, params = rewriter.respond(" ".join(s.text for s in instruction), seed=seed)
    text, operations = to_spoken(answer, seed=seed, filler_rate=0.0, role="assistant")
    params = {**params, "seed": seed, "replaces": [s.id for s in replaced], "version": REWRITER_VERSION}
    return SpokenText(
        id=stable_id(names.SPOKEN_TEXT, "response", first.id, params.get("prompt_hash"), REWRITER_VERSION),
        parent_id=first.id, stage=names.SPOKEN_TEXT, params=json.dumps(params, sort_keys=True),
        source=first.source, snapshot=first.snapshot, role="assistant", text=text,
        written=" ".join(s.text for s in replaced), operations=[f"llm_response:{params.get('prompt_template')}",
                                                             *operations],
        license=first.license,
    )
