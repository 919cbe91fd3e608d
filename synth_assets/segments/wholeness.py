"""Whether a piece of text begins and ends where a sentence does: the measure a listener applies to a
clip ("it starts in the middle of something"), shared by the segmenter, its tests and the benchmark."""

from __future__ import annotations

_OPENING = "\"'“‘([¿¡"
_CLOSING = "\"'”’)]"
SENTENCE_END = ".!?…"


def first_word(text: str) -> str:
    words = text.lstrip(_OPENING + " ").split(None, 1)
    return words[0] if words else ""


def starts_mid_sentence(text: str) -> bool:
    """The text opens inside a sentence: a lower-case first word (not 'iPhone'-style: "which ...",
    "and ...", "also called ...") or a closing bracket or punctuation mark."""
    stripped = text.lstrip()
    if not stripped:
        return False
    if stripped[0] in ",;:)]}.-–—":
        return True
    word = first_word(stripped)
    letters = [ch for ch in word if ch.isalpha()]
    if not letters:
        return False
    return letters[0].islower() and not any(ch.isupper() for ch in letters[1:])


def ends_mid_sentence(text: str) -> bool:
    """The text stops before its sentence does: no full stop, question or exclamation mark at the end
    (closing quotes and brackets aside)."""
    stripped = text.rstrip().rstrip(_CLOSING)
    return bool(stripped) and stripped[-1] not in SENTENCE_END


def whole(text: str) -> bool:
    return not starts_mid_sentence(text) and not ends_mid_sentence(text)
