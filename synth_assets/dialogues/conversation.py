"""Voicing a dialogue script as a Moshi-style two-channel conversation.

The user speaks on the left channel and the assistant on the right, one after the other with a short
seeded pause, so a model trained on it hears both streams the way full-duplex training wants them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np

from synth_assets.core.audio import SAMPLE_RATE
from synth_assets.core.records import DialogueScript, seed_from_id
from synth_assets.spoken.rewrite import to_spoken
from synth_assets.tts.policy import VoicePolicy

CHANNEL = {"user": 0, "assistant": 1}


@dataclass
class VoicedDialogue:
    audio: np.ndarray  # (samples, 2) float32 at 24 kHz
    turns: list[dict]  # role, voice, written text, spoken text, start and end in seconds
    user_voice: str
    assistant_voice: str


def voice_dialogue(script: DialogueScript, voices: VoicePolicy, *, filler_rate: float = 0.15) -> VoicedDialogue:
    rng = random.Random(seed_from_id(script.id, "timing"))
    user_voice = voices.pick_user_voice(seed_from_id(script.id, "voice"))
    chunks: list[tuple[int, np.ndarray]] = []
    turns, cursor = [], int(0.3 * SAMPLE_RATE)
    for index, turn in enumerate(script.turns):
        seed = seed_from_id(script.id, f"turn{index}")
        spoken, _ = to_spoken(turn.text, seed=seed, role=turn.role,
                              filler_rate=filler_rate if turn.role == "user" else 0.0)
        voice = user_voice if turn.role == "user" else voices.assistant_voice
        audio = voices.synthesize(voice, spoken, seed=seed)
        chunks.append((CHANNEL[turn.role], cursor, audio))
        turns.append({"role": turn.role, "voice": voice, "text": turn.text, "spoken": spoken,
                      "start": round(cursor / SAMPLE_RATE, 3),
                      "end": round((cursor + audio.size) / SAMPLE_RATE, 3)})
        cursor += audio.size + int(rng.uniform(0.25, 0.7) * SAMPLE_RATE)
    stereo = np.zeros((cursor, 2), np.float32)
    for channel, start, audio in chunks:
        stereo[start:start + audio.size, channel] = audio
    return VoicedDialogue(stereo, turns, user_voice, voices.assistant_voice)
