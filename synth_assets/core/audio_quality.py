"""Audio quality of one clip, per channel: peak, clipping, silence (an energy VAD) and an SNR estimate.

Cheap by design (one pass of numpy over 20 ms frames, about a millisecond per second of audio), so
every sample of a release is measured. The MOS estimate (quality/mos.py, ~0.6 s a clip) is too
dear for that: release/versions.py rates a seeded sample of clips at release time.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

import numpy as np

from synth_assets.core.audio import from_flac
from synth_assets.core.fields import setting
from synth_assets.core.limits import (
    MAX_CLIPPING_RATIO,
    MAX_SILENCE_RATIO,
    MIN_PEAK_DBFS,
    MIN_SNR_DB,
)

FRAME_SECONDS = 0.02
CLIP_LEVEL = 0.999  # |sample| at or above this is clipped (16-bit full scale)
SPEECH_BELOW_PEAK_DB = 35.0  # frames this far below the loudest frame count as silence
ABSOLUTE_SILENCE_DBFS = -55.0  # and so does anything below this, whatever the peak
NO_NOISE_SNR_DB = 100.0  # a digitally silent background: the estimate is capped here


@dataclass(frozen=True)
class ChannelQuality:
    peak_dbfs: float
    clipping_ratio: float  # share of samples at full scale
    silence_ratio: float  # share of 20 ms frames without speech energy
    snr_db: float  # loud frames over quiet frames, in dB


@dataclass(frozen=True)
class Thresholds:
    """What a sample must meet to be released; the speech_dataset Config sets them."""
    min_peak_dbfs: float = setting(MIN_PEAK_DBFS, "A quieter peak is quarantined as near silent.")
    max_clipping_ratio: float = setting(MAX_CLIPPING_RATIO, "Share of samples at full scale.")
    max_silence_ratio: float = setting(MAX_SILENCE_RATIO, "Share of 20 ms frames without speech (conversations: "
                                       "both channels).")
    min_snr_db: float = setting(MIN_SNR_DB, "Speech over background estimate, dB.")


def _frame_power_db(audio: np.ndarray, rate: int) -> np.ndarray:
    size = max(1, int(rate * FRAME_SECONDS))
    usable = audio[: audio.size // size * size] if audio.size >= size else np.pad(audio, (0, size - audio.size))
    power = np.mean(np.square(usable.reshape(-1, size), dtype=np.float64), axis=1)
    return 10 * np.log10(np.maximum(power, 1e-12))


def channel_quality(audio: np.ndarray, rate: int) -> ChannelQuality:
    """The figures of one mono channel."""
    audio = np.asarray(audio, np.float32)
    if audio.size == 0:
        return ChannelQuality(peak_dbfs=-120.0, clipping_ratio=0.0, silence_ratio=1.0, snr_db=0.0)
    peak = float(np.max(np.abs(audio)))
    frames = _frame_power_db(audio, rate)
    speech = frames > max(frames.max() - SPEECH_BELOW_PEAK_DB, ABSOLUTE_SILENCE_DBFS)
    # Speech level: the median of voiced frames; noise level: the quietest tenth of all frames.
    speech_db = float(np.median(frames[speech])) if speech.any() else float(frames.max())
    noise_db = float(np.percentile(frames, 10))
    snr = NO_NOISE_SNR_DB if noise_db <= -110 else min(NO_NOISE_SNR_DB, speech_db - noise_db)
    return ChannelQuality(
        peak_dbfs=round(20 * float(np.log10(max(peak, 1e-6))), 2),
        clipping_ratio=round(float(np.mean(np.abs(audio) >= CLIP_LEVEL)), 5),
        silence_ratio=round(1.0 - float(np.mean(speech)), 4),
        snr_db=round(float(snr), 2),
    )


def clip_quality(audio: np.ndarray, rate: int) -> dict:
    """Release columns for a clip of one or more channels.

    A conversation's channels take turns, so each channel alone is silent half the time: silence is
    judged on the channels together, while peak and clipping take the worst channel and SNR the
    noisiest. The per-channel figures are kept as JSON.
    """
    channels = audio.reshape(audio.shape[0], -1).T if audio.ndim > 1 else audio[None, :]
    per_channel = [channel_quality(c, rate) for c in channels]
    together = channel_quality(np.max(np.abs(channels), axis=0), rate) if len(per_channel) > 1 else per_channel[0]
    return {
        "peak_dbfs": max(c.peak_dbfs for c in per_channel),
        "clipping_ratio": max(c.clipping_ratio for c in per_channel),
        "silence_ratio": together.silence_ratio,
        "snr_db": min(c.snr_db for c in per_channel),
        "quality_by_channel": json.dumps([asdict(c) for c in per_channel]),
    }


def flac_quality(data: bytes) -> dict:
    audio, rate = from_flac(data)
    return clip_quality(audio, rate)


def failures(quality: dict, thresholds: Thresholds = Thresholds()) -> list[str]:
    """Why a sample fails the release's quality gates (empty when it passes)."""
    reasons = []
    if quality["peak_dbfs"] < thresholds.min_peak_dbfs:
        reasons.append(f"peak {quality['peak_dbfs']} dBFS below {thresholds.min_peak_dbfs} (near silent)")
    if quality["clipping_ratio"] > thresholds.max_clipping_ratio:
        reasons.append(f"clipping ratio {quality['clipping_ratio']} above {thresholds.max_clipping_ratio}")
    if quality["silence_ratio"] > thresholds.max_silence_ratio:
        reasons.append(f"silence ratio {quality['silence_ratio']} above {thresholds.max_silence_ratio}")
    if quality["snr_db"] < thresholds.min_snr_db:
        reasons.append(f"SNR {quality['snr_db']} dB below {thresholds.min_snr_db}")
    return reasons
