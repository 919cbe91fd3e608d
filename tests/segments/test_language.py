"""Language check and boilerplate filter used by text_segments."""

from __future__ import annotations

import pytest

from synth_assets.segments.language import boilerplate, detect_language

CASES = [
    ("The bridge was finished in 1872 and it still carries a narrow road over the river.", "en"),
    ("Die Brücke wurde im Jahr 1872 fertig und sie trägt noch heute eine schmale Straße über den Fluss.", "de"),
    ("Le pont a été achevé en 1872 et il porte encore une route étroite au-dessus de la rivière.", "fr"),
    ("El puente se terminó en 1872 y todavía lleva un camino estrecho sobre el río para los vecinos.", "es"),
    ("De brug werd in 1872 voltooid en hij draagt nog steeds een smalle weg over de rivier.", "nl"),
]


@pytest.mark.parametrize("text,language", CASES)
def test_detects_the_language_of_prose(text, language):
    assert detect_language(text)[0] == language


def test_short_or_odd_text_is_unknown():
    assert detect_language("Hello there!")[0] == "unknown"
    assert detect_language("x7 qq zzv brrt kkl mnop qrst uvw xyz abc def ghi")[0] == "unknown"


def test_boilerplate():
    assert boilerplate("Retrieved from https://example.org/wiki/Bridge")
    assert boilerplate("This article is a stub. You can help by expanding it.")
    assert not boilerplate("The article describes a bridge that was retrieved from the river.")
