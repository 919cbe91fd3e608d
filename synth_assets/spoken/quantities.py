"""Amounts with a unit: money ('$20.50', '€1.2 million', '£10/wk', '$250-$300'), measures ('12kg',
'2-5 lb', '41,459.00 km³', '7.2-millimeter', '12/kg'), dimensions ('2x8') and percentages.

Amounts are never read as years or digit by digit: '$2012' is two thousand twelve dollars.
"""

from __future__ import annotations

import re

from synth_assets.spoken.numbers import cardinal, decimal, mixed_number

CURRENCIES = {  # prefix: (one, many, one hundredth, many hundredths)
    "$": ("dollar", "dollars", "cent", "cents"),
    "US$": ("US dollar", "US dollars", "cent", "cents"),
    "C$": ("Canadian dollar", "Canadian dollars", "cent", "cents"),
    "A$": ("Australian dollar", "Australian dollars", "cent", "cents"),
    "HK$": ("Hong Kong dollar", "Hong Kong dollars", "cent", "cents"),
    "£": ("pound", "pounds", "penny", "pence"),
    "€": ("euro", "euros", "cent", "cents"),
    "¥": ("yen", "yen", "sen", "sen"),
    "₩": ("won", "won", "jeon", "jeon"),
    "₹": ("rupee", "rupees", "paisa", "paise"),
    "₽": ("ruble", "rubles", "kopek", "kopeks"),
    "₪": ("shekel", "shekels", "agora", "agorot"),
    "₺": ("lira", "lira", "kurus", "kurus"),
    "₦": ("naira", "naira", "kobo", "kobo"),
    "฿": ("baht", "baht", "satang", "satang"),
    "₿": ("bitcoin", "bitcoins", "", ""),
}
CODES = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹", "CAD": "C$", "AUD": "A$"}
SCALES = {"thousand": "thousand", "million": "million", "billion": "billion", "trillion": "trillion",
          "k": "thousand", "m": "million", "mn": "million", "mln": "million", "b": "billion",
          "bn": "billion", "t": "trillion", "tn": "trillion"}
PERIODS = {"mo": "month", "month": "month", "yr": "year", "year": "year", "wk": "week", "week": "week",
           "d": "day", "day": "day", "hr": "hour", "h": "hour", "hour": "hour", "min": "minute",
           "night": "night", "person": "person", "unit": "unit", "kg": "kilogram", "lb": "pound"}

UNITS = {  # written: (singular, plural)
    "mm": ("millimeter", "millimeters"), "cm": ("centimeter", "centimeters"), "m": ("meter", "meters"),
    "km": ("kilometer", "kilometers"), "µm": ("micrometer", "micrometers"), "nm": ("nanometer", "nanometers"),
    "ft": ("foot", "feet"), "yd": ("yard", "yards"), "mi": ("mile", "miles"),
    "mg": ("milligram", "milligrams"), "g": ("gram", "grams"), "kg": ("kilogram", "kilograms"),
    "lb": ("pound", "pounds"), "lbs": ("pound", "pounds"), "oz": ("ounce", "ounces"),
    "ml": ("milliliter", "milliliters"), "mL": ("milliliter", "milliliters"), "l": ("liter", "liters"),
    "L": ("liter", "liters"), "gal": ("gallon", "gallons"),
    "°C": ("degree Celsius", "degrees Celsius"), "°F": ("degree Fahrenheit", "degrees Fahrenheit"),
    "ºC": ("degree Celsius", "degrees Celsius"), "ºF": ("degree Fahrenheit", "degrees Fahrenheit"),
    "°": ("degree", "degrees"), "º": ("degree", "degrees"), "%": ("percent", "percent"),
    "mph": ("mile per hour", "miles per hour"), "km/h": ("kilometer per hour", "kilometers per hour"),
    "kph": ("kilometer per hour", "kilometers per hour"), "m/s": ("meter per second", "meters per second"),
    "Hz": ("hertz", "hertz"), "kHz": ("kilohertz", "kilohertz"), "MHz": ("megahertz", "megahertz"),
    "GHz": ("gigahertz", "gigahertz"), "kW": ("kilowatt", "kilowatts"), "MW": ("megawatt", "megawatts"),
    "GW": ("gigawatt", "gigawatts"), "kWh": ("kilowatt hour", "kilowatt hours"),
    "mAh": ("milliamp hour", "milliamp hours"), "kV": ("kilovolt", "kilovolts"),
    "kbps": ("kilobit per second", "kilobits per second"), "mbps": ("megabit per second", "megabits per second"),
    "Mbps": ("megabit per second", "megabits per second"), "gbps": ("gigabit per second", "gigabits per second"),
    "Gbps": ("gigabit per second", "gigabits per second"),
    "KB": ("kilobyte", "kilobytes"), "kB": ("kilobyte", "kilobytes"), "MB": ("megabyte", "megabytes"),
    "GB": ("gigabyte", "gigabytes"), "TB": ("terabyte", "terabytes"),
    "ms": ("millisecond", "milliseconds"), "ns": ("nanosecond", "nanoseconds"), "µs": ("microsecond", "microseconds"),
    "sec": ("second", "seconds"), "secs": ("second", "seconds"), "min": ("minute", "minutes"),
    "mins": ("minute", "minutes"), "hr": ("hour", "hours"), "hrs": ("hour", "hours"),
    "ha": ("hectare", "hectares"), "sq ft": ("square foot", "square feet"), "sq mi": ("square mile", "square miles"),
    "m2": ("square meter", "square meters"), "m²": ("square meter", "square meters"),
    "km2": ("square kilometer", "square kilometers"), "km²": ("square kilometer", "square kilometers"),
    "cm2": ("square centimeter", "square centimeters"), "cm²": ("square centimeter", "square centimeters"),
    "m3": ("cubic meter", "cubic meters"), "m³": ("cubic meter", "cubic meters"),
    "cm3": ("cubic centimeter", "cubic centimeters"), "cm³": ("cubic centimeter", "cubic centimeters"),
    "km³": ("cubic kilometer", "cubic kilometers"), "ft²": ("square foot", "square feet"),
    "kcal": ("kilocalorie", "kilocalories"), "cal": ("calorie", "calories"),
    "J": ("joule", "joules"), "kJ": ("kilojoule", "kilojoules"), "MJ": ("megajoule", "megajoules"),
    "mol": ("mole", "moles"),
}
# Units in compound SI symbols ("J⋅kg−1⋅K−1"): read as "joules per kilogram per kelvin".
SI_NAMES = {"J": "joules", "kJ": "kilojoules", "W": "watts", "g": "grams", "kg": "kilograms", "m": "meters",
            "mol": "moles", "K": "kelvin", "s": "seconds", "N": "newtons", "Pa": "pascals"}
_SI = "|".join(sorted(map(re.escape, SI_NAMES), key=len, reverse=True))
# Units whose upper- or mixed-case spelling means the same ("12KG", "5 Km"); "M" or "G" alone do not.
_ANY_CASE = ("mm", "cm", "km", "kg", "mg", "lb", "lbs", "oz", "mph", "kph", "kbps", "mbps", "gbps",
             "khz", "mhz", "ghz", "kwh", "ml", "ft", "kcal")
for _unit in _ANY_CASE:
    _spelled = UNITS.get(_unit) or UNITS[next(k for k in UNITS if k.lower() == _unit)]
    for _variant in {_unit.upper(), _unit.capitalize(), _unit.lower()}:
        UNITS.setdefault(_variant, _spelled)


def _inches(m: re.Match) -> str:
    before = m.string[:m.start()]
    if before.count('"') % 2 or before.count("“") > before.count("”"):
        return m.group()  # the quote closes a quotation
    return f"{decimal(m[1])} inch{'' if m[1] == '1' else 'es'}"


def _si_compound(m: re.Match) -> str:
    denominators = re.findall(rf"({_SI})-1", m["per"])
    amount = [decimal(m["amount"])] if m["amount"] else []  # "2093 J⋅kg−1" is an amount, never a year
    head = SI_NAMES[m["head"]]
    head = head[:-1] if m["amount"] == "1" and head.endswith("s") else head
    return " ".join([*amount, head, *(f"per {SI_NAMES[d].rstrip('s') if d != 'K' else 'kelvin'}" for d in denominators)])


def _alternation(keys) -> str:
    return "|".join(re.escape(k) for k in sorted(keys, key=len, reverse=True))


AMOUNT = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+"
NUMBER = r"-?(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
_SCALE = rf"(?:\s?(?P<scale{{n}}>(?i:{_alternation(SCALES)}))(?![A-Za-z]))?"
_CURRENCY = _alternation(CURRENCIES)
_WORD_SCALE = r"(?:\s(?P<scale1>thousand|million|billion|trillion)\b)?"  # "100 million kg", never "5 mm"
_PERIOD = rf"(?:\s?/\s?(?P<per>{_alternation(PERIODS)})\b)?"


def money(amount: str, currency: str, scale: str | None = None) -> str:
    """'20.50', '$' -> 'twenty dollars fifty cents'; with a scale: 'two point five million dollars'."""
    one, many, sub_one, sub_many = CURRENCIES[currency]
    amount = amount.replace(",", "")
    if scale:
        return f"{decimal(amount)} {SCALES[scale.lower()]} {many}"
    whole, _, cents = amount.partition(".")
    cents = cents.rstrip("0")
    if len(cents) > 2 or (cents and not sub_one):
        return f"{decimal(whole + '.' + cents)} {many}"
    whole_n, cents_n = int(whole or 0), int(cents.ljust(2, "0")) if cents else 0
    parts = []
    if whole_n or not cents_n:
        parts.append(f"{cardinal(whole_n)} {one if whole_n == 1 else many}")
    if cents_n:
        parts.append(f"{cardinal(cents_n)} {sub_one if cents_n == 1 else sub_many}")
    return " and ".join(parts)


def _money(m: re.Match) -> str:
    words = money(m["amount"], m["cur"], m["scale1"])
    if m["amount2"]:
        words += " to " + money(m["amount2"], m["cur2"] or m["cur"], m["scale2"])
    if m["per"]:
        words += f" per {PERIODS[m['per']]}"
    return words


def _money_code(m: re.Match) -> str:
    return money(m["amount"], CODES[m["code"]], m["scale1"])


def _measure(m: re.Match) -> str:
    singular, plural = UNITS[m["unit"]]
    adjective = m["sep"] == "-"  # "a 5-km race": a five-kilometer race
    one = m["n2"] is None and not m["scale1"] and m["n1"] in ("1", "-1")
    if "/" in m["n1"]:
        whole, numerator, denominator = map(int, re.split(r"[\s/]", m["n1"]))
        words = mixed_number(whole, numerator, denominator)
    else:
        words = decimal(m["n1"])
    if m["n2"] is not None:
        words += " to " + decimal(m["n2"])
    if m["scale1"]:
        words += " " + SCALES[m["scale1"].lower()]
    words += f" {singular if one or adjective else plural}"
    if m["per"]:
        words += f" per {UNITS[m['per']][0]}"
    return words


_UNIT = _alternation(UNITS)
MIXED = r"\d{1,3}\s\d{1,2}/\d{1,2}"  # 4 1/2 lbs
_RANGE = r"\s?[-–—]\s?|\sto\s"

RULES = [
    (re.compile(rf"(?:(?<![\w.,])(?P<amount>{AMOUNT})\s?)?(?<![\w])(?P<head>{_SI})(?P<per>(?:\s?[⋅·]\s?(?:{_SI})-1)+)"
                rf"(?![\w-])"), _si_compound),
    (re.compile(rf"(?<![\w$])(?P<cur>{_CURRENCY})\s?(?P<amount>{AMOUNT}){_SCALE.format(n=1)}"
                rf"(?:\s?[-–—]\s?(?P<cur2>{_CURRENCY})?(?P<amount2>{AMOUNT}){_SCALE.format(n=2)})?{_PERIOD}"),
     _money),
    (re.compile(rf"(?<![\w.])(?P<amount>{AMOUNT}){_SCALE.format(n=1)}\s?(?P<code>{'|'.join(CODES)})\b"), _money_code),
    (re.compile(r"(?<![\w.])(\d+)\s?¢"), lambda m: f"{cardinal(int(m[1]))} cent{'' if m[1] == '1' else 's'}"),
    # 2x8, 1920×1080: dimensions
    (re.compile(r"(?<=\d)\s?[x×]\s?(?=\d)(?<!0x)"), " by "),
    # 12kg, 2-5 lb, 100 million kg, 41,459.00 km³, 12kg/kg, 7.2-millimeter
    (re.compile(rf"(?<![\w.,/])(?P<n1>{MIXED}|{NUMBER})(?:(?:{_RANGE})(?P<n2>{NUMBER}))?{_WORD_SCALE}"
                rf"(?P<sep>[\s-]?)(?P<unit>{_UNIT})(?:/(?P<per>{_UNIT}))?(?![\w°²³])"), _measure),
    # 5'11", 12" wide: feet and inches
    (re.compile(r"(?<![\w.])(\d+)['’′]\s?(\d+(?:\.\d+)?)(?:\"|”|″|'')"),
     lambda m: f"{cardinal(int(m[1]))} {'foot' if m[1] == '1' else 'feet'} {decimal(m[2])} inch{'' if m[2] == '1' else 'es'}"),
    # 12" but not the end of a quoted number ("1,000" or "12") or of a quotation ("... in 1990")
    (re.compile(r"(?<![\w.,\"“])(\d+(?:\.\d+)?)(?:\"|”|″)(?=\s|[,.;:!?)]|$)"), _inches),
    # 12/kg: per unit
    (re.compile(rf"(?<![\w.,])(?P<n1>{NUMBER})\s?/\s?(?P<unit>{_UNIT})(?![\w°²³])"),
     lambda m: f"{decimal(m['n1'])} per {UNITS[m['unit']][0]}"),
]
