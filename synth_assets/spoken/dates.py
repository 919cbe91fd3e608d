"""Dates and times: 'July 25, 2012', '25th Jul 2012', '2006-08-05', '10/06/2005', '15.01.2020',
'2Q22', '340 A.D.', '1:59 p.m. EST', '14:10:30', '2pm-5pm'.

Numeric dates are month first (US) unless the first number cannot be a month (15/01/2020). A date
with the day first is read 'the fifteenth of January', one with the month first 'January fifteenth'.
"""

from __future__ import annotations

import re

from synth_assets.spoken.numbers import cardinal, digits, ordinal, year

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December"]
MONTH_BY_NAME = {name.lower(): name for name in MONTHS}
MONTH_BY_NAME.update({name[:3].lower(): name for name in MONTHS})
MONTH_BY_NAME["sept"] = "September"
_MONTH = r"(?P<month>" + "|".join(sorted(MONTH_BY_NAME, key=len, reverse=True)) + r")\b\.?"
_DAY = r"(?P<day>[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?(?![\d:.,]\d)"
_YEAR = r"(?P<year>1\d{3}|20\d{2})(?![\d:])"


def month_name(text: str) -> str:
    return MONTH_BY_NAME[text.lower().rstrip(".")]


def _two_digit_year(text: str) -> str:
    return digits(text) if text.startswith("0") else cardinal(int(text))


def _year_words(text: str) -> str:
    return _two_digit_year(text) if len(text) == 2 else year(int(text))


def _month_day(month: str, day: str, year_text: str | None) -> str:
    words = f"{month} {ordinal(int(day))}"
    return f"{words} {_year_words(year_text)}" if year_text else words


def _day_month(m: re.Match, month: str, day: str, year_text: str | None) -> str:
    the = "" if re.search(r"\bthe\s+$", m.string[:m.start()], re.I) else "the "
    words = f"{the}{ordinal(int(day))} of {month}"
    return f"{words} {_year_words(year_text)}" if year_text else words


def _is_ambiguous_may(m: re.Match) -> bool:
    """'may' in lower case is mostly the verb: take it as a month only beside a year or an ordinal."""
    return m["month"] == "may" and not (m["year"] or re.search(r"(?:st|nd|rd|th)\b", m.group()))


def _day_first(m: re.Match) -> str:
    if _is_ambiguous_may(m):
        return m.group()
    return _day_month(m, month_name(m["month"]), m["day"], m["year"])


def _month_first(m: re.Match) -> str:
    if _is_ambiguous_may(m):
        return m.group()
    return _month_day(month_name(m["month"]), m["day"], m["year"])


def _numeric(m: re.Match) -> str:
    first, second, year_text = int(m["a"]), int(m["b"]), m["year"]
    if 1 <= first <= 12 and 1 <= second <= 31:
        return _month_day(MONTHS[first - 1], m["b"], year_text)
    if 13 <= first <= 31 and 1 <= second <= 12:
        return _day_month(m, MONTHS[second - 1], m["a"], year_text)
    return m.group()


def _iso(m: re.Match) -> str:
    month, day = int(m["b"]), int(m["c"])
    if 1 <= month <= 12 and 1 <= day <= 31:
        return _month_day(MONTHS[month - 1], m["c"], m["year"])
    return m.group()


_ERA = {"AD": "AD", "BC": "BC", "CE": "CE", "BCE": "BCE"}

_MERIDIEM = r"(?P<mer>\s?(?P<ap>[AaPp])\.?\s?[Mm](?![A-Za-z])(?P<dot>\.)?)"
_ZONE = (r"(?:\s?(?P<zone>(?:[EeCcMmPp]\.?[SsDd]\.?[Tt]|GMT|UTC|BST|CET|IST|gmt|utc)(?![A-Za-z]))\.?)?")


def _meridiem(m: re.Match) -> str:
    words = f"{m['ap'].upper()}M"
    if m["zone"]:
        words += " " + m["zone"].replace(".", "").upper()
    rest = m.string[m.end():]
    ends_sentence = m.group().endswith(".") and (not rest.strip() or re.match(r"\s+[A-Z]", rest))
    return words + ("." if ends_sentence else "")


def _clock(hours: int, minutes: int) -> str:
    if minutes == 0:
        return cardinal(hours)
    return f"{cardinal(hours)} {'oh ' if minutes < 10 else ''}{cardinal(minutes)}"


def _time(m: re.Match) -> str:
    hours, minutes = int(m["h"]), int(m["min"] or 0)
    if m["mer"]:
        return f"{_clock(hours, minutes)} {_meridiem(m)}"
    if minutes == 0:
        return f"{cardinal(hours)} o'clock"
    return _clock(hours, minutes)


def _unit(n: int, name: str) -> str:
    return f"{cardinal(n)} {name}{'' if n == 1 else 's'}"


def _duration(m: re.Match) -> str:
    words = (f"{_unit(int(m['h']), 'hour')} {_unit(int(m['min']), 'minute')} and "
             f"{_unit(int(m['s']), 'second')}")
    return f"{words} {_meridiem(m)}" if m["mer"] else words


def _era(m: re.Match) -> str:
    words = f"{year(int(m['year']))} {m['era'].replace('.', '')}"
    rest = m.string[m.end():]
    return words + ("." if m["dot"] and (not rest.strip() or re.match(r"\s+[A-Z]", rest)) else "")


RULES = [
    # 14:10:30, 10:00:00 p.m. EST
    (re.compile(rf"\b(?P<h>[01]?\d|2[0-3]):(?P<min>[0-5]\d):(?P<s>[0-5]\d)\b(?:{_MERIDIEM}{_ZONE})?"), _duration),
    # 1:59 p.m. EST, 1.59 pm, 5pm, 10:30
    (re.compile(rf"\b(?P<h>[01]?\d|2[0-3])(?:[:.](?P<min>[0-5]\d))?{_MERIDIEM}{_ZONE}"), _time),
    (re.compile(r"\b(?P<h>[01]?\d|2[0-3]):(?P<min>[0-5]\d)\b(?![:.]\d)(?P<mer>)"), _time),
    (re.compile(r"(?<=[AP]M)\s?[-–—]\s?(?=\w)"), " to "),  # 2pm-5pm
    # 2006-08-05, 1998/2/30
    (re.compile(r"(?<![\w/.-])(?P<year>1\d{3}|20\d{2})([-/.])(?P<b>0?[1-9]|1[0-2])\2(?P<c>[0-3]?\d)(?![\w/-]|[.,]\d)"), _iso),
    # 10/06/2005, 15.01.2020, 11/17/05 (dots only with a four-digit year)
    (re.compile(r"(?<![\w/.-])(?P<a>[0-3]?\d)(?P<sep>[-/])(?P<b>[0-3]?\d)(?P=sep)(?P<year>\d{4}|\d{2})(?![\w/-]|[.,]\d)"), _numeric),
    (re.compile(r"(?<![\w/.-])(?P<a>[0-3]?\d)\.(?P<b>[0-3]?\d)\.(?P<year>\d{4})(?![\w/-]|[.,]\d)"), _numeric),
    # 25 July 2012, 25th of Jul, 2012
    (re.compile(rf"\b{_DAY}(?:\s+of)?[\s-]+{_MONTH}(?:,?[\s-]+{_YEAR})?", re.I), _day_first),
    # July 25, 2012; Jan-15-2020; SEPT. 15
    (re.compile(rf"\b{_MONTH}[\s-]+{_DAY}(?:,?[\s-]+{_YEAR})?", re.I), _month_first),
    # July 1506
    (re.compile(rf"\b{_MONTH},?\s+{_YEAR}", re.I),
     lambda m: f"{month_name(m['month'])} {year(int(m['year']))}"),
    # 2Q22, Q3 2021
    (re.compile(r"\b(?P<q>[1-4])Q(?P<year>\d{2}|\d{4})\b"),
     lambda m: f"the {ordinal(int(m['q']))} quarter of {_year_words(m['year'])}"),
    (re.compile(r"\bQ(?P<q>[1-4])\s+(?P<year>\d{4})\b"),
     lambda m: f"the {ordinal(int(m['q']))} quarter of {_year_words(m['year'])}"),
    # 340 A.D., 55 BC
    (re.compile(r"\b(?P<year>\d{1,4})\s?(?P<era>A\.?D|B\.?C\.?E|B\.?C|C\.?E)\b(?P<dot>\.)?"), _era),
]
