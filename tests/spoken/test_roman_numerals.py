"""Roman numerals are read as the sentence means them (a count, a ruler's ordinal, a thing's number), and a
row whose numeral no reading fits is dropped with its reason rather than spelled out letter by letter."""

from __future__ import annotations

import pytest

from synth_assets.spoken.rewrite import UnreadNumeral, to_spoken
from synth_assets.spoken.roman import unread_numerals
from synth_assets.spoken.verbalize import verbalize


@pytest.mark.parametrize("written, spoken", [
    ("Louis XIV built Versailles.", "Louis the Fourteenth built Versailles."),
    ("Louis XIV's court moved.", "Louis the Fourteenth's court moved."),
    ("Henry V of England won.", "Henry the Fifth of England won."),
    ("Charles I was executed.", "Charles the First was executed."),
    ("King Zog I of Albania fled.", "King Zog the First of Albania fled."),
    ("Pope John Paul II died.", "Pope John Paul the Second died."),
    ("Ramesses II built it.", "Ramesses the Second built it."),
    ("Jeff Sessions III spoke.", "Jeff Sessions the Third spoke."),
    ("Book XIII tells it.", "Book thirteen tells it."),
    ("World War II began.", "World War two began."),
    ("Super Bowl XLVIII was played.", "Super Bowl forty-eight was played."),
    ("Super Bowl 50 was played.", "Super Bowl fifty was played."),
    ("Gemini XII flew.", "Gemini twelve flew."),
    ("Final Fantasy VII sold well.", "Final Fantasy seven sold well."),
    ("Malcolm X spoke.", "Malcolm X spoke."),
    ("He said I was late.", "He said I was late."),
])
def test_a_numeral_is_read_as_its_context_means_it(written, spoken):
    assert verbalize(written) == spoken


@pytest.mark.parametrize("written, numeral", [
    ("Ovid tells it in XII, 580 and again in XIII, 398.", "XII"),
    ("Pseudo-Apollodorus gives it in Bibliotheca, xiii, five to eight.", "xiii"),
    ("The XIV-class ship was fast.", "XIV"),
])
def test_a_row_whose_numeral_no_reading_fits_is_dropped_with_the_numeral(written, numeral):
    with pytest.raises(UnreadNumeral, match=f"roman numeral {numeral!r}"):
        to_spoken(written, seed=1, filler_rate=0.0)


def test_acronyms_and_words_that_spell_a_numeral_are_not_numerals():
    assert unread_numerals("The DVD, the CD and a mix of MI and CV documents from Washington DC.") == []
    assert unread_numerals("The integral of two x dx is x squared, and vi is an editor.") == []
