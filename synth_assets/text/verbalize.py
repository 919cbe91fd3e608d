"""Written English -> spoken English, so that TTS reads numbers, money, units and symbols right.

``verbalize`` applies an ordered chain of (pattern, replacement) rules. Each rule sees the output of
the ones before it, so specific forms (ranges, money, times, units, decades, ordinals, fractions) come
before bare numbers, and symbols come last. Cardinals are American style: no "and", no commas.
Known limits: a bare 4-digit number from 1100 to 2099 is always read as a year, "St." is always
"Saint", and ISO dates or phone numbers are read as ranges.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from num2words import num2words

DIGITS = "zero one two three four five six seven eight nine".split()

ABBREVIATIONS = {
    "dr.": "Doctor", "mr.": "Mister", "mrs.": "Missus", "ms.": "Miz", "prof.": "Professor",
    "st.": "Saint", "jr.": "Junior", "sr.": "Senior", "e.g.": "for example", "i.e.": "that is",
    "etc.": "et cetera", "vs.": "versus", "approx.": "approximately", "u.s.": "U S", "u.k.": "U K",
    "u.n.": "U N",
}
# Abbreviations that often end a sentence: their period stays when a capitalised word follows.
ENDS_SENTENCES = {"etc."}

CURRENCIES = {  # symbol: (one, many, one hundredth, many hundredths)
    "$": ("dollar", "dollars", "cent", "cents"),
    "£": ("pound", "pounds", "penny", "pence"),
    "€": ("euro", "euros", "cent", "cents"),
    "¥": ("yen", "yen", "sen", "sen"),
}
SCALES = {"thousand": "thousand", "million": "million", "billion": "billion", "trillion": "trillion",
          "k": "thousand", "m": "million", "bn": "billion"}

UNITS = {  # plural form; the singular drops the "s" of the first word ("degree Celsius")
    "km/h": "kilometers per hour", "mph": "miles per hour", "km": "kilometers", "cm": "centimeters",
    "mm": "millimeters", "m": "meters", "kg": "kilograms", "mg": "milligrams", "g": "grams",
    "ml": "milliliters", "l": "liters", "L": "liters", "°C": "degrees Celsius",
    "°F": "degrees Fahrenheit", "°": "degrees", "%": "percent",
}
FRACTIONS = {2: ("half", "halves"), 4: ("quarter", "quarters")}  # other denominators use ordinals

SYMBOLS = {"&": "and", "+": "plus", "=": "equals", "@": "at", "#": "hash", "/": "slash",
           "°": "degrees", "%": "percent"}

NUM = r"-?\d{1,3}(?:,\d{3})+(?:\.\d+)?|-?\d+(?:\.\d+)?"  # 1,234.5 or 1234.5, maybe negative


def cardinal(n: int) -> str:
    words = num2words(abs(n)).replace(",", "").replace(" and ", " ")
    return f"minus {words}" if n < 0 else words


def year(n: int) -> str:
    return num2words(n, to="year").replace(" and ", " ")


def number(text: str, *, as_year: bool = True) -> str:
    """A written number: '1,234.05', '-3', '007', '1998' (a year when as_year and 1100-2099)."""
    sign, digits = ("minus ", text[1:]) if text.startswith("-") else ("", text)
    whole, _, fraction = digits.replace(",", "").partition(".")
    if len(whole) > 1 and whole.startswith("0"):  # codes like 007 are read digit by digit
        words = " ".join(DIGITS[int(d)] for d in whole)
    elif as_year and not sign and not fraction and "," not in digits and len(whole) == 4 \
            and 1100 <= int(whole) <= 2099:
        words = year(int(whole))
    else:
        words = cardinal(int(whole or 0))
    if fraction:
        words += " point " + " ".join(DIGITS[int(d)] for d in fraction)
    return sign + words


def _plural(words: str) -> str:
    return words[:-1] + "ies" if words.endswith("y") else words + "s"


def _abbreviation(m: re.Match) -> str:
    key = m.group().lower()
    rest = m.string[m.end():]
    keep_period = re.match(r"\s*$", rest) or (key in ENDS_SENTENCES and re.match(r"\s+[A-Z]", rest))
    return ABBREVIATIONS[key] + ("." if keep_period else "")


def _money(m: re.Match) -> str:
    one, many, sub_one, sub_many = CURRENCIES[m[1]]
    amount, scale = m[2].replace(",", ""), m[3]
    if scale:  # €1.2 million -> one point two million euros
        return f"{number(amount, as_year=False)} {SCALES[scale.lower()]} {many}"
    whole, _, cents = amount.partition(".")
    if len(cents) != 2:
        return f"{number(amount, as_year=False)} {one if amount == '1' else many}"
    parts = [f"{cardinal(int(n))} {name if int(n) == 1 else names}"
             for n, name, names in ((whole, one, many), (cents, sub_one, sub_many)) if int(n)]
    return " and ".join(parts) or f"zero {many}"


def _time(m: re.Match) -> str:
    hours, minutes, meridiem = int(m[1]), m[2], m[3]
    words = cardinal(hours)
    if minutes and int(minutes):
        words += (" oh " if int(minutes) < 10 else " ") + cardinal(int(minutes))
    elif minutes and not meridiem:
        words += " o'clock"
    return f"{words} {meridiem.lower()} m" if meridiem else words


def _unit(m: re.Match) -> str:
    plural = UNITS[m[2]]
    name = re.sub(r"s\b", "", plural, count=1) if m[1] in ("1", "-1") else plural
    return f"{number(m[1], as_year=False)} {name}"


def _decade(m: re.Match) -> str:
    n = int(m[1])
    return _plural(year(n) if n >= 1000 else cardinal(n))


def _fraction(m: re.Match) -> str:
    numerator, denominator = int(m[1]), int(m[2])
    ordinal = num2words(denominator, to="ordinal")
    one, many = FRACTIONS.get(denominator, (ordinal, ordinal + "s"))
    return f"{cardinal(numerator)} {one if numerator == 1 else many}"


def _alternation(keys) -> str:
    return "|".join(re.escape(k) for k in sorted(keys, key=len, reverse=True))


_MERIDIEM = r"\s?([AaPp])\.?[Mm]\b(?:\.(?=\s+[a-z]))?"  # am, p.m.; keeps a sentence-final period

RULES: list[tuple[re.Pattern, str | Callable[[re.Match], str]]] = [
    (re.compile(rf"(?<![\w.])(?:{_alternation(ABBREVIATIONS)})", re.I), _abbreviation),
    (re.compile(r"\bNo\.(?=\s?\d)"), "number"),
    (re.compile(r"#(?=\d)"), "number "),
    (re.compile(r"(?<=\d) - (?=\d)"), " minus "),
    (re.compile(r"(?<=\d)(?:\s?[–—]\s?|-)(?=[$£€¥]?\d)"), " to "),  # ranges: 1990–1995, 5-10
    (re.compile(rf"([{''.join(CURRENCIES)}])\s?(\d[\d,]*(?:\.\d+)?)(?:\s?({_alternation(SCALES)})\b)?",
                re.I), _money),
    (re.compile(rf"\b(\d{{1,2}}):([0-5]\d)\b(?:{_MERIDIEM})?"), _time),
    (re.compile(rf"\b(\d{{1,2}})(){_MERIDIEM}"), _time),
    (re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})(?![\d/])"),
     lambda m: _fraction(m) if 0 < int(m[1]) < int(m[2]) else m.group()),
    (re.compile(rf"({NUM})\s?({_alternation(UNITS)})(?![A-Za-z])"), _unit),
    (re.compile(r"(?<![\w'’])['’]?(1[1-9]\d0|20\d0|[1-9]0)['’]?s\b"), _decade),  # 1980s, '90s
    (re.compile(r"\b(\d{1,3}(?:,\d{3})+|\d+)(st|nd|rd|th)\b"),
     lambda m: num2words(int(m[1].replace(",", "")), to="ordinal")),
    (re.compile(r"(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])"), " "),  # MP3 -> MP 3
    (re.compile(rf"(?:(?<![\w-])-)?(?:\d{{1,3}}(?:,\d{{3}})+(?!\d)|\d+)(?:\.\d+)?"),
     lambda m: number(m.group())),
    (re.compile(_alternation(SYMBOLS)), lambda m: f" {SYMBOLS[m.group()]} "),
    (re.compile(r"\s+"), " "),
    (re.compile(r"\s+(?=[,.;:!?])"), ""),
]


def verbalize(text: str) -> str:
    """The spoken form of written English text: '$3.50 on 1st May 1998' -> 'three dollars and ...'."""
    for pattern, replacement in RULES:
        text = pattern.sub(replacement, text)
    return text.strip()
