"""How numbers are read aloud in American English: cardinals, ordinals, digits, decimals, years,
fractions and roman numerals. num2words does the spelling; this module decides which reading applies
and strips num2words' British "and" and its commas. Results are cached: the same small numbers come
up again and again, and num2words costs tens of microseconds a call.
"""

from __future__ import annotations

import re
from functools import lru_cache

from num2words import num2words

DIGITS = "zero one two three four five six seven eight nine".split()
FRACTION_NAMES = {2: ("half", "halves"), 4: ("quarter", "quarters")}  # others use the ordinal
ORDINAL_SUFFIX = {1: "st", 2: "nd", 3: "rd"}


def _clean(words: str) -> str:
    return words.replace(",", "").replace(" and ", " ")


@lru_cache(maxsize=4096)
def cardinal(n: int) -> str:
    """1234 -> 'one thousand two hundred thirty-four'; negatives get 'minus'."""
    words = _clean(num2words(abs(n)))
    return f"minus {words}" if n < 0 else words


@lru_cache(maxsize=4096)
def ordinal(n: int) -> str:
    return _clean(num2words(n, to="ordinal"))


def ordinal_suffix(n: int) -> str:
    """The suffix that makes ``n`` an ordinal in writing: 1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st."""
    return "th" if 10 <= n % 100 <= 20 else ORDINAL_SUFFIX.get(n % 10, "th")


@lru_cache(maxsize=4096)
def year(n: int) -> str:
    """1998 -> 'nineteen ninety-eight', 2005 -> 'two thousand five', 1506 -> 'fifteen oh six'."""
    return _clean(num2words(n, to="year")).replace("oh-", "oh ")


def digits(text: str) -> str:
    """'0042' -> 'zero zero four two': codes, phone numbers, serials."""
    return " ".join(DIGITS[int(d)] for d in text if d.isdigit())


def integer(text: str) -> str:
    """An integer as written: leading zeros and long bare runs are codes read digit by digit.

    '007' -> digits; '45190' (five or more digits, no thousands separators, not a round number) ->
    digits, since in prose such numbers are ids, zip codes and serials; '13,000' and '13000' are
    cardinals.
    """
    plain = text.replace(",", "")
    if len(plain) > 1 and plain.startswith("0"):
        return digits(plain)
    if "," not in text and len(plain) >= 5 and not plain.endswith("000"):
        return digits(plain)
    return cardinal(int(plain))


def decimal(text: str, *, as_year: bool = False) -> str:
    """'1,234.05', '-3', '.5', '2.00' (trailing zeros are read), '1998' (a year when as_year)."""
    sign, body = ("minus ", text[1:]) if text[:1] in "-−" else ("", text)
    whole, _, fraction = body.partition(".")
    plain = whole.replace(",", "")
    if not plain:
        words = ""
    elif as_year and not fraction and "," not in whole and len(plain) == 4 and 1100 <= int(plain) <= 2099:
        words = year(int(plain))
    elif fraction or sign:
        words = cardinal(int(plain)) if not (len(plain) > 1 and plain.startswith("0")) else digits(plain)
    else:
        words = integer(whole)
    if fraction:
        words = f"{words} point {digits(fraction)}".strip()
    return sign + words


def fraction(numerator: int, denominator: int) -> str:
    """3/4 -> 'three quarters', 1/2 -> 'one half', 31/32 -> 'thirty-one thirty-seconds'."""
    if denominator == 1:
        return f"{cardinal(numerator)} over one"
    if denominator == 0:
        return f"{cardinal(numerator)} over zero"
    one, many = FRACTION_NAMES.get(denominator) or (ordinal(denominator), ordinal(denominator) + "s")
    return f"{cardinal(numerator)} {one if numerator == 1 else many}"


def mixed_number(whole: int, numerator: int, denominator: int) -> str:
    """4 1/2 -> 'four and a half', 3 2/4 -> 'three and two quarters'."""
    if numerator == 1 and denominator in FRACTION_NAMES:
        return f"{cardinal(whole)} and a {FRACTION_NAMES[denominator][0]}"
    return f"{cardinal(whole)} and {fraction(numerator, denominator)}"


_ROMAN = re.compile(r"M{0,3}(CM|CD|D?C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})")
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}


def roman_value(text: str) -> int | None:
    """The value of a well-formed roman numeral ('XIV' -> 14), else None."""
    if not text or not _ROMAN.fullmatch(text):
        return None
    total = 0
    for i, ch in enumerate(text):
        value = _ROMAN_VALUES[ch]
        total += -value if i + 1 < len(text) and _ROMAN_VALUES[text[i + 1]] > value else value
    return total
