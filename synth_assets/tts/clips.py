"""One clip, from a planned job to FLAC bytes: the work a TTS worker does.

The same function runs in the step's own process and in pool workers (synth_assets/tts/pool.py),
so a clip's bytes do not depend on where it was made. It imports neither Dagster nor the voice
registry: a worker receives everything it needs inside the job.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from synth_assets.core.audio import SAMPLE_RATE, normalize_loudness, resample, rms_dbfs, to_flac
from synth_assets.core.audio_input import check_samples
from synth_assets.tts.durations import Timed
from synth_assets.tts.engines import EngineSpec, loaded
from synth_assets.tts.speakable import Unspeakable


@dataclass(frozen=True)
class ClipJob:
    """One clip to synthesize, as planned by tts_audio (voice, seed, speed and variation drawn)."""

    clip_id: str
    engine: EngineSpec
    text: str
    seed: int
    speed: float
    variation: tuple[tuple[str, float], ...] = ()  # engine prosody knobs, e.g. Piper's noise scales
    max_seconds: float = 30.0


@dataclass(frozen=True)
class ClipAudio:
    """A finished clip: 24 kHz mono FLAC and the figures tts_audio records."""

    flac: bytes
    duration_s: float
    rms_dbfs: float


@dataclass(frozen=True)
class ClipFailed:
    """Why a clip could not be made; tts_audio quarantines the sample with this reason."""

    reason: str


Outcome = ClipAudio | ClipFailed


def speak(engine: EngineSpec, text: str, *, seed: int, speed: float, threads: int,
          variation: dict | None = None) -> np.ndarray:
    """24 kHz mono float32, loudness-normalised."""
    samples, rate = loaded(engine, threads)(text, speed, seed, **(variation or {}))
    samples = np.asarray(samples, np.float32)
    if samples.ndim != 1:
        samples = samples.reshape(samples.shape[0], -1).mean(axis=1)
    return normalize_loudness(resample(samples, rate, SAMPLE_RATE))


def speak_timed(engine: EngineSpec, text: str, *, seed: int, speed: float, threads: int,
                variation: dict | None = None) -> tuple[np.ndarray, Timed | None]:
    """24 kHz mono float32, loudness-normalised, and the phoneme words' times the engine reports
    (seconds: resampling and loudness leave them as they are); None from an engine without durations."""
    speak_fn = loaded(engine, threads)
    timed = getattr(speak_fn, "timed", None)
    if timed is None:
        return speak(engine, text, seed=seed, speed=speed, threads=threads, variation=variation), None
    samples, rate, words = timed(text, speed, seed, **(variation or {}))
    samples = np.asarray(samples, np.float32)
    return normalize_loudness(resample(samples, rate, SAMPLE_RATE)), words


def render_clip(job: ClipJob, threads: int) -> Outcome:
    """The clip's FLAC, or the reason it failed (text, engine error, unusable samples, too long)."""
    try:
        audio = check_samples(speak(job.engine, job.text, seed=job.seed, speed=job.speed, threads=threads,
                                    variation=dict(job.variation)), SAMPLE_RATE)
        seconds = audio.size / SAMPLE_RATE
        if seconds > job.max_seconds:
            raise Unspeakable(f"clip is {seconds:.1f} s, over the {job.max_seconds:.0f} s limit")
        return ClipAudio(to_flac(audio), round(seconds, 3), round(float(rms_dbfs(audio)), 2))
    except Exception as error:  # one clip's failure must not sink the partition
        return ClipFailed(f"{type(error).__name__}: {error}")
