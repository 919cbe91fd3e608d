"""Fillers, discourse markers and hesitations, placed where people put them.

A filler opens a sentence ("So, the tower ...") or, for hesitations, a clause after its conjunction
(", but, um, they ..."), never the inside of a phrase. The choice fits the register: a sentence about a
death or an attack gets at most a plain hesitation, never "okay" or "so". After an opening filler the
sentence's first word is lower-cased when it is a common word, kept when it is a name, and when the text
cannot tell which, the filler goes elsewhere or nowhere. User turns may also hesitate and repair
themselves ("the, the tower", "the, uh, the tower"). Every choice is recorded as an operation.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

FILLERS = {  # (filler, weight): "like" and "you know" are rare on purpose
    "narration": [("so", 3), ("well", 2), ("um", 3), ("uh", 3), ("I mean", 0.5), ("now", 1)],
    "user": [("so", 2), ("um", 3), ("uh", 3), ("well", 1), ("okay", 1), ("hey", 1.5), ("I mean", 1),
             ("you know", 0.5), ("like", 0.5)],
    "assistant": [("so", 3), ("well", 3), ("okay", 2), ("um", 1), ("uh", 1), ("I mean", 0.5),
                  ("you know", 0.3)],
}
HESITATIONS = {"um", "uh", "you know", "like"}  # may also open a clause inside a sentence
OPENERS_ONLY = {"hey"}  # only opens a turn
AFTER_SOMETHING_SAID = {"i mean"}  # rephrases what came before: never a turn's first words
# A question tag asks back about what was just said ("Is that right?"): no filler goes before it.
QUESTION_TAG = re.compile(r"^(?:is (?:that|it|he|she) (?:right|true|so)|right|true|isn't it|don't you think|"
                          r"am i right|correct)\?$", re.IGNORECASE)
SOMBER_FILLERS = {"um", "uh"}  # all that fits a sentence about death, violence or illness
SOMBER = re.compile(
    r"\b(?:death|deaths|dead|die[ds]?|dying|kill\w*|murder\w*|bomb\w*|war|wars|wartime|disease\w*|cancer|"
    r"suicide|attack\w*|victims?|traged\w*|fatal\w*|massacre\w*|genocide|abuse\w*|grief|funeral|disaster\w*|"
    r"crash\w*|execut\w+|hanged|violen\w+|terror\w*|wounded|injur\w+|famine|epidemic|pandemic|poverty|"
    r"slave\w*|torture\w*|rape\w*|assassin\w*|shot|shooting|casualt\w+|mourn\w*|buried)\b", re.IGNORECASE)
# Sentence-initial words that are safe to lower-case after a filler.
COMMON_STARTS = frozenset(
    "a an the this that these those it its there here we you they he she our your their his her my "
    "in on at for from to of by with as and but or if when while after before because although what "
    "which who how why where yes no not all some many most more one each every then now also however "
    "today first next finally since during is are was were do does did can could would should will "
    "please let use try make take go see note check add open run keep remember such both other another "
    "only even still later early most much few several any".split()
)
# Where a spoken sentence ends: not after an initial or a short abbreviation ("c. 4650", "J. Smith").
SENTENCE_END = re.compile(r"(?<=[.!?])(?<!\b[A-Za-z]\.)(?<!\b[A-Z][a-z]\.)\s+(?=[A-Z\"'“‘])")
CLAUSE_CONJUNCTIONS = frozenset("and but so because then when while although though since if".split())
REPEATABLE = frozenset("the a an i we it my this that to in and they he she you there".split())


def lower_first_word(text: str) -> str:
    """The text with its first word lower-cased when that word is a common sentence opener."""
    word, _, rest = text.partition(" ")
    if word.lower().rstrip(",.!?") in COMMON_STARTS:
        word = word.lower()
    return f"{word} {rest}" if rest else word


def _bare(word: str) -> str:
    return word.strip(",.;:!?\"'“”‘’()")


def first_word_case(sentence: str, context: str) -> str | None:
    """How the first word reads after an opening filler: 'lower', 'keep' (a name, 'I', an acronym), or
    None when the text gives no way to tell a name ("Godwin") from a common noun ("Brass")."""
    word = _bare(sentence.split(None, 1)[0]) if sentence.split() else ""
    if not word or not word[0].isalpha():
        return None
    if word == "I" or word.isupper() or any(ch.isupper() for ch in word[1:]):
        return "keep"
    if word.lower() in COMMON_STARTS or not word[0].isupper():
        return "lower"
    others = [_bare(w) for w in context.split()]
    if word.lower() in others:
        return "lower"
    mid_sentence = re.findall(rf"(?<![.!?]\s)(?<!^)\b{re.escape(word)}\b", context)
    return "keep" if mid_sentence else None


@dataclass(frozen=True)
class Placement:
    word: int  # index of the word the filler goes before; 0 opens the sentence
    case: str  # for word 0: 'lower' or 'keep'


def placements(sentence: str, context: str) -> list[Placement]:
    """Where a filler may go: the sentence start (when the first word's case is known) and clause starts
    after a comma and a conjunction."""
    words = sentence.split()
    found = []
    case = first_word_case(sentence, context)
    if case:
        found.append(Placement(0, case))
    for index in range(2, len(words) - 1):
        if words[index - 2].endswith(",") and words[index - 1].lower() in CLAUSE_CONJUNCTIONS:
            found.append(Placement(index, "keep"))
    return found


def _open_with(sentence: str, filler: str, case: str) -> str:
    first, _, rest = sentence.partition(" ")
    if case == "lower":
        first = first[:1].lower() + first[1:]
    return f"{filler[0].upper()}{filler[1:]}, {first}{' ' + rest if rest else ''}"


def _insert(sentence: str, filler: str, at: int) -> str:
    words = sentence.split()
    return " ".join(words[:at]) + f", {filler}, " + " ".join(words[at:])


def _choices(role: str, first_sentence: bool, somber: bool, opening: bool) -> list[tuple[str, float]]:
    choices = FILLERS.get(role, FILLERS["narration"])
    return [(f, w) for f, w in choices
            if (first_sentence or f not in OPENERS_ONLY) and (not somber or f in SOMBER_FILLERS)
            and (opening or f in HESITATIONS)
            and not (first_sentence and opening and f.lower() in AFTER_SOMETHING_SAID)]


def add_fillers(text: str, rng: random.Random, rate: float, role: str,
                first_words: bool = True) -> tuple[str, list[str]]:
    """Each sentence gets at most one filler, with probability ``rate``, at a place and of a kind that fit:
    never before a question tag, and never as the text's first words when ``first_words`` is False
    (a conversation's opening turn)."""
    sentences = SENTENCE_END.split(text)
    operations = []
    for index, sentence in enumerate(sentences):
        if rng.random() >= rate:
            continue
        if QUESTION_TAG.match(sentence.strip()):
            continue
        places = [p for p in placements(sentence, text) if first_words or index or p.word]
        if not places:
            continue
        place = places[0] if len(places) == 1 or rng.random() < 0.7 else rng.choice(places[1:])
        choices = _choices(role, index == 0, bool(SOMBER.search(sentence)), place.word == 0)
        if not choices:
            continue
        filler = rng.choices([f for f, _ in choices], weights=[w for _, w in choices])[0]
        if place.word == 0:
            sentences[index] = _open_with(sentence, filler, place.case)
        else:
            sentences[index] = _insert(sentence, filler, place.word)
        operations.append(f"add_filler:{filler}@{index}")
    return " ".join(sentences), operations


def add_hesitations(text: str, rng: random.Random, rate: float) -> tuple[str, list[str]]:
    """User turns: a word at a clause start said twice ('the, the') or repaired through a hesitation
    ('the, uh, the'), at most once a sentence, with probability ``rate``."""
    sentences = SENTENCE_END.split(text)
    operations = []
    for index, sentence in enumerate(sentences):
        if rate <= 0 or rng.random() >= rate:
            continue
        words = sentence.split()
        spots = [i for i, w in enumerate(words[:-1])
                 if w.lower() in REPEATABLE and (i == 0 or words[i - 1].endswith(",")
                                                 or words[i - 1].lower() in CLAUSE_CONJUNCTIONS)]
        if not spots:
            continue
        at = rng.choice(spots)
        word = words[at]
        kind = "repeat" if rng.random() < 0.6 else "repair"
        again = word if at else word.lower() if word != "I" else word
        words[at] = f"{word}, {again}" if kind == "repeat" else f"{word}, uh, {again}"
        sentences[index] = " ".join(words)
        operations.append(f"add_hesitation:{kind}:{word.lower()}@{index}")
    return " ".join(sentences), operations
