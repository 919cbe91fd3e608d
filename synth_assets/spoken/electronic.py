"""Things read symbol by symbol: URLs, e-mail addresses, file names and domains, phone numbers,
social security numbers and IP addresses.

Each ``*_RULE`` is a (pattern, replacement) pair for the verbalizer's rule chain. Their output holds
only words, so the rules after them leave it alone.
"""

from __future__ import annotations

import re

from synth_assets.spoken.numbers import cardinal, digits

SPOKEN_SYMBOLS = {".": "dot", "/": "slash", "-": "dash", "_": "underscore", "@": "at", ":": "colon",
                  "&": "ampersand", "?": "question mark", "=": "equals", "#": "hash", "~": "tilde",
                  "+": "plus", "%": "percent", "!": "exclamation mark", ",": "comma", "$": "dollar",
                  "*": "star", "'": "apostrophe", "(": "", ")": "", "[": "", "]": ""}
SPOKEN_WORDS = {"www": "WWW", "http": "HTTP", "https": "HTTPS", "ftp": "FTP", "jpg": "jpeg"}
# Domain parts said as words; other short parts (country codes, extensions) are spelled out.
SAID_AS_WORDS = frozenset("com org net gov edu info mail gmail file code docs html".split())
_PIECE = re.compile(r"[A-Za-z]+|\d+|\S")
_TRAILING = re.compile(r"[.,;:!?)\]}'\"]+$")


def _spell_letters(word: str) -> str:
    lower = word.lower()
    if lower in SPOKEN_WORDS:
        return SPOKEN_WORDS[lower]
    if len(word) <= 3 and lower not in SAID_AS_WORDS and not (len(word) == 3 and re.search("[aeiou]", lower)):
        return word.upper()
    return word


def spell_address(text: str) -> str:
    """'www.abc.com/12-sm' -> 'WWW dot abc dot com slash one two dash SM'."""
    out = []
    for piece in _PIECE.findall(text):
        if piece.isdigit():
            round_number = len(piece) <= 4 and re.fullmatch(r"[1-9]0+", piece)
            out.append(cardinal(int(piece)) if round_number else digits(piece))
        elif piece.isalpha() and piece.isascii():
            out.append(_spell_letters(piece))
        else:
            out.append(SPOKEN_SYMBOLS.get(piece, piece))
    return " ".join(word for word in out if word)


def _address(m: re.Match) -> str:
    text = m.group()
    trailing = _TRAILING.search(text)
    if trailing and ")" in trailing.group() and text.count("(") >= text.count(")"):
        trailing = re.search(r"[.,;:!?'\"]+$", text)  # wiki/Python_(language): the bracket belongs
    if trailing:  # a sentence's full stop or a closing bracket after the address is not part of it
        text, tail = text[:trailing.start()], trailing.group()
        return spell_address(text) + tail
    return spell_address(text)


URL = re.compile(r"\b(?:https?|ftp|file)://[^\s<>\"]+|\bwww\.[^\s<>\"]+", re.I)
EMAIL = re.compile(r"(?<![\w.@])[A-Za-z0-9][\w.+&-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+(?:/[\w./-]*)?")
# A bare domain or file name: dotted parts of two or more characters, the last one letters in one
# case ("node.js", "test2.uk", "intro.html"), so that "U.S." and "end.The" are not taken.
DOMAIN = re.compile(r"(?<![\w@./-])[A-Za-z][\w-]+(?:\.[A-Za-z0-9][\w-]*)*\.(?:[a-z]{2,6}|[A-Z]{2,4})\b"
                    r"(?:/[\w./-]*)?(?![\w@])")

PHONE = re.compile(
    r"(?<![\w+])(?:(\+\d{1,3})[\s-]?)?(?:\((\d{3})\)[\s-]?|(\d{3})[-.\s])(\d{3})[-.](\d{4})((?:-\d{1,4})?)(?![\d-])")
TOLL_FREE = re.compile(r"(?<![\w-])1-(8\d\d)-((?:[A-Z0-9]+-)*[A-Z0-9]+)\b")
SSN = re.compile(r"(?<![\w-])(\d{3})-(\d{2})-(\d{4})(?![\w-])")
IP = re.compile(r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?![\w]|\.\d)")


def _phone(m: re.Match) -> str:
    country, area_paren, area, exchange, line, extension = m.groups()
    groups = [f"plus {digits(country)}"] if country else []
    groups += [digits(area_paren or area), digits(exchange), digits(line)]
    if extension:
        groups.append(digits(extension))
    return ", ".join(groups)


def _toll_free(m: re.Match) -> str:
    rest = " ".join(digits(p) if p.isdigit() else p for p in m[2].split("-"))
    return f"one, {cardinal(int(m[1]))}, {rest}"


RULES = [
    (URL, _address),
    (EMAIL, _address),
    (TOLL_FREE, _toll_free),
    (PHONE, _phone),
    (SSN, lambda m: ", ".join(digits(g) for g in m.groups())),
    (IP, lambda m: " dot ".join(digits(part) for part in m.group().split("."))),
    (DOMAIN, _address),
]
