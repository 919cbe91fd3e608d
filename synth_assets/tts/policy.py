"""The voice policy: which voice speaks each clip. Users are balanced by gender (a rotation with the
configured female share), then spread over accents and voices; the assistant keeps one voice.

``VoicePolicy`` holds every setting of the policy and of synthesis; the TTSVoices resource
(resources/voices.py) reads them from configuration and hands one to the stage.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass, field

import numpy as np

from synth_assets.core.limits import TARGET_FEMALE_SHARE
from synth_assets.tts.clips import speak
from synth_assets.tts.pool import POOL_MIN_CLIPS
from synth_assets.tts.registry import REGISTRY, VoiceUnavailable, is_available

DEFAULT_USER_VOICES = ("hibari-heart", "piper-joe")
DEFAULT_ASSISTANT_VOICE = "hibari-heart"


@dataclass
class VoiceChoice:
    """What the policy picked for one clip, recorded with it."""

    voice_id: str
    gender: str
    accent: str
    slot: int | None = None  # position in the partition's gender rotation (users only)
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class VoicePolicy:
    """Voices and the policy that picks them: users balanced by gender, one assistant voice."""

    user_voices: tuple[str, ...] = DEFAULT_USER_VOICES
    assistant_voice: str = DEFAULT_ASSISTANT_VOICE
    threads: int = 1  # engine threads per worker, so parallel workers do not fight
    workers: int = 0  # TTS worker processes per partition; 0: one per usable core; 1: in process
    pool_min_clips: int = POOL_MIN_CLIPS  # fewer clips to make than this: the pool's start-up costs more
    target_female_share: float = TARGET_FEMALE_SHARE  # share of user clips voiced by a female voice

    def available_user_voices(self) -> list[str]:
        usable = [v for v in self.user_voices if is_available(v)]
        if not usable:
            raise VoiceUnavailable(f"none of the user voices {list(self.user_voices)} can load here")
        return usable

    def pick_user_voice(self, seed: int, slot: int | None = None) -> str:
        return self.choose_user_voice(seed, slot).voice_id

    def choose_user_voice(self, seed: int, slot: int | None = None) -> VoiceChoice:
        """Gender first, then accent, then a voice of both: balanced however many voices each has.

        With ``slot`` (the clip's position among a partition's user clips) the gender follows a
        low-discrepancy rotation with the target share, so any run of clips is within one clip of
        the target; without it the gender is a seeded draw. Accent and voice are drawn with
        ``seed`` either way, so a rerun makes the same choice.
        """
        rng = random.Random(seed)
        voices = self.available_user_voices()
        genders = sorted({REGISTRY[v].gender for v in voices})
        if len(genders) == 1:
            gender = genders[0]
        elif slot is None:
            gender = "female" if rng.random() < self.target_female_share else "male"
        else:
            # Female when the running count of female slots steps up: floor((k+1)p) > floor(kp).
            p = self.target_female_share
            gender = "female" if int((slot + 1) * p + 1e-9) > int(slot * p + 1e-9) else "male"
        candidates = [v for v in voices if REGISTRY[v].gender == gender]
        accent = rng.choice(sorted({REGISTRY[v].accent for v in candidates}))
        voice_id = rng.choice([v for v in candidates if REGISTRY[v].accent == accent])
        return VoiceChoice(voice_id, gender, accent, slot)

    def worker_count(self) -> int:
        """Worker processes to synthesize with: ``workers``, or one per core this process may use."""
        return self.workers if self.workers > 0 else usable_cores()

    def synthesize(self, voice_id: str, text: str, *, seed: int, speed: float = 1.0, **variation) -> np.ndarray:
        """24 kHz mono float32, loudness-normalised, in this process. ``variation``: engine prosody
        knobs (Piper: noise_scale, noise_w_scale); engines without them ignore them."""
        if voice_id not in REGISTRY:
            raise VoiceUnavailable(f"unknown voice {voice_id!r}; known: {sorted(REGISTRY)}")
        return speak(REGISTRY[voice_id].engine_spec, text, seed=seed, speed=speed, threads=self.threads,
                     variation=variation)


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity, which containers and taskset narrow)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1
