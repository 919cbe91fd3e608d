"""Quality gates of the dataset: every sample measured (core/audio_quality.py), the failing ones
quarantined with the reason, and a seeded sample rated by DNSMOS when a release is cut."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Iterator

import numpy as np

from synth_assets.core.audio import from_flac
from synth_assets.core.audio_quality import Thresholds, failures, flac_quality
from synth_assets.core.limits import MOS_AUDIO_SECONDS_PER_CLIP, MOS_SAMPLE_MIN
from synth_assets.core.records import Quarantined
from synth_assets.core.stage_run import StageRun

QUALITY_COLUMNS = ("peak_dbfs", "clipping_ratio", "silence_ratio", "snr_db", "quality_by_channel", "mos")


def gate(stage: StageRun, rows: Iterable[dict], thresholds: Thresholds | None = None) -> Iterator[dict]:
    """Each row with its quality columns; a row that fails a gate, or whose audio does not decode,
    goes to the quarantine instead, naming the sample and the reason."""
    thresholds = thresholds or Thresholds()
    for row in rows:
        try:
            quality = flac_quality(row["audio"])
        except (RuntimeError, ValueError, TypeError) as error:  # soundfile's errors for bad or missing bytes
            stage.quarantine(Quarantined(stage=stage.asset, file=f"{row['kind']} {row['partition']}",
                                         position=row["id"], reason=f"audio does not decode: {error}"))
            continue
        reasons = failures(quality, thresholds)
        if reasons:
            stage.quarantine(Quarantined(stage=stage.asset, file=f"{row['kind']} {row['partition']}",
                                         position=row["id"], reason="; ".join(reasons), raw=row.get("text", "")[:200]))
            continue
        yield {**row, **quality, "mos": None}


def mos_sample(ids: list[str], count: int) -> set[str]:
    """Which samples DNSMOS rates: the same ids for the same release, whatever the order of rows."""
    return set(sorted(ids, key=lambda i: hashlib.sha256(i.encode()).hexdigest())[:count])


def mos_budget(audio_seconds: float, samples: int, seconds_per_clip: float = MOS_AUDIO_SECONDS_PER_CLIP,
               minimum: int = MOS_SAMPLE_MIN) -> int:
    """How many clips to rate: one per ``seconds_per_clip`` of audio, so the cost grows with the
    pipeline's, at least ``minimum``, at most every sample."""
    return min(samples, max(minimum, math.ceil(audio_seconds / seconds_per_clip)))


def rate_one(row: dict) -> float:
    """DNSMOS overall of one row's audio (a conversation: its channels averaged)."""
    from quality.mos import dnsmos  # loads onnxruntime sessions: only when a release is cut

    audio, rate = from_flac(row["audio"])
    channels = audio.T if audio.ndim > 1 else [audio]
    return round(float(np.mean([dnsmos(c, rate).overall for c in channels])), 3)
