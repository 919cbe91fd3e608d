"""Is this text something a TTS voice can say? Cleans what it can, and names the reason when not.

English voices read Latin script, digits the rewriter missed, and ordinary punctuation. Control
characters and symbols are dropped; text that is mostly another script, empty once cleaned, or far
longer than one clip may be is refused before an engine spends time on it.
"""

from __future__ import annotations

import re
import unicodedata

from synth_assets.core.limits import MAX_CLIP_SECONDS

WORDS_PER_SECOND = 2.5  # a brisk reading pace: longer texts cannot fit in one clip
ALLOWED_PUNCTUATION = set(".,;:!?'\"-()")


class Unspeakable(ValueError):
    """The text cannot become a clip; the message says why."""


def _latin(char: str) -> bool:
    return char.isascii() or "LATIN" in unicodedata.name(char, "")


def clean_for_speech(text: str, *, max_seconds: float = MAX_CLIP_SECONDS, max_foreign_share: float = 0.2) -> str:
    """The text with what no voice can say removed, or ``Unspeakable``."""
    text = unicodedata.normalize("NFKC", text or "")
    kept, foreign, letters = [], [], 0
    for char in text:
        category = unicodedata.category(char)
        if category.startswith("L"):
            letters += 1
            (kept if _latin(char) else foreign).append(char)
        elif category.startswith("N") or char in ALLOWED_PUNCTUATION:
            kept.append(char)
        elif category.startswith("Z") or char in "\t\n\r":
            kept.append(" ")
        # control characters, symbols, emoji: dropped
    if letters and len(foreign) / letters > max_foreign_share:
        sample = "".join(dict.fromkeys(foreign))[:10]
        raise Unspeakable(f"unsupported characters: {len(foreign)} of {letters} letters are not Latin script ({sample!r})")
    cleaned = re.sub(r"\s+", " ", "".join(kept)).strip()
    if not any(c.isalnum() for c in cleaned):
        raise Unspeakable("empty after cleaning: nothing left to say")
    words = len(cleaned.split())
    if words / WORDS_PER_SECOND > max_seconds:
        raise Unspeakable(f"too long for one clip: {words} words, about {words / WORDS_PER_SECOND:.0f} s "
                          f"at {WORDS_PER_SECOND} words/s (limit {max_seconds:.0f} s)")
    return cleaned
