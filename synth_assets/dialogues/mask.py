"""A mishearing put into the audio: the user's key word covered by a burst of noise or dropped out of
the user channel, as a bad line does. The clarification script says which turn and word
(``params["clarification"]``, garble ``masked``); the rendering calls ``mask_turn`` on that turn's audio
with its word times (the voice's own, else estimated from the text), and records the span it covered.
"""

from __future__ import annotations

import json
import random
import re

import numpy as np

from synth_assets.core.audio import SAMPLE_RATE
from synth_assets.core.records import DialogueScript, seed_from_id

MASKED = "masked"
MASK_KINDS = ("noise", "dropout")
PAD_S = 0.04  # the cover reaches this far past the word on both sides, so no edge of it is heard


def mask_directive(script: DialogueScript) -> tuple[int, str, str] | None:
    """(turn index, word, kind) when the script asks for a word of one of its turns to be masked."""
    try:
        detail = json.loads(script.params or "{}").get("clarification", {})
    except (ValueError, AttributeError):
        return None
    if detail.get("garble") != MASKED:
        return None
    return int(detail.get("turn", 0)), detail["said"], detail.get("mask", "noise")


def _bare(word: str) -> str:
    return re.sub(r"[^\w']+", "", word).lower()


def find_word(words: list[dict], word: str) -> dict | None:
    """The first timed word that is ``word`` (case and punctuation ignored)."""
    return next((w for w in words if _bare(w["word"]) == _bare(word)), None)


def mask_span(audio: np.ndarray, start: float, end: float, kind: str, seed: int) -> tuple[np.ndarray, dict]:
    """``audio`` with [start, end] (seconds, padded) covered by noise at the speech's loudness or cut to
    silence; and the span covered."""
    out = audio.copy()
    a = max(0, int((start - PAD_S) * SAMPLE_RATE))
    b = min(out.size, int((end + PAD_S) * SAMPLE_RATE))
    if b <= a:
        return out, {}
    if kind == "dropout":
        out[a:b] = 0.0
    else:
        speech = audio[np.abs(audio) > 1e-3]
        level = float(np.sqrt(np.mean(speech ** 2))) if speech.size else 0.05
        noise = np.random.default_rng(seed).standard_normal(b - a).astype(np.float32)
        out[a:b] = np.clip(noise * level * 1.5, -0.99, 0.99)
    return out, {"kind": kind, "start": round(a / SAMPLE_RATE, 3), "end": round(b / SAMPLE_RATE, 3)}


def mask_turn(audio: np.ndarray, words: list[dict], word: str, kind: str, seed: int) -> tuple[np.ndarray, dict]:
    """The turn's audio with ``word`` masked, and the span; the audio unchanged and {} when the word
    has no time in ``words``."""
    found = find_word(words, word)
    if found is None or found["end"] <= found["start"]:
        return audio, {}
    return mask_span(audio, found["start"], found["end"], kind, seed)


def pick_kind(script_id: str) -> str:
    return random.Random(seed_from_id(script_id, "mask")).choice(MASK_KINDS)
