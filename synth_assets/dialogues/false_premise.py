"""False-premise dialogues (Moshi's "Is the Eiffel Tower in Beijing?"): a fact from a crawl document
with one detail changed (a place, a person, a date, a number or a unit) is put to the assistant as a
person would ask it, in a short question, and the assistant corrects the one detail in one breath
("No, in Germany."), sometimes with a short follow-up that says the fact right.

The question names its subject: a sentence that starts with a pronoun ("It", "Its") gets the document
title in its place, with its article when the document writes one ("the Danube's"); a sentence that
opens with a connective or a pronoun the title cannot stand for ("From there", "However", "This") is
not used. The claim is the shortest run of the sentence's clauses that holds the detail, and the
question is at most MAX_QUESTION_WORDS spoken words. Values are kept in forms the verbalizer reads well
(years, month names, small whole numbers, number words); a number it would read badly is not
altered. The source sentence, the claim, the changed span and both values go into lineage.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass

from synth_assets.core import names
from synth_assets.core.records import DialogueScript, Segment, Turn, seed_from_id, stable_id
from synth_assets.segments.segment import split_sentences
from synth_assets.spoken.fillers import first_word_case
from synth_assets.spoken.rewrite import DropText, to_spoken

MIN_CLAIM_WORDS = 6
MAX_QUESTION_WORDS = 20  # spoken words of the whole question
MAX_WORDS_BEFORE_VALUE = 12  # spoken words of the answer before it says the true value
DETAIL_KINDS = ("place", "person", "date", "number", "unit")
# Units read after a number, and what each may be changed into ("285 km" -> "285 miles").
UNITS = {"km": "miles", "kilometres": "miles", "kilometers": "miles", "miles": "kilometres",
         "metres": "feet", "meters": "feet", "feet": "metres", "kg": "pounds", "kilograms": "pounds",
         "pounds": "kilograms", "hours": "minutes", "minutes": "hours", "days": "weeks", "weeks": "days",
         "months": "years", "percent": "times"}
_UNIT = re.compile(r"(?<=\d )(" + "|".join(sorted(UNITS, key=len, reverse=True)) + r")\b")
# A sentence that opens with one of these leans on the one before it: it cannot be asked alone.
CONNECTIVES = re.compile(r"^(?:From there|There|Then|However|Also|Thus|Therefore|Meanwhile|Later|Afterwards|"
                         r"Moreover|Furthermore|Instead|Otherwise|Nevertheless|Still|Yet|So|And|But|Or|"
                         r"This|These|That|Those|Such|Both|Another|Other|Here|In addition|As a result|"
                         r"In turn|At the same time|By then|Since then|Until then)\b")
PREPOSITIONS = frozenset("in on at from to by until since near into across".split())
QUALIFIERS = ("about", "around", "roughly", "nearly", "almost", "over", "some", "more than", "less than",
              "fewer than", "at least", "up to")
MAX_PLAIN_NUMBER = 999  # larger numbers (read like years when four digits long) (and thousands separators) are not altered: see the module doc

# Written for this project: places by kind, so a city becomes another city.
PLACES = {
    "city": ("Paris", "London", "Berlin", "Rome", "Madrid", "Vienna", "Prague", "Lisbon", "Amsterdam",
             "Brussels", "Dublin", "Oslo", "Stockholm", "Copenhagen", "Warsaw", "Budapest", "Athens",
             "Beijing", "Tokyo", "Moscow", "Cairo", "Sydney", "Toronto", "Chicago", "Boston", "Munich",
             "Milan", "Geneva", "Edinburgh", "Barcelona", "Istanbul", "Delhi", "Mumbai", "Seoul"),
    "country": ("France", "Germany", "Italy", "Spain", "Portugal", "Austria", "Poland", "Hungary", "Greece",
                "Norway", "Sweden", "Denmark", "Finland", "Ireland", "Scotland", "England", "Japan", "China",
                "India", "Egypt", "Brazil", "Mexico", "Canada", "Australia", "Switzerland", "Belgium",
                "the Netherlands", "Argentina", "Chile", "Peru", "Kenya", "Turkey"),
}
PEOPLE = ("Marie Dubois", "Henry Walker", "Clara Weiss", "Thomas Reed", "Anna Novak", "James Porter",
          "Sofia Marino", "Peter Lund", "Helen Carter", "Oscar Lind", "Laura Bennett", "Victor Hale")
_PERSON = re.compile(r"\bby ((?:[A-Z][a-z]+ ){1,2}[A-Z][a-z]+)\b")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
NUMBER_WORDS = ("three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "fifteen",
                "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_YEAR = re.compile(r"(?<![\w.,])(1[1-9]\d\d|20\d\d)(?![\w]|[.,]\d)")
_NUMBER = re.compile(r"(?<![\w.,/:-])(\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?![\w/:-]|[.,]\d)")
_DAY = re.compile(r"\s+(?:" + "|".join(MONTHS) + r")\b")  # "6 May": a day of a month is not altered
_PRONOUN = re.compile(r"^(It|Its|He|His|She|Her|They|Their)\b ?")
POSSESSIVE = {"Its", "His", "Her", "Their"}

QUESTIONS = (
    "Is it true that {claim}?",
    "I heard that {claim}. Is that right?",
    "Someone told me that {claim}. Is that true?",
    "{Claim}, right?",
    "I read that {claim}. Is that so?",
    "My friend says {claim}. Is he right?",
    "{Claim}?",  # the shortest form last: a claim is kept when this one fits
)
OPENERS = ("No,", "Not quite,", "Actually, no,", "Hmm, no,", "Not really,")
FOLLOW_UP_RATE = 0.5  # share of answers that add the fact said right, when it is short


class CannotAlter(ValueError):
    """The sentence has a detail, but none that can be changed cleanly; the message says which."""


@dataclass(frozen=True)
class Detail:
    kind: str  # place, person, date or number
    start: int
    end: int
    value: str


def _words(pattern: str, text: str) -> list[re.Match]:
    return list(re.finditer(rf"\b(?:{pattern})\b", text))


def find_details(sentence: str) -> list[Detail]:
    """The places, people, dates and numbers of ``sentence``, in order, without overlaps."""
    found = []
    for kind, names_ in PLACES.items():
        found += [Detail("place", m.start(), m.end(), m.group()) for m in _words("|".join(map(re.escape, names_)), sentence)]
    found += [Detail("person", m.start(1), m.end(1), m.group(1)) for m in _PERSON.finditer(sentence)]
    found += [Detail("date", m.start(), m.end(), m.group()) for m in _YEAR.finditer(sentence)]
    found += [Detail("date", m.start(), m.end(), m.group()) for m in _words("|".join(MONTHS), sentence)]
    found += [Detail("number", m.start(), m.end(), m.group()) for m in _NUMBER.finditer(sentence)
              if not _YEAR.fullmatch(m.group()) and not _DAY.match(sentence, m.end())]
    found += [Detail("number", m.start(), m.end(), m.group()) for m in _words("|".join(NUMBER_WORDS), sentence)]
    found += [Detail("unit", m.start(), m.end(), m.group()) for m in _UNIT.finditer(sentence)]
    kept, taken = [], set()
    for detail in sorted(found, key=lambda d: (d.start, -d.end)):
        span = set(range(detail.start, detail.end))
        if not span & taken:
            kept.append(detail)
            taken |= span
    return kept


def _other(pool: tuple[str, ...], value: str, rng: random.Random) -> str:
    return rng.choice([v for v in pool if v.lower() != value.lower()])


def alter(detail: Detail, rng: random.Random) -> str:
    """Another value of the same kind; raises CannotAlter for a value the verbalizer would misread."""
    value = detail.value
    if detail.kind == "place":
        pool = next(p for p in PLACES.values() if value in p)
        return _other(pool, value, rng)
    if detail.kind == "person":
        return _other(PEOPLE, value, rng)
    if detail.kind == "unit":
        return UNITS[value]
    if detail.kind == "date":
        if value in MONTHS:
            return _other(MONTHS, value, rng)
        return str(int(value) + rng.choice([-5, -4, -3, -2, -1, 1, 2, 3, 4, 5]))
    if value.lower() in NUMBER_WORDS:
        altered = _other(NUMBER_WORDS, value.lower(), rng)
        return altered.capitalize() if value[0].isupper() else altered
    plain = value.replace(",", "")
    if "," in value or float(plain) > MAX_PLAIN_NUMBER:
        raise CannotAlter(f"number {value} is too large to alter and say cleanly")
    if float(plain) < 3:
        raise CannotAlter(f"number {value} is too small to alter meaningfully")
    decimals = len(plain.partition(".")[2])
    altered = round(float(plain) * (1 + rng.choice([-1, 1]) * rng.uniform(0.2, 0.5)), decimals)
    if altered == float(plain):
        altered += 1
    altered = min(altered, MAX_PLAIN_NUMBER)
    return f"{altered:.{decimals}f}"


def name_subject(sentence: str, title: str, text: str = "") -> str | None:
    """``sentence`` with a leading pronoun replaced by ``title`` (with "the" when ``text``, the
    document's words, writes "the <title>"); None when it dangles: no title, or an opening connective
    or pronoun a title cannot stand for ("From there", "However", "This")."""
    if CONNECTIVES.match(sentence):
        return None
    match = _PRONOUN.match(sentence)
    if not match:
        return sentence
    if not title:
        return None
    if re.search(rf"\bthe {re.escape(title)}\b", text, re.IGNORECASE) and not title.lower().startswith("the "):
        title = f"the {title}"
    word = match.group(1)
    subject = f"{title}'s" if word in POSSESSIVE else title
    return f"{subject} {sentence[match.end():]}"


def _lower_start(text: str) -> str:
    """A claim inside a question: its first word lower-cased when it is a common word, kept when it is
    a name (as the filler placement judges it)."""
    first, _, rest = text.partition(" ")
    if first_word_case(text, text) == "lower" or first in ("The", "A", "An", "More", "Most", "Some", "Many"):
        return f"{first[0].lower()}{first[1:]} {rest}"
    return text


# Where a sentence may be cut after its detail: before a clause that a comma and a conjunction or a
# relative pronoun lead, so the part before is a whole main clause. A bare comma may close an appositive
# or an opening phrase, and a bare "and" may join two nouns: neither is cut.
_CLAUSE_CUT = re.compile(r"(?:,|;)\s+(?=(?:and|which|while|but|where|who|whose|before|after|because|although|"
                         r"whereas|making|leaving|becoming)\b)")


# A claim stands alone only without a pronoun or a pointing word it cannot resolve ("on its banks",
# "recorded there", "this word"), and it has a verb: a past form or a common present one.
_UNRESOLVED = re.compile(r"\b(?:it|its|he|him|his|she|her|they|them|their|there|this|these|those|such)\b",
                         re.IGNORECASE)
_VERB = re.compile(r"\b(?:is|are|was|were|has|have|had|be|been|became|becomes|begins|began|ends|flows|runs|lies|"
                   r"forms|covers|contains|includes|consists|remains|stands|lives|grows|reaches|measures|holds|"
                   r"means|uses|makes|takes|lays|leave|leaves|left|built|made|won|wrote|written|led|began|"
                   r"took|gave|saw|held|became|fell|rose|ran|lay|stood|\w+ed)\b")


def claim_of(sentence: str, detail: Detail) -> str | None:
    """The shortest run of ``sentence``'s clauses from its start that holds the detail and makes a claim
    of at least MIN_CLAIM_WORDS words with a verb ("The Danube begins in the Black Forest of Germany"),
    or None; None too when it leans on a word it cannot resolve."""
    cuts = [m.start() for m in _CLAUSE_CUT.finditer(sentence) if m.start() >= detail.end] + [len(sentence)]
    for cut in cuts:
        claim = sentence[:cut].rstrip(" ,;:.")
        if len(claim.split()) >= MIN_CLAIM_WORDS and claim.count("(") == claim.count(")") and _VERB.search(claim):
            return None if _UNRESOLVED.search(claim) else claim
    return None


@dataclass
class Candidate:
    sentence: str  # the source sentence, subject named
    detail: Detail
    altered: str
    claim: str = ""  # the clauses of the sentence that are asked about, value altered


def pick_fact(segment: Segment, title: str, rng: random.Random, document: str = "") -> Candidate:
    """A sentence of ``segment`` with one detail changed; raises CannotAlter with the last reason."""
    reason = "no sentence with a place, person, date or number"
    for sentence in split_sentences(segment.text):
        if not sentence.endswith(".") or len(sentence.split()) < MIN_CLAIM_WORDS:
            continue
        if sentence.startswith(("A ", "An ")) and (not title or title.lower() not in sentence.lower()):
            reason = f"sentence names no subject the listener knows: {sentence[:80]}"
            continue
        named = name_subject(sentence, title, document or segment.text)
        if named is None:
            reason = f"sentence leans on the one before it (a connective, or a pronoun and no title): {sentence[:80]}"
            continue
        order = rng.sample(DETAIL_KINDS, len(DETAIL_KINDS))  # vary which kind of detail is changed
        for detail in sorted(find_details(named), key=lambda d: order.index(d.kind)):
            try:
                candidate = Candidate(named, detail, alter(detail, rng))
            except CannotAlter as error:
                reason = str(error)
                continue
            try:
                values = spoken_values(candidate)
            except DropText as error:  # a sentence no voice can say ("Proudhon´s", an odd accent mark)
                reason = f"sentence cannot be said: {error}"
                break
            if not all(values):  # "Magnar Saetre (born 1943) was": asides are not said
                reason = f"{detail.kind} {detail.value} is not said aloud (an aside in brackets)"
                continue
            if _said_elsewhere(candidate):
                reason = f"altered value {candidate.altered} is already said in the sentence"
                continue
            claim = claim_of(named, detail)
            if claim is None:
                reason = f"no short claim holds the {detail.kind} {detail.value}"
                continue
            candidate.claim = claim[:detail.start] + candidate.altered + claim[detail.end:]
            try:
                forms = fitting_forms(candidate.claim)
            except DropText as error:
                reason = f"claim cannot be said: {error}"
                continue
            if not forms:
                reason = f"question too long to ask in one breath (over {MAX_QUESTION_WORDS} spoken words)"
                continue
            return candidate
    raise CannotAlter(reason)


MARKER = "something"  # stands in for the value, so the words that differ are the value's own


def _spoken_span(sentence: str, marked: str, seed: int) -> str:
    """The words of spoken ``sentence`` from the first to the last that differ from spoken ``marked``."""
    said = to_spoken(sentence, seed=seed, filler_rate=0.0, role="assistant")[0].split()
    other = to_spoken(marked, seed=seed, filler_rate=0.0, role="assistant")[0].split()
    start = next((i for i, (a, b) in enumerate(zip(said, other)) if a != b), min(len(said), len(other)))
    end = next((i for i, (a, b) in enumerate(zip(reversed(said), reversed(other))) if a != b),
               min(len(said), len(other)) - start)
    return _bare(" ".join(said[start:len(said) - end]))


def spoken_values(candidate: Candidate, seed: int = 0) -> tuple[str, str]:
    """How the true and the altered value sound in the source sentence, as the verbalizer says them."""
    d = candidate.detail
    marked = candidate.sentence[:d.start] + MARKER + candidate.sentence[d.end:]
    return (_spoken_span(candidate.sentence, marked, seed),
            _spoken_span(_replace(candidate.sentence, candidate), marked, seed))


def contains_words(text: str, span: str) -> bool:
    """``span`` occurs in ``text`` as whole words, ignoring case and punctuation."""
    return bool(span) and f" {span} " in f" {_bare(text)} "


def _said_elsewhere(candidate: Candidate) -> bool:
    """The altered value already occurs in the true sentence ("from six until ten", six -> ten): an
    answer that repeats the sentence would then say it."""
    _, altered_spoken = spoken_values(candidate)
    said = to_spoken(candidate.sentence, seed=0, filler_rate=0.0, role="assistant")[0]
    return contains_words(candidate.sentence, candidate.altered) or contains_words(said, altered_spoken)


def _bare(text: str) -> str:
    return " ".join(re.sub(r"[^\w'-]+", " ", text).lower().split())


def _replace(sentence: str, candidate: Candidate) -> str:
    d = candidate.detail
    return sentence[:d.start] + candidate.altered + sentence[d.end:]


def fitting_forms(claim: str) -> list[str]:
    """The question forms that ask ``claim`` in at most MAX_QUESTION_WORDS spoken words."""
    claim_words = len(to_spoken(claim, seed=0, filler_rate=0.0)[0].split())
    return [f for f in QUESTIONS if claim_words + len(f.format(claim="", Claim="").split()) <= MAX_QUESTION_WORDS]


def _question(form: str, claim: str) -> str:
    lowered = _lower_start(claim)
    return form.format(claim=lowered, Claim=claim[0].upper() + claim[1:])


def correction(candidate: Candidate, rng: random.Random) -> str:
    """The answer: the true value in one breath ("No, in Germany.", "No, about seventy-five centimetres."),
    never the altered one; sometimes the fact said right after it, when it is short."""
    d, sentence = candidate.detail, candidate.sentence
    before = sentence[:d.start].rstrip().lower()
    value = sentence[d.start:d.end]
    lead = ""
    if d.kind in ("number", "unit"):
        if d.kind == "unit":  # the unit with its number: "285 km"
            number = re.search(r"(\S+)\s*$", sentence[:d.start])
            value = f"{number.group(1)} {value}"
            before = sentence[:number.start()].rstrip().lower()
        elif (after := re.match(r"\s+([A-Za-z]+)", sentence[d.end:])) and (
                _UNIT.match(sentence, d.end + 1) or (after.group(1).endswith("s") and after.group(1).islower())):
            value += " " + after.group(1)  # "ten countries", "24 days", "285 km"
        lead = next((q for q in QUALIFIERS if before.endswith(" " + q) or before == q), "")
    elif d.kind == "date" and value in MONTHS:
        words = before.split()
        lead = words[-1] if words and words[-1] in PREPOSITIONS else "in"
        if words and words[-1].isdigit():  # "on 1 July" is said "in July", "until 1 July" "until July"
            lead = words[-2] if len(words) > 1 and words[-2] in ("until", "by", "since", "from") else "in"
    else:
        word = before.split()[-1] if before.split() else ""
        lead = word if word in PREPOSITIONS else ""
    if lead:
        said = f"{lead} {value}"
    else:
        said = f"it was {value}" if d.kind in ("date", "person") else f"it's {value}"
    opener = rng.choice(OPENERS)
    answer = f"{opener} {said}."
    true_claim = true_claim_of(candidate)
    if rng.random() < FOLLOW_UP_RATE and len(true_claim.split()) <= 16:
        answer += f" {true_claim[0].upper()}{true_claim[1:]}."
    if not corrects(answer, candidate):  # "on 1 January" is said "the first of January": say the claim right
        answer = f"{opener} {_lower_start(true_claim)}."
    return answer


def words_before_value(answer: str, candidate: Candidate) -> int:
    """How many spoken words of ``answer`` come before the true value."""
    said = _bare(to_spoken(answer, seed=0, filler_rate=0.0, role="assistant")[0]).split()
    value = _bare(spoken_values(candidate)[0]).split()
    return next((i for i in range(len(said)) if said[i:i + len(value)] == value), len(said))


def true_claim_of(candidate: Candidate) -> str:
    """The claim as the source sentence says it, true value in place."""
    return candidate.sentence[:len(candidate.claim) - len(candidate.altered) + len(candidate.detail.value)]


def corrects(answer: str, candidate: Candidate) -> bool:
    """The spoken answer names the true value and not the altered one (what the stage's check asks)."""
    true_spoken, altered_spoken = spoken_values(candidate)
    said = to_spoken(answer, seed=0, filler_rate=0.0, role="assistant")[0]
    return contains_words(said, true_spoken) and not contains_words(said, altered_spoken)


def false_premise_scripts(segments: list[Segment], *, max_count: int, titles: dict[str, str] | None = None,
                          skipped: list[tuple[Segment, str]] | None = None) -> list[DialogueScript]:
    """Up to ``max_count`` corrections from narration segments in order; ``titles``: document id ->
    title; a segment with a detail that cannot be altered goes to ``skipped`` with the reason."""
    scripts = []
    document_text: dict[str, str] = {}
    for segment in segments:
        document_text[segment.parent_id] = document_text.get(segment.parent_id, "") + " " + segment.text
    for segment in segments:
        if len(scripts) >= max_count:
            break
        if segment.role != "narration":
            continue
        rng = random.Random(seed_from_id(segment.id, "false_premise"))
        try:
            found = pick_fact(segment, (titles or {}).get(segment.parent_id, ""), rng,
                              document_text.get(segment.parent_id, ""))
        except CannotAlter as error:
            if skipped is not None and "no sentence with" not in str(error):
                skipped.append((segment, str(error)))
            continue
        question = _question(rng.choice(fitting_forms(found.claim)), found.claim)
        answer = correction(found, rng)
        if not corrects(answer, found) or words_before_value(answer, found) > MAX_WORDS_BEFORE_VALUE:
            if skipped is not None:
                skipped.append((segment, f"no short answer names the true {found.detail.kind} "
                                         f"{found.detail.value} as the sentence says it"))
            continue
        detail = found.detail
        scripts.append(DialogueScript(
            id=stable_id("dialogue", "false_premise", segment.id, found.altered), parent_id=segment.id,
            stage=names.FALSE_PREMISE_DIALOGUES, kind="false_premise", source=segment.source,
            snapshot=segment.snapshot, license=segment.license,
            params=json.dumps({"sentence": found.sentence, "claim": found.claim, "span": [detail.start, detail.end],
                               "detail": detail.kind, "original": detail.value, "altered": found.altered}),
            turns=[Turn("user", question), Turn("assistant", answer)],
        ))
    return scripts
