"""Written English -> spoken English, so that TTS reads numbers, money, units and symbols right.

``verbalize`` applies an ordered chain of (pattern, replacement) rules. Each rule sees the output of
the ones before it, so the specific forms come first and what they produce is plain words that later
rules leave alone:

1. addresses read symbol by symbol (URLs, e-mail, domains, phone numbers, IPs): ``electronic``;
2. equations ('y = x + 1'), then times and dates: ``dates``;
3. abbreviations, initials and roman numerals: ``abbreviations``;
4. money, measures, percentages and dimensions: ``quantities``;
5. decades, ranges, fractions, ordinals, and last bare numbers: ``numbers`` does the reading;
6. the symbols left over (& + = @ # / ° % ...), then white space.

Cardinals are American style: no "and", no commas. Known limits: a bare 4-digit number from 1100 to
2099 is read as a year; five or more digits without separators are read digit by digit (ids, zip
codes), unless the number is round ('13000'); '2-5' reads 'two to five' (a range) but '5-2' reads
'five two' (a score or a code).
"""

from __future__ import annotations

import re
import unicodedata

from synth_assets.spoken import abbreviations, dates, electronic, quantities
from synth_assets.spoken.numbers import cardinal, decimal, digits, fraction, mixed_number, ordinal, ordinal_suffix, year

MAX_CHARS = 100_000  # longer text is verbalized in pieces, so no regex sees more at once

VULGAR_FRACTIONS = {"½": "1/2", "⅓": "1/3", "⅔": "2/3", "¼": "1/4", "¾": "3/4", "⅕": "1/5", "⅛": "1/8",
                    "⅜": "3/8", "⅝": "5/8", "⅞": "7/8"}
FRACTION_IDIOMS = {"24/7": "twenty-four seven", "9/11": "nine eleven", "50/50": "fifty-fifty",
                   "20/20": "twenty-twenty", "365/24/7": "three sixty-five twenty-four seven"}
SLASH_IDIOMS = {"and/or": "and or", "he/she": "he or she", "his/her": "his or her", "him/her": "him or her",
                "s/he": "she or he", "either/or": "either or", "n/a": "not applicable", "N/A": "not applicable"}
SYMBOLS = {"&": "and", "+": "plus", "=": "equals", "@": "at", "#": "hash", "°": "degrees", "%": "percent",
           "$": "dollar", "€": "euro", "£": "pound", "¥": "yen", "±": "plus or minus", "×": "times",
           "÷": "divided by", "≈": "approximately", "≤": "less than or equal to",
           "≥": "greater than or equal to", "≠": "does not equal", "→": "to", "<": "less than",
           ">": "greater than", "~": "about", "§": "section", "¶": "paragraph", "™": "", "®": "", "©": "copyright"}
MATH_OPERATORS = {"-": "minus", "−": "minus", "+": "plus", "*": "times", "×": "times", "/": "divided by",
                  "÷": "divided by", "^": "to the power of", "=": "equals", "<": "less than",
                  ">": "greater than"}

_YEARLIKE = re.compile(r"1[1-9]\d\d|20\d\d")  # FY2019
NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"


def _prepare(text: str) -> str:
    """Unicode forms TTS and the rules trip over: odd spaces and dashes, vulgar fractions, control chars."""
    text = "".join(ch if unicodedata.category(ch)[0] != "C" or ch in "\t\n" else " " for ch in text) \
        if not text.isprintable() else text
    text = text.replace("\u00a0", " ").replace("\u2009", " ").replace("\u202f", " ").replace("−", "-")
    for symbol, written in VULGAR_FRACTIONS.items():
        if symbol in text:
            text = re.sub(rf"(?<=\d){symbol}", f" {written}", text).replace(symbol, written)
    return text


def _equation(m: re.Match) -> str:
    if "=" not in m.group():
        return m.group()
    return re.sub(r"\s*([-−+*×/÷^=<>])\s*", lambda o: f" {MATH_OPERATORS[o[1]]} ", m.group())


def _plural(words: str) -> str:
    return words[:-1] + "ies" if words.endswith("y") else words + "s"


def _decade(text: str) -> str:
    """'1980' -> 'nineteen eighties', '80' -> 'eighties'."""
    n = int(text)
    return _plural(year(n) if n >= 1000 else cardinal(n))


def _decades(m: re.Match) -> str:
    words = _decade(m["a"] or m["a2"])
    return f"{words} to {_decade(m['b'])}" if m["b"] else words


def _year_range(m: re.Match) -> str:
    first, second = int(m["a"]), m["b"]
    if len(second) == 2:  # 1960-80, 1905-07
        if int(second) <= first % 100:
            return m.group()
        return f"{year(first)} to {'oh ' + cardinal(int(second)) if second.startswith('0') else cardinal(int(second))}"
    if int(second) <= first:
        return m.group()
    return f"{year(first)} to {year(int(second))}"


def _range(m: re.Match) -> str:
    left, right = m["a"], m["b"]
    value = lambda s: float(s.replace(",", ""))  # noqa: E731
    if "–" in m["sep"] or "—" in m["sep"] or value(right) > value(left):
        return f"{decimal(left)} to {decimal(right)}"
    if m["sep"].strip() and m["sep"] != m["sep"].strip():  # spaced: 10 - 3 is a subtraction
        return f"{decimal(left)} minus {decimal(right)}"
    return f"{decimal(left)} {decimal(right)}"  # 978-0, 3-2: a code or a score


def _fraction(m: re.Match) -> str:
    written = f"{m[1]}/{m[2]}"
    if written in FRACTION_IDIOMS:
        return FRACTION_IDIOMS[written]
    return fraction(int(m[1]), int(m[2]))


def _ordinal(m: re.Match) -> str:
    n = int(m[1].replace(",", ""))
    if m[2].lower() == ordinal_suffix(n):
        return ordinal(n)
    return f"{cardinal(n)} {m[2]}"  # 4rd: not an ordinal; say what is written


def _symbol(m: re.Match) -> str:
    spoken = SYMBOLS[m.group()]
    return f" {spoken} " if spoken else " "


def _alternation(keys) -> str:
    return "|".join(re.escape(k) for k in sorted(keys, key=len, reverse=True))


# (pattern, replacement, needs a digit in the text)
RULES: list[tuple[re.Pattern, object, bool]] = [
    *((pattern, repl, False) for pattern, repl in electronic.RULES),
    (re.compile(r"(?<=[A-Za-z)])\^([23])(?![\d.])"), lambda m: " squared" if m[1] == "2" else " cubed", True),  # x^2
    (re.compile(r"(?<![\w.])(?:[A-Za-z]{1,3}|\d+(?:\.\d+)?)(?:\s*[-−+*×/÷^=<>]\s*(?:[A-Za-z]{1,3}|\d+(?:\.\d+)?)(?![\w.]))+"),
     _equation, False),
    (re.compile(r"(?<![\w.])ca?\.\s?(?=\d)"), "circa ", True),  # before dates read "3000 BC": c. 3000 BC
    *((pattern, repl, True) for pattern, repl in dates.RULES),
    *((pattern, repl, False) for pattern, repl in abbreviations.RULES),
    (re.compile(r"(?<![\w/])(" + _alternation(SLASH_IDIOMS) + r")(?![\w/])"), lambda m: SLASH_IDIOMS[m[1]], False),
    *((pattern, repl, True) for pattern, repl in quantities.RULES),
    (re.compile(r"#(?=\d)"), "number ", True),
    # 2.0.1, 22.04.1: versions and section numbers
    (re.compile(r"(?<![\w.])\d+(?:\.\d+){2,}(?![\w]|\.\d)"),
     lambda m: " point ".join(decimal(part) for part in m.group().split(".")), True),
    (re.compile(r"(?<![\w:])(\d+):(\d+)(?![\w:])"), lambda m: f"{decimal(m[1])} to {decimal(m[2])}", True),  # 3:1
    (re.compile(r"(?<![\w:])\d+(?::\d+){2,}(?![\w:])"),  # 1:5:5, a ratio (times were read before)
     lambda m: " to ".join(decimal(part) for part in m.group().split(":")), True),
    # 1980s, 1980 s, '80s, mid-80s, 1960s-80s
    (re.compile(r"(?<![\w'’])(?:(?P<a>1\d\d0|20\d0)\s?|['’]?(?P<a2>[1-9]0))['’]?s\b"
                r"(?:\s?[-–—]\s?['’]?(?P<b>1\d\d0|20\d0|[1-9]0)['’]?s\b)?"), _decades, True),
    (re.compile(r"(?<![\w.,/-])(?P<a>1\d{3}|20\d{2})\s?[-–—]\s?(?P<b>1\d{3}|20\d{2}|\d{2})(?![\w/-]|[.,]\d)"),
     _year_range, True),
    (re.compile(rf"(?<![\w.,/-])(?P<a>{NUM})(?P<sep>\s?[-–—]\s?)(?P<b>{NUM})(?![\w/-]|[.,]\d)"), _range, True),
    # 4 1/2, 1/4th, 3/4
    (re.compile(r"(?<![\w/.,-])(\d{1,3})\s+(\d+)/(\d+)(?![\w/]|[.,]\d)"),
     lambda m: mixed_number(int(m[1]), int(m[2]), int(m[3])), True),
    (re.compile(r"(?<![\w/.,-])(\d+)/(\d+)(?:st|nd|rd|th|ST|ND|RD|TH)?(?![\w/]|[.,]\d)"), _fraction, True),
    (re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(st|nd|rd|th|ST|ND|RD|TH)\b"), _ordinal, True),
    (re.compile(r"(?<=[A-Za-z])\s?/\s?(?=[A-Za-z])"), " slash ", False),
    # ab9453: four or more digits inside a word are a code, read digit by digit
    (re.compile(r"(?<=[A-Za-z])\d{4,}|\d{4,}(?=[A-Za-z])"),
     lambda m: f" {m.group() if _YEARLIKE.fullmatch(m.group()) else digits(m.group())} ", True),
    (re.compile(r"(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])"), " ", True),  # MP3 -> MP 3, B2A -> B 2 A
    # a comma after a number is punctuation unless three digits follow: '801,000,' is 801000 and a pause
    (re.compile(r"(?:(?<![\w-])-)?(?:\d{1,3}(?:,\d{3})+(?!\d|,\d)|\d+)(?:\.\d+)?|(?<![\w.])\.\d+"),
     lambda m: decimal(m.group(), as_year=True), True),
    (re.compile(r"(?<=[A-Za-z]),(?=[A-Za-z])"), ", ", True),  # '1,2,3' read as a list: 'one, two, three',
    (re.compile(r"/"), " ", False),
    (re.compile(_alternation(SYMBOLS)), _symbol, False),
    (re.compile(r"\s+"), " ", False),
    (re.compile(r"\s+(?=[,.;:!?])"), "", False),
]
_DIGIT = re.compile(r"\d")


def verbalize(text: str) -> str:
    """The spoken form of written English text: '$3.50 on 1st May 1998' -> 'three dollars fifty ...'."""
    if len(text) > MAX_CHARS:
        return " ".join(verbalize(piece) for piece in _pieces(text))
    text = _prepare(text)
    has_digit = bool(_DIGIT.search(text))
    for pattern, replacement, needs_digit in RULES:
        if needs_digit and not has_digit:
            continue
        text = pattern.sub(replacement, text)
    return text.strip()


def _pieces(text: str):
    """Cut at white space near every MAX_CHARS characters (or hard, in a run without any)."""
    start = 0
    while start < len(text):
        end = min(start + MAX_CHARS, len(text))
        if end < len(text):
            space = text.rfind(" ", start + MAX_CHARS // 2, end)
            end = space if space > start else end
        yield text[start:end]
        start = end
