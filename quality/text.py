"""The text stages' checks: whole, TTS-sized segments (text_segments) and text a voice can read as
written (spoken_text)."""

from __future__ import annotations

import pandas as pd

from quality.base import Suite, gxe, lineage, nonempty_text, not_null, between
from synth_assets.core import names
from synth_assets.segments.wholeness import ends_mid_sentence, starts_mid_sentence
from synth_assets.spoken.speakable import unspeakable_excerpt

# Segments: the share that may start or end inside a sentence.
MID_SENTENCE_SHARE = 0.01


def _mid_sentence(frame: pd.DataFrame) -> pd.DataFrame:
    """'' per whole segment, else which end is cut and how it reads (the check's examples)."""
    def where(text: str) -> str:
        if starts_mid_sentence(text):
            return f"starts: {text[:30]!r}"
        return f"ends: {text[-30:]!r}" if ends_mid_sentence(text) else ""
    return frame.assign(mid_sentence=frame["text"].fillna("").map(where))


# Spoken text: the share of rows a voice cannot read as written.
UNSPEAKABLE_SHARE = 0.005


def _unspeakable(frame: pd.DataFrame) -> pd.DataFrame:
    """'' per speakable row, else its first unspeakable character in context (the check's examples)."""
    return frame.assign(unspeakable=frame["text"].fillna("").map(unspeakable_excerpt))


STAGE_SUITES = (
    Suite("segments_valid", names.TEXT_SEGMENTS, "Segments are non-empty, TTS-sized (at most 60 words) and "
          f"whole sentences: at most {MID_SENTENCE_SHARE:.0%} start or end mid-sentence (the report shows examples).",
          lambda: [*lineage(), nonempty_text(), between("words", 1, 60), not_null("parent_id"),
                   gxe.ExpectColumnValuesToBeInSet(column="mid_sentence", value_set=[""],
                                                   mostly=1.0 - MID_SENTENCE_SHARE)],
          prepare=_mid_sentence),
    Suite("spoken_text_valid", names.SPOKEN_TEXT, "Spoken text is non-empty, and at most "
          f"{UNSPEAKABLE_SHARE:.1%} of rows still hold digits, brackets, markup or non-Latin script (the "
          "report shows examples).",
          lambda: [*lineage(), nonempty_text(), not_null("parent_id"),
                   gxe.ExpectColumnValuesToBeInSet(column="unspeakable", value_set=[""],
                                                   mostly=1.0 - UNSPEAKABLE_SHARE)],
          prepare=_unspeakable),
)
