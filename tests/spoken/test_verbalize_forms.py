"""The verbalizer on the forms of real prose, bad input, and the `synth normalize` line contract."""

from __future__ import annotations

import random
import re
import subprocess
import sys

import pytest

from synth_assets.spoken.normalize_stream import normalize_stream
from synth_assets.spoken.rewrite import DropText, to_spoken
from synth_assets.spoken.verbalize import verbalize

FORMS = [
    ("He was born on 4 March 1961.", "He was born on the fourth of March nineteen sixty-one."),
    ("It opened on June 3, 2004.", "It opened on June third two thousand four."),
    ("Due 2023-05-17.", "Due May seventeenth twenty twenty-three."),
    ("Released 01/15/2021.", "Released January fifteenth twenty twenty-one."),
    ("at 1:59 p.m. EST", "at one fifty-nine PM EST"),
    ("open 9am-5pm", "open nine AM to five PM"),
    ("It took 1:01:01.", "It took one hour one minute and one second."),
    ("Revenue was $3.2 billion.", "Revenue was three point two billion dollars."),
    ("$250-$300", "two hundred fifty dollars to three hundred dollars"),
    ("£10/wk", "ten pounds per week"),
    ("It weighs 4 1/2 lbs.", "It weighs four and a half pounds."),
    ("a 5-km race", "a five kilometer race"),
    ("from -5°C to 35°C", "from minus five degrees Celsius to thirty-five degrees Celsius"),
    ("3.7 GHz and 16 GB", "three point seven gigahertz and sixteen gigabytes"),
    ("the 1960s-80s", "the nineteen sixties to eighties"),
    ("from 1643 to 1715", "from sixteen forty-three to seventeen fifteen"),
    ("in 1990-95", "in nineteen ninety to ninety-five"),
    ("won 21–17", "won twenty-one to seventeen"),
    ("a ratio of 3:1", "a ratio of three to one"),
    ("the 11th element", "the eleventh element"),
    ("Call (555) 123-4567.", "Call five five five, one two three, four five six seven."),
    ("mail info@example.org", "mail info at example dot org"),
    ("see https://example.com/a-b", "see HTTPS colon slash slash example dot com slash A dash B"),
    ("Louis XIV and World War II", "Louis the Fourteenth and World War two"),
    ("Chapter IV", "Chapter four"),
    ("Dr. Smith lives at 221B Baker St. in London.",
     "Doctor Smith lives at two hundred twenty-one B Baker Street in London."),
    ("in St. Louis", "in Saint Louis"),
    ("C. S. Lewis", "CS Lewis"),
    ("a 401(k) plan", "a four oh one k plan"),
    ("Version 2.0.1", "Version two point zero point one"),
    ("y = x + 1", "y equals x plus one"),
    ("upgrade/update and/or", "upgrade slash update and or"),
    ("FY2019 results", "FY twenty nineteen results"),
    ("code ab9453", "code ab nine four five three"),
    ("12\" wide", "twelve inches wide"),
    ("340 A.D.", "three forty AD."),
    ("2Q22", "the second quarter of twenty-two"),
]


@pytest.mark.parametrize("written, spoken", FORMS)
def test_forms(written, spoken):
    assert verbalize(written) == spoken


def test_lower_case_may_is_a_verb_unless_it_is_clearly_a_date():
    assert verbalize("you may 2 times") == "you may two times"
    assert verbalize("17 may 2010") == "the seventeenth of May twenty ten"


@pytest.mark.parametrize("text", ["", "   \t ", "\x00\x01\x02\x03", "\ufffd\ufffd\ufffd",
                                  "```python\nprint(1)", "**unbalanced *markup ( [link](", "|a|b|\n|-|-|"])
def test_verbalize_never_crashes_on_bad_input(text):
    out = verbalize(text)
    assert isinstance(out, str) and "\x00" not in out


def test_random_binary_garbage_gets_a_result():
    rng = random.Random(0)
    for _ in range(30):
        garbage = bytes(rng.randrange(256) for _ in range(300)).decode("utf-8", errors="replace")
        assert isinstance(verbalize(garbage), str)
        with pytest.raises(DropText):  # a recorded drop reason in the pipeline
            to_spoken(garbage, seed=1)


def test_one_megabyte_is_verbalized_in_pieces_and_dropped_as_an_utterance():
    text = ("The 3 towers cost $5 million in 1998. " * 30_000)[:1_000_000]
    out = verbalize(text)
    assert not re.search(r"\d", out) and out.startswith("The three towers")
    with pytest.raises(DropText, match="too long"):
        to_spoken(text, seed=0)


@pytest.mark.parametrize("written", [
    "Install it:\n```bash\npip install x\n``` and it works.",
    "Install it:\n```bash\npip install x and it never closes",
    "| col | col |\n|---|---|\n| 1 | 2 |\nThe table shows it.",
    "# Heading\nSome **bold and `code words. (An aside",
])
def test_structure_becomes_prose_or_is_dropped_with_the_operation_recorded(written):
    spoken, operations = to_spoken(written, seed=0, filler_rate=0.0)
    assert spoken and "```" not in spoken and "|" not in spoken and "#" not in spoken and "*" not in spoken
    assert operations


def test_normalize_stream_keeps_one_line_per_line():
    import io

    lines = ["$5", "", "   ", "\x00\x01", "Dr. Smith\u2028left", "1,000th", "x" * 5000]
    out = io.StringIO()
    assert normalize_stream(io.StringIO("\n".join(lines) + "\n"), out) == 0
    result = out.getvalue().split("\n")
    assert result[-1] == "" and len(result) - 1 == len(lines)
    assert result[0] == "five dollars" and result[5] == "one thousandth"


def test_synth_normalize_command(tmp_path):
    written = b"It costs $3.50.\n\nJan. 15 2020\n\xff\xfe binary \x00 junk\n1/4\n"
    result = subprocess.run([sys.executable, "-m", "synth_assets.cli", "normalize"], input=written,
                            capture_output=True, timeout=120)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.decode().splitlines()
    assert lines[0] == "It costs three dollars and fifty cents." and lines[1] == ""
    assert lines[2] == "January fifteenth twenty twenty" and lines[4] == "one quarter"
    assert len(lines) == 5
