"""What a TTS voice cannot say, and the rewrites that remove it: editorial brackets, foreign script,
phonetic transcriptions and stray punctuation. ``unspeakable`` is the last word on a row: the
spoken stage drops a row that still holds any, and the ``spoken_text`` check counts them."""

from __future__ import annotations

import re
import unicodedata

# Spoken text holds Latin letters (accents allowed), spaces, and the punctuation TTS phrases with.
SPEAKABLE_PUNCTUATION = frozenset(" .,!?;:'’-")

# Notes editors add in square brackets: never said. Everything else in brackets is an editor's insertion
# into a quotation ("This period [the 1890s] was", "uphold[ing]"): the words are kept, the brackets go.
_EDITORIAL_NOTE = re.compile(
    r"\s*\[(?:\.{3}|…|sic|sic!|citation needed|clarification needed|who\??|when\??|which\??|where\??|"
    r"by whom\??|dubious[^\]]*|verification needed|failed verification|according to whom\??|"
    r"page needed|year needed|note \w+|nb \w+|n \d+|[a-z]|[ivx]+|\d+(?:[,–-]\s?\d+)*|update|disputed[^\]]*)\]"
    r"(?![A-Za-z])",  # "[T]he" is an insertion, not a note
    re.IGNORECASE)
_INSERTION = re.compile(r"\[([^\[\]]{1,60})\]")
# A phonetic transcription, /ˈænərkɪzəm/ or [ˈæn.ər.kɪ.zəm]: not words a voice reads.
IPA_CHARS = "ˈˌːəɪʊʃʒθðŋæɑɒɔɛʌɜɐɚɝʔʁχβɣɲʎɾɹɫɨʉʏøœ"
_TRANSCRIPTION = re.compile(rf"[/\[][^/\[\]\s]*[{IPA_CHARS}][^/\[\]]*[/\]]")

GREEK = dict(zip("αβγδεζηθικλμνξοπρσςτυφχψω",
                 "a b g d e z e th i k l m n x o p r s s t y ph ch ps o".split()))
CYRILLIC = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґ",
                    ["a", "b", "v", "g", "d", "e", "yo", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p",
                     "r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya",
                     "i", "yi", "ye", "g"]))
TRANSLITERATION = {**GREEK, **CYRILLIC}


def script(ch: str) -> str:
    """The script of a letter from its Unicode name ('LATIN', 'GREEK', 'CJK', ...), '' for a non-letter."""
    if not ch.isalpha():
        return ""
    name = unicodedata.name(ch, "UNKNOWN")
    return name.split(" ", 1)[0]


def foreign(ch: str) -> bool:
    return ch.isalpha() and script(ch) != "LATIN"


def resolve_editorial_brackets(text: str) -> str:
    """Editorial notes dropped, editorial insertions kept without their brackets."""
    text = _TRANSCRIPTION.sub("", text)
    text = _EDITORIAL_NOTE.sub("", text)
    return _INSERTION.sub(r"\1", text)


def _transliterate_word(word: str) -> str:
    plain = "".join(ch for ch in unicodedata.normalize("NFD", word) if not unicodedata.combining(ch))
    spelled = "".join(TRANSLITERATION.get(ch.lower(), ch) for ch in plain)
    return spelled.capitalize() if plain[:1].isupper() else spelled


_FOREIGN_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def transliterate_greek_cyrillic(text: str) -> str:
    """Greek and Cyrillic words spelled in Latin letters ('ἀναρχία' -> 'anarchia'): terms a reader would
    say. Words mixing in other scripts are left for ``drop_foreign_script``."""
    def spell(match: re.Match) -> str:
        word = match.group()
        if not any(foreign(ch) for ch in word):
            return word
        plain = "".join(ch for ch in unicodedata.normalize("NFD", word) if not unicodedata.combining(ch))
        if all(script(ch) in ("GREEK", "CYRILLIC") for ch in plain):
            return _transliterate_word(word)
        return word
    return _FOREIGN_WORD.sub(spell, text)


_FOREIGN_SPAN = re.compile(r"[^\W\d_]*(?:(?![\W\d_])[^\u0000-\u024F\u1E00-\u1EFF])[^\s,;.!?()\[\]]*")


def drop_foreign_script(text: str) -> str:
    """Words in scripts a English voice cannot read (Han, Arabic, Hebrew, Devanagari, ...) dropped."""
    if all(ord(ch) < 0x250 for ch in text):
        return text
    return _FOREIGN_SPAN.sub(lambda m: "" if any(foreign(ch) for ch in m.group()) else m.group(), text)


def _drop_unmatched(text: str, opening: str, closing: str) -> str:
    keep, stack = list(text), []
    for index, ch in enumerate(text):
        if ch == opening:
            stack.append(index)
        elif ch == closing:
            if stack:
                stack.pop()
            else:
                keep[index] = ""
    for index in stack:
        keep[index] = ""
    return "".join(keep)


def clean_stray_punctuation(text: str) -> str:
    """Brackets without a partner, brackets glued to a word ('401(k)' -> '401 k'), doubled full stops,
    and symbols left alone between spaces."""
    for opening, closing in ("()", "[]", "{}"):
        text = _drop_unmatched(text, opening, closing)
    text = re.sub(r"(?<=\w)[(\[{]([^()\[\]{}\s]{1,12})[)\]}]", r" \1", text)  # f(x), 401(k)
    text = re.sub(r"(?<![.])\.\.(?![.])", ".", text)  # "to revolt.. France"
    text = re.sub(r"(?:(?<=\s)|^)[*#|~^_•·†‡¶§]+(?=[\s.,;:!?]|$)", " ", text)  # footnote marks, bullets
    text = re.sub(r"(?<=\w)[*†‡]+", "", text)  # "Smith*", "born 1900†"
    return text


def unspeakable(text: str) -> list[str]:
    """The characters of ``text`` no voice can read as written, in order of first appearance."""
    found: dict[str, None] = {}
    for ch in text:
        if ch.isalpha():
            if script(ch) != "LATIN":
                found[ch] = None
        elif ch not in SPEAKABLE_PUNCTUATION and not ch.isspace():
            found[ch] = None
    return list(found)


def unspeakable_excerpt(text: str, width: int = 12) -> str:
    """'' for a speakable row; else the first offending character with a little context, for a check's
    examples: "'[' in 'period [eightee'"."""
    bad = unspeakable(text)
    if not bad:
        return ""
    at = text.index(bad[0])
    return f"{bad[0]!r} in {text[max(0, at - width):at + width]!r}"
