"""Roman numerals read the way the sentence means them, or not at all.

- After a word that counts things ("Book XIII", "World War II", "Super Bowl XLVIII", "Gemini XII"):
  a cardinal, "Book thirteen".
- After a ruler's or pope's name, or a title ("Louis XIV", "Pope John Paul II", "King Zog I"), and as a
  generational suffix ("Jeff Sessions III"): an ordinal, "Louis the Fourteenth".
- After any other capitalised word (a name of a thing: "Final Fantasy VII", "Titan II"): a cardinal.
- Anywhere else ("XIII, 398", "pages xiii-xv") no reading fits, and ``unread_numerals`` finds it, so the
  spoken stage drops the sentence with that reason rather than have a voice spell out letters.
"""

from __future__ import annotations

import re

from synth_assets.spoken.numbers import cardinal, ordinal, roman_value

# Words after which a numeral counts: "Book thirteen".
COUNTED = (r"chapter|part|volume|vol\.?|book|act|scene|section|article|title|phase|stage|type|class|"
           r"level|war|episode|season|appendix|figure|table|psalm|canto|division|league|tier|mark|mk|"
           r"grade|category|series|round|saga|vatican council|super bowl|wrestlemania|rocky|apollo|gemini|"
           r"mercury|titan|saturn|atlas|delta|ariane|soyuz|voyager|pioneer|mariner|ranger|surveyor|explorer|"
           r"panzer|panzerkampfwagen|corridor|mission|proposition|schedule|annex|amendment|plate|unit|"
           r"grand prix|olympiad|dynasty|corps|legion|fleet|model|version|release|number|no\.?|op\.?|opus")
# Given names of rulers and popes: "<name> <numeral>" is one of them, an ordinal. (Not Malcolm: Malcolm X.)
REGNAL_NAMES = frozenset("""
Adolf Adrian Afonso Albert Alexander Alexios Alfonso Alfons Alfred Amadeo Amalric Amenhotep Anastasius
Andrew Andronikos Anne Antiochus Artaxerxes Baldwin Basil Bayezid Benedict Bernat Bohemond Boleslaw
Boniface Borrell Callixtus Canute Carl Carlos Casimir Catherine Celestine Charles Childeric Christian
Christina Clement Clovis Cnut Conrad Constantine Cyrus Darius David Demetrius Donald Duncan Edmund
Edward Elizabeth Eric Erik Eugene Eugenius Farouk Felix Ferdinand Ferran Fernando Francis Francesco Franz
Frederick Frederik Friedrich Fuad George Godfrey Gregory Gustav Gustavus Haakon Hadrian Harald Harold
Henry Henri Hisham Honorius Hugh Humbert Innocent Isaac Isabella Ivan Jaime James Jaume Joan John Joseph Juan
Julius Justin Justinian Karl Kenneth Ladislaus Leo Leopold Lothair Louis Lucius Ludwig Magnus Mahmud
Manuel Margaret Margrethe Maria Marinus Matilda Martin Mary Maximilian Mehmed Michael Mohammed Muhammad Murad Musa
Napoleon Nebuchadnezzar Nicholas Olaf Olav Osman Otto Paul Pedro Pepin Pere Peter Philip Philippe Pius
Pleuratus Ptolemy Rama Rameses Ramesses Ramiro Ramon Raymond Richard Robert Romanos Rudolf Sancho Sargon
Selim Seleucus Sergius Shalmaneser Sigismund Sixtus Stefan Stephen Suleiman Theodosius Thutmose
Umberto Urban Valdemar Victor Victoria Vladimir Wenceslaus Wilhelm William Xerxes Yaroslav Zog
""".split())
RULER_TITLES = frozenset("king queen pope antipope emperor empress tsar czar tsarina pharaoh sultan shah prince "
                         "princess duke duchess count countess earl margrave landgrave elector patriarch caliph "
                         "emir khan regent archduke grand".split())
NOT_NAMES = frozenset("a an the in on at to from by of for with and or but this that his her their our my "
                      "your is was".split())
_GENERATIONS = {"II", "III", "IV"}  # Jr.'s successors: "Jeff Sessions III"


def _read_counted(m: re.Match) -> str:
    value = roman_value(m["r"]) if m["r"].isupper() else None
    if not value or (len(m["r"]) == 1 and m["r"] not in "IVX"):  # "class C" is a letter
        return m.group()
    return f"{m['kw']} {cardinal(value)}"


def _read_after_name(m: re.Match) -> str:
    numeral, name = m["r"], m["name"]
    value = roman_value(numeral)
    if not value or name.lower() in NOT_NAMES:
        return m.group()
    before = re.findall(r"[\w'’.-]+", m.string[:m.start("name")])[-3:]
    titled = any(word.lower() in RULER_TITLES for word in before)
    generational = numeral in _GENERATIONS and bool(before) and before[-1][:1].isupper() and \
        before[-1].lower() not in NOT_NAMES
    if name in REGNAL_NAMES or titled or generational:
        return f"{name} the {ordinal(value).capitalize()}"
    if len(numeral) == 1:  # "Plan B", "Vitamin C", "Elizabeth I" said by no one: letters stay letters
        return m.group()
    return f"{name} {cardinal(value)}"


RULES = [
    (re.compile(rf"\b(?P<kw>{COUNTED})\s+(?P<r>(?-i:[IVXLCDM]+))\b(?![-'’]\w)(?!['’](?!s\b))", re.I),
     _read_counted),
    # "Louis XIV", "Louis XIV's", "Henry V of England", "Charles I was": not "Louis XIV-class"
    (re.compile(r"\b(?P<name>[A-Z][a-z]+)\s+(?P<r>[IVXL]+)\b(?!-\w)(?!['’](?!s\b))"), _read_after_name),
]

# Numerals no rule gave a reading: capitals with an I, V or X ("XIII", "IV"; not "DC", "CD" or "MD",
# nor the acronyms that happen to spell a numeral), and lower-case ones of i, v and x only ("xiii", "iv";
# not "dx" or "mix", which are maths and words).
_UNREAD = re.compile(r"(?<![\w'’])(?:(?P<upper>[IVXLCDM]{2,})|(?P<lower>[ivx]{2,}))(?![\w'’])")
ACRONYMS = frozenset("CV MI CI DI LI XL XXL MX MIX MDX CLI DVD MC MD CD DC CM CC LCD VC".split())
LOWER_WORDS = frozenset("vi xi".split())  # a text editor, a Greek letter


def unread_numerals(text: str) -> list[str]:
    """Roman numerals in spoken text that no rule gave a reading (a voice would spell their letters)."""
    found = []
    for m in _UNREAD.finditer(text):
        token = m.group()
        if not roman_value(token.upper()) or not set(token.upper()) & set("IVX"):
            continue
        if (m["upper"] and token in ACRONYMS) or (m["lower"] and token in LOWER_WORDS):
            continue
        found.append(token)
    return found
