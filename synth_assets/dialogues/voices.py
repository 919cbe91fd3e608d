"""Voices for a conversation: the assistant keeps its one voice and the user never shares it.

The user voice is drawn by the VoicePolicy's gender rotation over a pool that leaves out the assistant
voice. A gender left with no voice borrows from ``fallback_voices`` (cheap espeak/flite speakers), so
the rotation keeps both genders; with no user voice at all the conversation cannot be voiced.
"""

from __future__ import annotations

import dataclasses

from synth_assets.tts.policy import VoiceChoice, VoicePolicy
from synth_assets.tts.registry import REGISTRY, VoiceUnavailable, is_available

GENDERS = ("female", "male")
# Used only for a gender that has no user voice besides the assistant's (the default pool's female
# voice is the assistant's): robotic, but a distinct speaker on the user channel.
FALLBACK_USER_VOICES = ("flite-slt", "espeak-us-f2", "flite-rms", "espeak-us-m3")


class NoDistinctVoice(VoiceUnavailable):
    """No user voice is left once the assistant's voice is set aside."""


def user_pool(policy: VoicePolicy, fallback_voices: tuple[str, ...] = FALLBACK_USER_VOICES) -> tuple[str, ...]:
    """The policy's user voices without the assistant's, topped up per missing gender from the fallbacks."""
    pool = [v for v in policy.user_voices if v != policy.assistant_voice and is_available(v)]
    for gender in GENDERS:
        if not any(REGISTRY[v].gender == gender for v in pool):
            spare = [v for v in fallback_voices if v != policy.assistant_voice and v in REGISTRY
                     and REGISTRY[v].gender == gender and is_available(v)]
            pool += spare[:1]
    return tuple(pool)


def conversation_policy(policy: VoicePolicy, fallback_voices: tuple[str, ...] = FALLBACK_USER_VOICES) -> VoicePolicy:
    """The policy with the user pool of ``user_pool``; raises NoDistinctVoice when that pool is empty."""
    pool = user_pool(policy, fallback_voices)
    if not pool:
        raise NoDistinctVoice(f"every user voice {list(policy.user_voices)} is the assistant voice "
                              f"{policy.assistant_voice!r} or cannot load, and no fallback voice can")
    return dataclasses.replace(policy, user_voices=pool)


def choose_user_voice(policy: VoicePolicy, seed: int, slot: int) -> VoiceChoice:
    """The user voice of the ``slot``-th conversation of a partition (gender by rotation, then drawn)."""
    choice = policy.choose_user_voice(seed, slot)
    if choice.voice_id == policy.assistant_voice:  # only when a caller skipped conversation_policy
        raise NoDistinctVoice(f"user voice {choice.voice_id!r} is the assistant voice")
    return choice
