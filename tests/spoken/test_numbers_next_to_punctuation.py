"""Numbers read right wherever they meet punctuation: a comma, a full stop, a bracket or a quote
after a number is punctuation, never part of it."""

from __future__ import annotations

import pytest

from synth_assets.spoken.verbalize import verbalize

CASES = [
    ("It cost 801,000, more or less.", "It cost eight hundred one thousand, more or less."),
    ("a population of 801,000,", "a population of eight hundred one thousand,"),
    ("about 1,000,000, they said", "about one million, they said"),
    ("It had 12,345; then it fell.", "It had twelve thousand three hundred forty-five; then it fell."),
    ("about 3,000. Then", "about three thousand. Then"),
    ("It sold 1,000!", "It sold one thousand!"),
    ("Was it 2,500?", "Was it two thousand five hundred?"),
    ("The total is 1,000: enough.", "The total is one thousand: enough."),
    ("(pop. 801,000)", "(pop. eight hundred one thousand)"),
    ('He wrote "1,000" on it.', 'He wrote "one thousand" on it.'),
    ('The sign said "12".', 'The sign said "twelve".'),
    ("In 1998, he left.", "In nineteen ninety-eight, he left."),
    ("It was 3.5.", "It was three point five."),
    ("It rose 10%, then fell.", "It rose ten percent, then fell."),
    ("In the 1990s, when", "In the nineteen nineties, when"),
    ("It cost $5,000.", "It cost five thousand dollars."),
    ("It cost $801,000, in all.", "It cost eight hundred one thousand dollars, in all."),
    ("The numbers 1, 2, and 3.", "The numbers one, two, and three."),
    ("The list 1,2,3 ends.", "The list one, two, three ends."),
    ("A 12\" pipe.", "A twelve inches pipe."),
]


@pytest.mark.parametrize("written, spoken", CASES)
def test_a_number_next_to_punctuation_is_read_whole(written, spoken):
    assert verbalize(written) == spoken
