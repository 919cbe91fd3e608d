"""The sampled check of the voices' word times: Whisper hears the turns of a seeded share of
conversations whose words were timed by their voice (synth_assets/tts/durations.py), and each word it
hears as the word the turn labels is compared edge by edge with the label.

The engines' durations are exact by construction, so what this catches is a voice whose durations have
gone wrong (an export that reports the wrong tensor, a resampling the times missed): its labels drift
from the audio by far more than Whisper's own error. Whisper tiny.en's word edges sit 40-80 ms (median)
from correct durations, its ends late (docs/conversations.md), so a turn is called misaligned only when
its median edge error passes ``MISALIGNED_MS``, judged on ``MIN_WORDS`` heard words or more.

Each checked turn records ``alignment_check``: the transcriber, the words compared, and each one's
signed start and end error in ms (Whisper's edge minus the label's); ``summarize`` pools them.
"""

from __future__ import annotations

import difflib
import statistics
from typing import Iterable

import numpy as np

from synth_assets.asr.transcriber import Transcriber
from synth_assets.core.mix import phase
from synth_assets.dialogues.words import normalize

CHECK_KEY = "alignment_check"  # the turn record's key
MISALIGNED_MS = 100.0  # a turn's median edge error over this: its voice's durations are wrong
MIN_WORDS = 4  # a turn with fewer words heard as labelled is too short to judge


def sampled(conversation_id: str, share: float) -> bool:
    """Whether the conversation's turns are checked: a draw seeded by its id (the same on every rerun
    and in any worker), true for ``share`` of conversations."""
    return share > 0 and phase(conversation_id, "alignment check") < share


def edge_errors(labelled: list[dict], heard: list[dict], model: str) -> dict:
    """The check of one clip: ``labelled`` words ({word, start, end}, seconds into the clip) against
    Whisper's ``heard`` words in the same clip. Only words heard as the label's word (difflib on
    normalized tokens) are compared: a word heard differently has no edge of its own to compare."""
    heard = [w for w in heard if normalize(w["word"])]
    matcher = difflib.SequenceMatcher(None, [normalize(w["word"]) for w in labelled],
                                      [normalize(w["word"]) for w in heard], autojunk=False)
    pairs = [(labelled[i1 + k], heard[j1 + k]) for tag, i1, i2, j1, _ in matcher.get_opcodes() if tag == "equal"
             for k in range(i2 - i1)]
    return {"by": model, "words": len(pairs), "of": len(labelled),
            "start_error_ms": [round(1000 * (float(h["start"]) - w["start"])) for w, h in pairs],
            "end_error_ms": [round(1000 * (float(h["end"]) - w["end"])) for w, h in pairs]}


def check_clips(clips: list[tuple[list[dict], np.ndarray, int]], transcriber: Transcriber) -> list[dict | None]:
    """The check of each (labelled words, audio, rate) clip, all transcribed in one packed pass; None for a
    clip Whisper failed on."""
    checks: list[dict | None] = [None] * len(clips)
    for index, transcript in transcriber.transcribe_many((i, audio, rate) for i, (_, audio, rate) in enumerate(clips)):
        if not transcript.error:
            checks[index] = edge_errors(clips[index][0], transcript.words, f"whisper:{transcriber.model_id}")
    return checks


def errors_ms(check: dict) -> list[int]:
    """Every edge error of a checked turn, unsigned."""
    return [abs(e) for e in check["start_error_ms"] + check["end_error_ms"]]


def turn_median_ms(check: dict) -> float | None:
    """The turn's median edge error, None when too few words were heard as labelled to judge it."""
    return float(statistics.median(errors_ms(check))) if check["words"] >= MIN_WORDS else None


def summarize(conversations: Iterable[tuple[str, list[dict]]], limit_ms: float = MISALIGNED_MS) -> dict:
    """The check pooled over (conversation id, turns) pairs: conversations, turns and words checked, the
    median and p90 edge error, the median signed start and end error (Whisper's bias), and the
    conversations with a turn whose median error passes ``limit_ms``."""
    errors, starts, ends, turns, words, checked, misaligned = [], [], [], 0, 0, set(), []
    for conversation, conversation_turns in conversations:
        for turn in conversation_turns:
            check = turn.get(CHECK_KEY)
            if not check:
                continue
            checked.add(conversation)
            turns += 1
            words += check["words"]
            errors += errors_ms(check)
            starts += check["start_error_ms"]
            ends += check["end_error_ms"]
            median = turn_median_ms(check)
            if median is not None and median > limit_ms and conversation not in misaligned:
                misaligned.append(conversation)
    if not errors:
        return {"conversations": len(checked), "turns": turns, "words": words}
    return {"conversations": len(checked), "turns": turns, "words": words,
            "median_ms": round(float(np.median(errors)), 1), "p90_ms": round(float(np.percentile(errors, 90)), 1),
            "start_bias_ms": round(float(np.median(starts)), 1), "end_bias_ms": round(float(np.median(ends)), 1),
            "limit_ms": limit_ms, "misaligned": misaligned}
