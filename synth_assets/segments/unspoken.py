"""What a listener would not hear said aloud, though it is text in the document: back-matter sections
(references, further reading, filmographies, "in popular culture" lists), list entries that are titles,
names or citations rather than sentences, and rows of letter and character tables.

Each test returns the reason a piece is dropped, or None; text_segments records the reason. They are
written for any encyclopedic or web text, not for particular articles, and judge only narration: the
list items of an instruction or an answer ("1. Preheat the oven.") are what the assistant says.
"""

from __future__ import annotations

import re

# Sections whose heading names back matter or a list of works or mentions: none of it is prose to say.
# Matched on the whole heading, case-insensitively; subsections go with their section.
_BACK_MATTER = re.compile(
    r"(?:(?:selected|select|partial|complete|major|other|further|additional|primary|secondary|ancient|modern|"
    r"general|external|online)\s+)?"
    r"(?:references?|notes?|footnotes|endnotes|citations|sources|bibliography|bibliographies|works cited|"
    r"literature cited|further reading|reading|external links|links|see also|gallery|images|publications|"
    r"works|writings|books|filmography|discography|videography|ludography|list of works|"
    r"(?:in |and )?popular culture|in (?:fiction|media|film|television|literature and (?:the )?arts?)|"
    r"cultural (?:references|depictions|impact)|(?:references|appearances|portrayals|depictions) in "
    r"(?:popular culture|media|fiction|film|television))"
    r"(?:\s+(?:and|&)\s+(?:references?|notes?|sources|citations|further reading|bibliography|external links|"
    r"popular culture|media))?",
    re.IGNORECASE)


def back_matter(heading: str) -> bool:
    """Whether a section with this heading (without its #) is back matter, a list of works or of mentions."""
    return bool(_BACK_MATTER.fullmatch(heading.strip().rstrip(":").strip()))


# A finite verb makes a sentence of a list entry. English has too many verbs to list, so: the closed class
# (auxiliaries, modals, copulas), the commonest irregular verbs, regular past forms, and a present "-s" form
# right after its subject.
_FINITE = frozenset(
    "is are was were am be has have had do does did can could will would shall should may might must "
    "became becomes begin begins began bring brings brought build builds built buy bought came come comes "
    "did drew drove fell felt fight fights fought find finds found flew forgot gave give gives go goes got "
    "grew hang hung hold holds held keep keeps kept know knows knew lay lead leads led leave leaves left "
    "lie lies lose loses lost make makes made mean means meant meet meets met pay pays paid put puts ran "
    "read reads rise rises rose run runs said say says saw see sees seem seems sell sells sold send sends "
    "sent set sets shot show shows sing sings sang sit sits sat speak speaks spoke spend spends spent "
    "stand stands stood steal stole strike strikes struck swam take takes took teach teaches taught tell "
    "tells told think thinks thought threw throw throws understood win wins won wore write writes wrote "
    "contains includes consists refers remains appears lives plays uses".split())
_SUBJECTS = frozenset("he she it this that which who they we i you there".split())
_PAST = re.compile(r"[a-z]{3,}ed$")
_NOT_PAST = frozenset("bed red wed fed led shed need seed speed feed breed weed deed hundred sacred naked "
                      "wicked wretched rugged ragged beloved kindred indeed based".split())
_NOT_PRESENT = frozenset("this thus plus less towards always perhaps sometimes afterwards besides whereas across "
                         "unless series species news various previous famous numerous".split())
_WORD = re.compile(r"[A-Za-z][\w'’-]*")


def _after_pause(text: str, word: re.Match) -> bool:
    """The word opens a phrase after a comma or colon: "king salmon, adopted 1962" is a participle."""
    return text[:word.start()].rstrip()[-1:] in (",", ":", ";", "(")


def has_finite_verb(text: str) -> bool:
    matches = list(_WORD.finditer(text))
    words = [m.group() for m in matches]
    for index, word in enumerate(words):
        lower = word.lower()
        if not word.islower():  # a name or a title ("in the series Lost"), whatever it spells
            continue
        pause = _after_pause(text, matches[index])
        if lower in _FINITE or (_PAST.search(lower) and lower not in _NOT_PAST and not pause):
            return True
        if index and len(lower) > 3 and lower.endswith("s") and lower not in _NOT_PRESENT and not pause:
            before = words[index - 1]
            if before[0].isupper() or before.lower() in _SUBJECTS:
                return True
    return False


# Bibliographic cues: a reference names its pages, volume, publisher, identifier or access date.
_BIBLIOGRAPHIC = re.compile(
    r"\b(?:pp?\.\s*\d|vol\.|vols\.|ed\.|eds\.|trans\.|isbn|issn|doi|oclc|retrieved|archived|accessed|"
    r"university press|press,|publishers?|publishing|edited by|translated by|journal|proceedings|"
    r"et al\b|ibid|op\. cit)", re.IGNORECASE)
# "Homer, Odyssey XI, 467-540", "Ovid, Metamorphoses XII, 580": an author, a work and a place in it.
_LOCATOR = re.compile(r"^[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*)*,\s.*(?:\b[IVXLC]+\b|\d+)\s*[.;]?$")
# A row of a letter or character table: "Æ æ : Latin AE ligature", "Ɑ ɑ, Latin letter alpha".
_CHARACTER_ROW = re.compile(r"^\W*\w\W*\s+\w\W*(?:\s|$)|^\W*[^\x00-\x7f]\W*(?:\s|$)")


def citation(text: str) -> bool:
    """A bibliographic reference: cues of one without a finite verb, or an author, a work and a locator."""
    if _LOCATOR.match(text) and not has_finite_verb(text):
        return True
    return bool(_BIBLIOGRAPHIC.search(text)) and not has_finite_verb(text)


MIN_ITEM_WORDS = 6  # a list entry shorter than this is a name or a title, whatever its words
# An entry written as a sentence of its own, "Keep the bedroom cool and dark.", without a verb this module
# knows: it ends on a full stop and most of its words are not capitalised (titles and names are).
MIN_LOWER_SHARE = 0.6


def _lower_share(text: str) -> float:
    words = _WORD.findall(text)
    return sum(w[0].islower() for w in words) / len(words) if words else 0.0


_ASIDE = re.compile(r"\s*\([^()]*\)")
_LABEL = re.compile(r"^[^:.,;]{1,40}:\s")  # "State fish: king salmon, adopted 1962"


def reads_as_sentence(item: str) -> bool:
    """A list entry that is a sentence of its own. Asides in brackets are not read, so not counted."""
    item = _ASIDE.sub("", item)
    if len(item.split()) < MIN_ITEM_WORDS:
        return False
    if _LABEL.match(item) and not has_finite_verb(item):
        return False
    return has_finite_verb(item) or (item.rstrip("\"'”’)").endswith((".", "!", "?")) and
                                     _lower_share(item) >= MIN_LOWER_SHARE)


def list_item_problem(item: str) -> str | None:
    """Why a list item of narration is not said, or None when it reads as a sentence of its own."""
    if _CHARACTER_ROW.match(item):
        return "list item: a row of a letter or character table"
    if citation(item):
        return "list item: a citation or bibliographic reference"
    if not reads_as_sentence(item):
        return "list item that is not a sentence (a name, a title or an entry)"
    return None
