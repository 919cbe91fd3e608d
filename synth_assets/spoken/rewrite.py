"""Rewrite written text into what a person would say, recording each operation applied.

Markup, list markers and parenthetical asides are removed, editorial brackets resolved, Greek and
Cyrillic transliterated and other scripts dropped, numbers and symbols verbalized, and punctuation
normalised so TTS phrases it well. Text that still holds something unspeakable is dropped with its
reason. Then fillers are added LLaMA-Omni style (synth_assets/spoken/fillers.py): each sentence gets at
most one, with probability ``filler_rate``, drawn from a seeded RNG so a rerun is identical.
"""

from __future__ import annotations

import json
import random
import re

from synth_assets.core import names
from synth_assets.core.limits import MAX_UTTERANCE_SECONDS
from synth_assets.core.records import Segment, SpokenText, seed_from_id, stable_id
from synth_assets.spoken.fillers import add_fillers, add_hesitations, lower_first_word  # noqa: F401 (dialogues)
from synth_assets.spoken.misspell import misspell
from synth_assets.spoken.roman import unread_numerals
from synth_assets.spoken.speakable import (
    clean_stray_punctuation,
    drop_foreign_script,
    resolve_editorial_brackets,
    transliterate_greek_cyrillic,
    unspeakable,
    unspeakable_excerpt,
)
from synth_assets.spoken.verbalize import verbalize

REWRITER_VERSION = "3"
MAX_WRITTEN_CHARS = 20_000  # about 50 minutes of speech: anything longer is not one utterance
MIN_LETTER_SHARE = 0.3  # below this share of letters among non-space characters, it is not prose
# A spoken segment must fit one clip: voices say about 2.5 words a second (hibari: 69 words in 26 s), and
# verbalizing can double a segment ("2093 J⋅kg−1⋅K−1" is eight words).
SPOKEN_WORDS_PER_SECOND = 2.5
MAX_SPOKEN_WORDS = int(MAX_UTTERANCE_SECONDS * SPOKEN_WORDS_PER_SECOND)


class DropText(ValueError):
    """The text cannot become one spoken utterance; the message is the recorded drop reason."""


class EmptyAfterRewrite(DropText):
    """Nothing speakable is left once markup and asides are removed."""


class Unspeakable(DropText):
    """Digits, brackets, markup or a script no voice reads are still there after the rewrite."""


class UnreadNumeral(DropText):
    """A roman numeral is left that no reading fits ("XIII, 398"): a voice would spell out its letters."""


class TooLongToSay(DropText):
    """The spoken form would not fit one clip."""


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
         ("resolve_editorial_brackets", resolve_editorial_brackets), ("drop_parentheses", drop_parentheses),
         ("transliterate_greek_cyrillic", transliterate_greek_cyrillic), ("drop_foreign_script", drop_foreign_script),
         ("verbalize", verbalize), ("clean_stray_punctuation", clean_stray_punctuation),
         ("normalize_punctuation", normalize_punctuation)]

def to_spoken(text: str, *, seed: int, filler_rate: float = 0.15, role: str = "narration",
              hesitation_rate: float = 0.0, first_words_filler: bool = True) -> tuple[str, list[str]]:
    """The spoken form of ``text`` and the operations applied, in order. User turns hesitate and repair
    themselves at ``hesitation_rate`` a sentence. ``first_words_filler`` False: no filler opens the
    text (a conversation's first turn).

    Raises DropText (EmptyAfterRewrite, NotProse, Unspeakable) with the reason when there is nothing to
    say, or something no voice can say is left.
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
    leftover = unspeakable(spoken)
    if leftover:
        raise Unspeakable(f"unspeakable after rewrite: {''.join(leftover)!r}, {unspeakable_excerpt(spoken)}")
    if numerals := unread_numerals(spoken):
        raise UnreadNumeral(f"roman numeral {numerals[0]!r} with no reading in context: {spoken[:80]!r}")
    rng = random.Random(seed)
    spoken, fillers = add_fillers(spoken, rng, filler_rate, role, first_words=first_words_filler)
    if role == "user" and hesitation_rate > 0:
        spoken, hesitations = add_hesitations(spoken, random.Random(seed + 1), hesitation_rate)
        fillers += hesitations
    return spoken, operations + fillers


def spoken_text_record(segment: Segment, *, filler_rate: float, misspell_rate: float = 0.0,
                       rewriter=None, hesitation_rate: float = 0.0) -> SpokenText:
    """The spoken form of a segment. ``rewriter`` (resources.rewriter) replaces the rule-based rewrite;
    user turns also get a misspelled written copy (``misspelled``) at ``misspell_rate``."""
    seed = seed_from_id(segment.id, "fillers")
    params = {"rewriter": "rules", "version": REWRITER_VERSION, "filler_rate": filler_rate, "seed": seed}
    if rewriter is None:
        text, operations = to_spoken(segment.text, seed=seed, filler_rate=filler_rate, role=segment.role,
                                     hesitation_rate=hesitation_rate)
    else:
        text, operations, rewriter_params = rewriter.rewrite(segment.text, seed=seed, role=segment.role,
                                                             filler_rate=filler_rate)
        params.update(rewriter_params)
    if len(text.split()) > MAX_SPOKEN_WORDS:
        raise TooLongToSay(f"too long for one clip once spoken: {len(text.split())} words, over "
                           f"{MAX_SPOKEN_WORDS} (about {MAX_UTTERANCE_SECONDS:.0f} s)")
    misspelled = ""
    if misspell_rate > 0 and segment.role == "user":
        misspelled, typos = misspell(segment.text, random.Random(seed_from_id(segment.id, "misspell")),
                                     misspell_rate)
        operations = operations + typos
        params["misspell_rate"] = misspell_rate
    identity = [segment.id, filler_rate, REWRITER_VERSION]
    if hesitation_rate > 0 and segment.role == "user":
        params["hesitation_rate"] = hesitation_rate
        identity.append(f"hesitation={hesitation_rate}")
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
