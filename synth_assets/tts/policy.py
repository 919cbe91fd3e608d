"""The voice policy: which voice speaks each clip. Users are balanced by gender (a rotation with the
configured female share), then spread evenly over that gender's voices; the assistant keeps one
voice, which is never a user voice.

``VoicePolicy`` holds every setting of the policy and of synthesis; the TTSVoices resource
(resources/voices.py) reads them from configuration and hands one to the stage.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass, field

import numpy as np

from synth_assets.core.fields import setting
from synth_assets.core.limits import TARGET_FEMALE_SHARE
from synth_assets.tts.clips import speak, speak_timed
from synth_assets.tts.durations import Timed
from synth_assets.tts.pool import POOL_MIN_CLIPS
from synth_assets.tts.registry import REGISTRY, VoiceUnavailable, is_available

# Every default user voice passed the voice gate (synth_assets/tts/gate.py; cards in voice_cards.json).
DEFAULT_USER_VOICES = ("piper-joe", "kokoro-kumo-gongitsune", "kokoro-kumo-deep",
                       "kokoro-gongitsune", "kokoro-gongitsune-bright", "kokoro-gongitsune-low")
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

    user_voices: tuple[str, ...] = setting(DEFAULT_USER_VOICES, "Voice ids users speak with, spread evenly "
                                           "within each gender; the assistant voice is never one of them.")
    assistant_voice: str = setting(DEFAULT_ASSISTANT_VOICE, "The one consistent assistant voice.")
    threads: int = setting(1, "Engine threads per worker, so parallel workers do not fight.")
    workers: int = setting(0, "TTS worker processes per partition; 0: one per usable core; 1: synthesize in "
                           "the step's own process.")
    pool_min_clips: int = setting(POOL_MIN_CLIPS, "A partition with fewer clips to make runs in process (unless "
                                  "the worker pool is already up): below this the pool's start-up costs more "
                                  "than it saves.")
    target_female_share: float = setting(TARGET_FEMALE_SHARE, "Share of user clips voiced by a female voice; the "
                                         "balance check of tts_audio judges against the same number.")

    def available_user_voices(self) -> list[str]:
        """The user voices that load here, without the assistant's: users never sound like the assistant."""
        usable = [v for v in self.user_voices if v != self.assistant_voice and is_available(v)]
        if not usable:
            raise VoiceUnavailable(f"none of the user voices {list(self.user_voices)} can load here "
                                   f"(the assistant voice {self.assistant_voice} is never a user voice)")
        return usable

    def pick_user_voice(self, seed: int, slot: int | None = None) -> str:
        return self.choose_user_voice(seed, slot).voice_id

    def choose_user_voice(self, seed: int, slot: int | None = None) -> VoiceChoice:
        """Gender first, then a voice of that gender: no voice takes more than its share.

        With ``slot`` (the clip's position among a partition's user clips) the gender follows a
        low-discrepancy rotation with the target share, so any run of clips is within one clip of
        the target, and the k-th clip of a gender takes that gender's voices in turn, so each voice
        is within one clip of its share too. Without ``slot`` both are seeded draws. Either way a
        rerun makes the same choice.
        """
        rng = random.Random(seed)
        voices = self.available_user_voices()
        genders = sorted({REGISTRY[v].gender for v in voices})
        female_before = None if slot is None else _female_slots_before(slot, self.target_female_share)
        if len(genders) == 1:
            gender = genders[0]
        elif slot is None:
            gender = "female" if rng.random() < self.target_female_share else "male"
        else:
            gender = "female" if _female_slots_before(slot + 1, self.target_female_share) > female_before else "male"
        candidates = sorted(v for v in voices if REGISTRY[v].gender == gender)
        if slot is None:
            voice_id = rng.choice(candidates)
        else:
            turn = slot if len(genders) == 1 else female_before if gender == "female" else slot - female_before
            voice_id = candidates[turn % len(candidates)]
        return VoiceChoice(voice_id, gender, REGISTRY[voice_id].accent, slot)

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


    def synthesize_timed(self, voice_id: str, text: str, *, seed: int, speed: float = 1.0,
                         **variation) -> tuple[np.ndarray, Timed | None]:
        """``synthesize``'s audio, and the times of its phoneme words from the engine (None when the
        engine reports no durations: a command or python engine)."""
        if voice_id not in REGISTRY:
            raise VoiceUnavailable(f"unknown voice {voice_id!r}; known: {sorted(REGISTRY)}")
        return speak_timed(REGISTRY[voice_id].engine_spec, text, seed=seed, speed=speed, threads=self.threads,
                           variation=variation)


def _female_slots_before(slot: int, share: float) -> int:
    """How many of the slots before ``slot`` are female: floor(slot * share)."""
    return int(slot * share + 1e-9)


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity, which containers and taskset narrow)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1
