"""The voice registry and the TTS resource.

A voice is an id, an engine, a gender, an accent, its native sample rate, a license, a quality
figure and the hash of its model file. Engines live in synth_assets/tts/engines.py and load once per
process (a module cache): a Dagster run in one process pays each model load once, however many
partitions or clips it makes, and so does each TTS worker process (synth_assets/tts/pool.py).

More voices come from a JSON file named by ``SYNTH_VOICES_FILE`` (or ``register_voices_file``): a
list of objects with the ``Voice`` fields, e.g. a Piper .onnx a user has, any program that writes
a WAV (engine "command"), or a Python engine factory (engine "python"). See "Adding a voice" in the README.
"""

from __future__ import annotations

import atexit
import functools
import json
import os
import random
import subprocess
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import numpy as np
from dagster import ConfigurableResource
from pydantic import Field

from synth_assets.tts import engines as tts_engines
from synth_assets.tts.engines import EngineFailed, EngineSpec, VoiceUnavailable  # noqa: F401 - re-exported
from synth_assets.tts.clips import speak
from synth_assets.tts.pool import POOL_MIN_CLIPS

ESPEAK = ["espeak-ng", "-v", "{voice}", "-s", "{wpm}", "-w", "{wav}", "--stdin"]
FLITE = ["flite", "-voice", "{voice}", "--setf", "duration_stretch={stretch}", "-f", "{text_file}", "-o", "{wav}"]


@dataclass(frozen=True)
class Voice:
    id: str
    engine: str  # hibari, piper, command, python
    gender: str  # "female" / "male"
    accent: str  # BCP-47-like: en-US, en-GB, en-GB-scotland, en-029 ...
    sample_rate: int  # native rate of the engine; every clip is resampled to 24 kHz
    license: str
    quality_mos: float | None  # distillMOS measured on this engine (DESIGN.md); None when unmeasured
    model: str = ""  # engine-specific: hibari voice name, Piper .onnx path ("joe" = packaged), python "module:factory"
    engine_voice: str = ""  # command engines: the value of {voice}
    command: tuple[str, ...] = ()  # command engines: argv template
    family: str = ""  # what a person calls the engine: hibari, piper, espeak-ng, flite, ...

    def to_dict(self) -> dict:
        data = asdict(self)
        data["command"] = list(self.command)
        data["family"] = self.family or self.engine
        return data

    @property
    def engine_spec(self) -> EngineSpec:
        return EngineSpec(self.engine, self.model, self.engine_voice, tuple(self.command))


def _espeak(id_: str, variant: str, gender: str, accent: str) -> Voice:
    return Voice(id_, "command", gender, accent, 22_050, "GPL-3.0-or-later (engine)", 2.5,
                 engine_voice=variant, command=tuple(ESPEAK), family="espeak-ng")


def _flite(id_: str, name: str, gender: str, accent: str, rate: int = 16_000) -> Voice:
    return Voice(id_, "command", gender, accent, rate, "BSD-style (CMU flite)", 2.5,
                 engine_voice=name, command=tuple(FLITE), family="flite")


BUILTIN: tuple[Voice, ...] = (
    Voice("hibari-heart", "hibari", "female", "en-US", 24_000, "Apache-2.0", 4.58, model="heart", family="hibari"),
    Voice("piper-joe", "piper", "male", "en-US", 22_050, "MIT (voice), GPL-3.0 (engine)", 4.16, model="joe",
          family="piper"),
    # Cheap extra speakers (Debian espeak-ng / flite): formant and diphone voices, MOS about 2.5.
    _espeak("espeak-us-f2", "en-us+f2", "female", "en-US"),
    _espeak("espeak-us-f4", "en-us+f4", "female", "en-US"),
    _espeak("espeak-gb-f3", "en-gb+f3", "female", "en-GB"),
    _espeak("espeak-029-f1", "en-029+f1", "female", "en-029"),
    _espeak("espeak-us-m3", "en-us+m3", "male", "en-US"),
    _espeak("espeak-gb-m1", "en-gb+m1", "male", "en-GB"),
    _espeak("espeak-scotland-m2", "en-gb-scotland+m2", "male", "en-GB-scotland"),
    _espeak("espeak-rp-m4", "en-gb-x-rp+m4", "male", "en-GB"),
    _flite("flite-slt", "slt", "female", "en-US"),
    _flite("flite-rms", "rms", "male", "en-US"),
    _flite("flite-awb", "awb", "male", "en-GB-scotland"),
    _flite("flite-kal16", "kal16", "male", "en-US"),
)

REGISTRY: dict[str, Voice] = {v.id: v for v in BUILTIN}


ENGINES = ("hibari", "piper", "command", "python")


def register(voice: Voice) -> Voice:
    if voice.engine not in ENGINES:
        raise ValueError(f"voice {voice.id}: unknown engine {voice.engine!r} ({', '.join(ENGINES)})")
    if voice.gender not in ("female", "male"):
        raise ValueError(f"voice {voice.id}: gender must be 'female' or 'male', not {voice.gender!r}")
    if voice.engine == "command" and not voice.command:
        raise ValueError(f"voice {voice.id}: a command engine needs a 'command' argv template")
    if voice.engine == "python" and ":" not in voice.model:
        raise ValueError(f"voice {voice.id}: a python engine needs a model 'module:factory' or '/path/file.py:factory'")
    REGISTRY[voice.id] = voice
    model_hash.cache_clear()
    is_available.cache_clear()
    return voice


def voice_from_dict(entry: dict) -> Voice:
    names = {f.name for f in fields(Voice)}
    unknown = set(entry) - names
    if unknown:
        raise ValueError(f"voice {entry.get('id')}: unknown fields {sorted(unknown)}")
    entry = dict(entry)
    if entry.get("engine") == "piper" and "sample_rate" not in entry and entry.get("model"):
        # A Piper voice's rate is in the .onnx.json beside it.
        config = Path(f"{Path(entry['model']).expanduser()}.json")
        entry["sample_rate"] = int(json.loads(config.read_text())["audio"]["sample_rate"])
    entry.setdefault("quality_mos", None)
    entry.setdefault("license", "unknown")
    entry["command"] = tuple(entry.get("command", ()))
    return Voice(**entry)


def register_voices_file(path: str | Path) -> list[Voice]:
    """Add every voice of a JSON file (a list of ``Voice`` objects) to the registry."""
    return [register(voice_from_dict(entry)) for entry in json.loads(Path(path).read_text())]


if os.environ.get("SYNTH_VOICES_FILE"):
    register_voices_file(os.environ["SYNTH_VOICES_FILE"])


def _model_files(voice: Voice) -> tuple[list[Path], str]:
    """The files a voice's output depends on, and any extra text (engine version, voice name)."""
    if voice.engine == "hibari":
        return [tts_engines.hibari_model_path()], ""
    if voice.engine == "piper":
        return [tts_engines.piper_model_path(voice.model)], ""
    if voice.engine == "python":
        return [tts_engines.python_engine_file(voice.model)], voice.model
    exe = tts_engines.command_executable(list(voice.command))
    try:
        version = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        version = ""
    return [Path(exe)], f"{version}|{voice.engine_voice}|{' '.join(voice.command)}"


@functools.lru_cache(maxsize=None)
def model_hash(voice_id: str) -> str:
    """sha256 (first 16 hex digits) of the voice's model file (and, for program engines, the
    program, its version and the voice it selects), for lineage."""
    paths, extra = _model_files(REGISTRY[voice_id])
    return tts_engines.file_digest(paths, extra)


def _engine(voice_id: str, threads: int) -> tts_engines.Speak:
    """A loaded engine as a function (text, speed, seed) -> (samples, native rate); cached per process."""
    if voice_id not in REGISTRY:
        raise VoiceUnavailable(f"unknown voice {voice_id!r}; known: {sorted(REGISTRY)}")
    return tts_engines.loaded(REGISTRY[voice_id].engine_spec, threads)


@functools.lru_cache(maxsize=None)
def is_available(voice_id: str) -> bool:
    """Cached: the policy asks for every clip, and a lookup may search PATH or import paths."""
    voice = REGISTRY.get(voice_id)
    if voice is None:
        return False
    try:
        if voice.engine == "piper":
            tts_engines.piper_model_path(voice.model)
        elif voice.engine == "command":
            tts_engines.command_executable(list(voice.command))
        elif voice.engine == "python":
            tts_engines.python_engine_file(voice.model)
        return True
    except VoiceUnavailable:
        return False


@dataclass
class VoiceChoice:
    """What the policy picked for one clip, recorded with it."""

    voice_id: str
    gender: str
    accent: str
    slot: int | None = None  # position in the partition's gender rotation (users only)
    extra: dict = field(default_factory=dict)


class TTSVoices(ConfigurableResource):
    """Voices and the policy that picks them: users balanced by gender, one assistant voice."""

    user_voices: list[str] = Field(default=["hibari-heart", "piper-joe"], description="Voice ids users speak with.")
    assistant_voice: str = Field(default="hibari-heart", description="The one consistent assistant voice.")
    threads: int = Field(default=1, description="Engine threads per worker, so parallel workers do not fight.")
    workers: int = Field(default=0, description="TTS worker processes per partition; 0: one per usable core; "
                         "1: synthesize in the step's own process.")
    pool_min_clips: int = Field(default=POOL_MIN_CLIPS, description="A partition with fewer clips to make runs in "
                                "process (unless the worker pool is already up): below this the pool's start-up "
                                "costs more than it saves.")
    target_female_share: float = Field(default=0.5, description="Share of user clips voiced by a female voice.")

    def available_user_voices(self) -> list[str]:
        usable = [v for v in self.user_voices if is_available(v)]
        if not usable:
            raise VoiceUnavailable(f"none of the user voices {self.user_voices} can load here")
        return usable

    @staticmethod
    def is_available(voice_id: str) -> bool:
        return is_available(voice_id)

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


atexit.register(tts_engines.release_engines)
