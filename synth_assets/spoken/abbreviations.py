"""Abbreviations, initials, dotted acronyms and roman numerals, read the way a person says them.

'St.' is 'Street' after a street name ('1428 Elm St.') and 'Saint' before one ('St. Louis'); 'Dr.'
likewise 'Drive' or 'Doctor'. Roman numerals are read in context by ``roman``.
"""

from __future__ import annotations

import re

from synth_assets.spoken import roman
from synth_assets.spoken.numbers import cardinal

# Words before a name: no sentence ends after them.
TITLES = {
    "mr.": "Mister", "mrs.": "Missus", "ms.": "Miz", "prof.": "Professor", "gen.": "General",
    "col.": "Colonel", "lt.": "Lieutenant", "capt.": "Captain", "sgt.": "Sergeant", "gov.": "Governor",
    "sen.": "Senator", "rep.": "Representative", "rev.": "Reverend", "hon.": "Honorable",
    "pres.": "President", "mt.": "Mount", "ft.": "Fort", "messrs.": "Messieurs", "fr.": "Father",
}
UNDOTTED_TITLES = {"Mrs": "Missus", "Mr": "Mister", "Ms": "Miz", "Dr": "Doctor"}
# Abbreviations that may end a sentence: the full stop stays when a capital follows.
WORDS = {
    "e.g.": "for example", "i.e.": "that is", "etc.": "et cetera", "vs.": "versus", "vs": "versus",
    "approx.": "approximately", "cf.": "compare", "viz.": "namely", "et al.": "et al", "a.k.a.": "also known as",
    "aka": "also known as", "jr.": "Junior", "sr.": "Senior", "inc.": "Incorporated", "ltd.": "Limited",
    "corp.": "Corporation", "dept.": "Department", "univ.": "University", "ave.": "Avenue",
    "blvd.": "Boulevard", "rd.": "Road", "ph.d.": "PhD", "w/o": "without", "w/": "with", "b/c": "because",
    "wwii": "World War Two", "wwi": "World War One", "misc.": "miscellaneous",
}
WORDS_CASED = {"WWII": "World War Two", "WWI": "World War One"}
# Abbreviations said only before a number: "No. 5", "pp. 10-12", "c. 1850".
BEFORE_NUMBERS = {"no.": "number", "nos.": "numbers", "vol.": "volume", "vols.": "volumes", "pp.": "pages",
                  "p.": "page", "fig.": "figure", "figs.": "figures", "ch.": "chapter", "ca.": "circa",
                  "c.": "circa", "sec.": "section", "art.": "article", "ed.": "edition", "op.": "opus",
                  "ep.": "episode", "approx": "approximately",
                  "est.": "established"}
# A name part, not a function word, before "St." or "Dr.": then it is a street.
FUNCTION_WORDS = frozenset(
    "a an the in on at to from by of for with near and or but visit see meet met ask call dear "
    "this that his her their our my your is was".split())


def _alternation(keys) -> str:
    return "|".join(re.escape(k) for k in sorted(keys, key=len, reverse=True))


def _ends_sentence(m: re.Match) -> bool:
    rest = m.string[m.end():]
    return not rest.strip() or bool(re.match(r"\s+[\"'“‘(]?[A-Z]", rest))


def _is_street(m: re.Match) -> bool:
    """'1428 Elm St.', 'Baker St.': a name part (or a house number) before, no name after."""
    before = m.string[:m.start()]
    if re.search(r"\d+\s+(?:[A-Z][\w'-]*\s+){1,3}$", before):
        return True
    previous = re.search(r"([A-Z][a-z'-]+)\s+$", before)
    return bool(previous) and previous[1].lower() not in FUNCTION_WORDS and not re.match(r"\s+[A-Z]", m.string[m.end():])


def _street_or_title(street: str, title: str):
    def replace(m: re.Match) -> str:
        if _is_street(m):
            return street + ("." if _ends_sentence(m) else "")
        return title
    return replace


def _same_case(written: str, spoken: str) -> str:
    """'Approx.' -> 'Approximately': a capital written stays a capital spoken."""
    return spoken[0].upper() + spoken[1:] if written[:1].isupper() else spoken


def _title(m: re.Match) -> str:
    return TITLES[m.group().lower()]


def _word(m: re.Match) -> str:
    key = m.group()
    spoken = WORDS_CASED.get(key) or WORDS[key.lower()]
    spoken = _same_case(key, spoken)
    return spoken + ("." if key.endswith(".") and _ends_sentence(m) else "")


def _dotted(m: re.Match) -> str:
    """'U.S.' -> 'U S'; the full stop stays only at the very end of the text."""
    letters = " ".join(ch.upper() for ch in m.group() if ch.isalpha())
    return letters + ("." if not m.string[m.end():].strip() else "")


RULES = [
    (re.compile(rf"(?<![\w.])(?:{_alternation(BEFORE_NUMBERS)})(?=\s?\d)", re.I),
     lambda m: _same_case(m.group(), BEFORE_NUMBERS[m.group().lower()])),
    (re.compile(r"(?<![\w.])St\.(?=\s|$)"), _street_or_title("Street", "Saint")),
    (re.compile(r"(?<![\w.])Dr\.(?=\s|$)"), _street_or_title("Drive", "Doctor")),
    (re.compile(rf"(?<![\w.])(?:{_alternation(TITLES)})(?=\s|$)", re.I), _title),
    # British titles take no full stop: "Mrs Dalloway", "Dr Watson" (a capitalised name follows)
    (re.compile(r"(?<![\w.])(Mrs|Mr|Ms|Dr)(?=\s+[A-Z][a-z])"), lambda m: UNDOTTED_TITLES[m.group(1)]),
    (re.compile(rf"(?<![\w.])(?:{_alternation(WORDS)})(?![\w])", re.I), _word),
    # C. S. Lewis -> CS Lewis
    (re.compile(r"\b((?:[A-Z]\.\s){2,4})(?=[A-Z][a-z])"),
     lambda m: "".join(ch for ch in m[1] if ch.isalpha()) + " "),
    (re.compile(r"(?<![\w.])(?:[A-Za-z]\.){2,}(?![\w])"), _dotted),
    # 401(k), 501(c)(3)
    (re.compile(r"\b(\d{3})((?:\([a-z0-9]\))+)"),
     lambda m: f"{cardinal(int(m[1][0]))} oh {cardinal(int(m[1][2]))} " + " ".join(re.findall(r"\w", m[2]))
     if m[1][1] == "0" else m.group()),
    *roman.RULES,
]
