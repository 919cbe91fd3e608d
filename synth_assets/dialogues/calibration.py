"""Turn-taking calibrated from real calls: the duplex measurement (duplex.py) run on a collection of
two-channel recordings gives its floor-transfer offsets, and their quantiles are what the synthetic
conversations draw from (SYNTH_FTO_QUANTILES, read by settings.fto_quantiles).

Two sources: the utterances recorded_speech cut from a collection's files (each placed back at its
span on its channel, so each call is heard as it was), or two-channel audio files read directly:

    python -m synth_assets.dialogues.calibration call-1.flac call-2.wav ...

A file with one channel, or a collection with fewer than ``MIN_CHANGES`` speaker changes, is refused
with its reason; the conversations then keep the default distribution.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable

import numpy as np

from synth_assets.core.audio import SAMPLE_RATE, from_flac
from synth_assets.dialogues import duplex

MIN_CHANGES = 20
QUANTILES = (0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 0.96, 1.0)


class CalibrationRefused(ValueError):
    """The collection cannot calibrate turn-taking: the reason says why."""


def calls_from_utterances(rows: Iterable[dict]) -> tuple[dict[str, np.ndarray], list[str]]:
    """Each file's two channels rebuilt from its recorded_speech utterances (left: channel 0, right: 1),
    and the reason each file left out was (a mono file has no second speaker to measure)."""
    by_file: dict[str, list[dict]] = {}
    for row in rows:
        by_file.setdefault(row["file"], []).append(row)
    calls, refused = {}, []
    for file, utterances in sorted(by_file.items()):
        sides = {u["channel_name"] for u in utterances}
        if not sides <= {"left", "right"} or len(sides) < 2:
            refused.append(f"{file}: channels {sorted(sides)}, not a two-channel call with both sides speaking")
            continue
        length = int(np.ceil(max(u["end_s"] for u in utterances) * SAMPLE_RATE)) + 1
        stereo = np.zeros((length, 2), np.float32)
        for u in utterances:
            audio, _ = from_flac(u["audio"])
            first = int(round(u["start_s"] * SAMPLE_RATE))
            piece = audio.reshape(-1)[:length - first]
            stereo[first:first + piece.size, 0 if u["channel_name"] == "left" else 1] += piece
        calls[file] = stereo
    return calls, refused


def fto_quantiles(ftos: list[float], min_changes: int = MIN_CHANGES) -> tuple[tuple[float, float], ...]:
    """The (probability, FTO) table a TurnTakingStyle draws from; refused below ``min_changes``."""
    if len(ftos) < min_changes:
        raise CalibrationRefused(f"{len(ftos)} speaker changes measured, fewer than the {min_changes} a "
                                 "distribution needs: the default (CallHome) stays")
    values = np.percentile(ftos, [100 * q for q in QUANTILES])
    return tuple((q, round(float(v), 3)) for q, v in zip(QUANTILES, np.maximum.accumulate(values)))


def calibrate(calls: dict[str, np.ndarray], rate: int = SAMPLE_RATE, min_changes: int = MIN_CHANGES) -> dict:
    """The collection's pooled statistics, and the quantiles (or why there are none)."""
    stats = [duplex.measure_audio(audio, rate) for audio in calls.values()]
    report = {"calls": len(calls), **duplex.summarize(stats)}
    try:
        report["fto_quantiles"] = [list(p) for p in fto_quantiles([f for s in stats for f in s.ftos], min_changes)]
    except CalibrationRefused as error:
        report["refused"] = str(error)
    return report


def main(paths: list[str]) -> int:
    import soundfile as sf

    calls, refused, rates = {}, [], set()
    for path in paths:
        audio, rate = sf.read(path, dtype="float32", always_2d=True)
        if audio.shape[1] != 2:
            refused.append(f"{path}: {audio.shape[1]} channel(s), not a two-channel call")
            continue
        calls[path], _ = audio, rates.add(rate)
    if len(rates) > 1:
        print(f"files at different rates {sorted(rates)}: measure each rate apart", file=sys.stderr)
        return 2
    report = calibrate(calls, rates.pop() if rates else SAMPLE_RATE)
    print(json.dumps({**report, "files_refused": refused}, indent=2))
    if "fto_quantiles" in report:
        print(f"SYNTH_FTO_QUANTILES='{json.dumps(report['fto_quantiles'])}'")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
