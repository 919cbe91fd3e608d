"""Turn-taking calibrated from real calls: the duplex measurement on a collection's two-channel audio
gives the FTO quantiles synthetic conversations draw from; too little to measure is refused."""

from __future__ import annotations

import random

import numpy as np
import pytest

from synth_assets.core.audio import SAMPLE_RATE, to_flac
from synth_assets.dialogues.calibration import (CalibrationRefused, calibrate, calls_from_utterances,
                                                 fto_quantiles)
from synth_assets.dialogues.turntaking import TurnTakingStyle, draw_plan


def tone(seconds: float) -> np.ndarray:
    t = np.arange(int(seconds * SAMPLE_RATE))
    return (0.1 * np.sin(2 * np.pi * 200 * t / SAMPLE_RATE)).astype(np.float32)


def utterances(file: str, ftos: list[float]) -> list[dict]:
    """recorded_speech-like rows: sides alternate, each 1.5 s long, with the given offsets between them."""
    rows, at = [], 0.5
    for index, fto in enumerate([0.0] + ftos):
        at += fto
        rows.append({"file": file, "channel_name": "left" if index % 2 == 0 else "right", "start_s": at,
                     "end_s": at + 1.5, "audio": to_flac(tone(1.5))})
        at += 1.5
    return rows


def test_a_collection_of_calls_gives_its_fto_quantiles_measured_from_the_audio():
    rng = random.Random(3)
    offsets = [round(rng.uniform(-0.4, 0.8), 2) for _ in range(30)]
    calls, refused = calls_from_utterances(utterances("a.flac", offsets[:15]) + utterances("b.flac", offsets[15:]))
    report = calibrate(calls)
    assert refused == [] and report["speaker_changes"] == 30
    assert report["fto_median_s"] == pytest.approx(float(np.median(offsets)), abs=0.02)
    quantiles = tuple(tuple(q) for q in report["fto_quantiles"])
    style = TurnTakingStyle(fto_quantiles=quantiles)  # what SYNTH_FTO_QUANTILES feeds the conversations
    drawn = [t.seconds for seed in range(60) for t in draw_plan(["user", "assistant"] * 3, seed, style).transitions
             if t.kind == "fto"]
    assert min(offsets) - 0.02 <= min(drawn) and max(drawn) <= max(offsets) + 0.02


def test_a_mono_file_and_too_few_speaker_changes_are_refused_with_their_reasons():
    mono = [dict(row, channel_name="mono") for row in utterances("mono.flac", [0.2, 0.3])]
    calls, refused = calls_from_utterances(mono + utterances("short.flac", [0.2, 0.1]))
    assert list(calls) == ["short.flac"] and "mono.flac" in refused[0]
    assert "fewer than the 20" in calibrate(calls)["refused"]
    with pytest.raises(CalibrationRefused):
        fto_quantiles([0.1, 0.2])
