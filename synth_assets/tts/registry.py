"""The voice registry: every voice synth_assets can speak with.

A voice is an id, an engine, a gender, an accent, its native sample rate, a license, a quality
figure and the hash of its model file. Engines live in synth_assets/tts/engines.py and load once per
process (a module cache): a Dagster run in one process pays each model load once, however many
partitions or clips it makes, and so does each TTS worker process (synth_assets/tts/pool.py).
The policy that picks a voice for each clip is in synth_assets/tts/policy.py.

More voices come from a JSON file named by ``SYNTH_VOICES_FILE`` (or ``register_voices_file``): a
list of objects with the ``Voice`` fields, e.g. a Piper .onnx a user has, any program that writes
a WAV (engine "command"), or a Python engine factory (engine "python"). See "Adding a voice" in the README.
"""

from __future__ import annotations

import atexit
import functools
import json
import subprocess
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from synth_assets import settings
from synth_assets.tts import engines as tts_engines
from synth_assets.tts import kokoro_engine
from synth_assets.tts.engines import EngineFailed, EngineSpec, VoiceUnavailable  # noqa: F401 - re-exported

ESPEAK = ["espeak-ng", "-v", "{voice}", "-s", "{wpm}", "-w", "{wav}", "--stdin"]
FLITE = ["flite", "-voice", "{voice}", "--setf", "duration_stretch={stretch}", "-f", "{text_file}", "-o", "{wav}"]


@dataclass(frozen=True)
class Voice:
    id: str
    engine: str  # hibari, piper, command, python, kokoro, transformers
    gender: str  # "female" / "male"
    accent: str  # BCP-47-like: en-US, en-GB, en-GB-scotland, en-029 ...
    sample_rate: int  # native rate of the engine; every clip is resampled to 24 kHz
    license: str
    quality_mos: float | None  # distillMOS measured on this engine (the figure its card quotes); None when unmeasured
    model: str = ""  # engine-specific: hibari voice name, Piper .onnx path ("joe" = packaged), python "module:factory"
    engine_voice: str = ""  # command engines: the value of {voice}
    command: tuple[str, ...] = ()  # command engines: argv template
    family: str = ""  # what a person calls the engine: hibari, piper, espeak-ng, flite, ...
    # Same seed, same text: same samples, in any process. A voice that is not (a GPU kernel, a user's
    # engine that draws its own noise) says so here; its stored clips are reused, never remade.
    deterministic: bool = True
    # Kokoro voice design: style packs and weights, a speed factor and a pitch offset in semitones.
    blend: tuple[tuple[str, float], ...] = ()
    speed: float = 1.0
    pitch: float = 0.0

    def to_dict(self) -> dict:
        data = asdict(self)
        data["command"] = list(self.command)
        data["blend"] = [list(pair) for pair in self.blend]
        data["family"] = self.family or self.engine
        return data

    @property
    def engine_spec(self) -> EngineSpec:
        if self.engine == "kokoro":  # the blend travels as its canonical key: weights, speed and pitch
            return EngineSpec(self.engine, self.model, self.kokoro_blend().key())
        return EngineSpec(self.engine, self.model, self.engine_voice, tuple(self.command))

    def kokoro_blend(self) -> kokoro_engine.Blend:
        return kokoro_engine.Blend(tuple(self.blend), self.speed, self.pitch)


def _espeak(id_: str, variant: str, gender: str, accent: str) -> Voice:
    return Voice(id_, "command", gender, accent, 22_050, "GPL-3.0-or-later (engine)", 2.5,
                 engine_voice=variant, command=tuple(ESPEAK), family="espeak-ng")


def _flite(id_: str, name: str, gender: str, accent: str, rate: int = 16_000) -> Voice:
    return Voice(id_, "command", gender, accent, rate, "BSD-style (CMU flite)", 2.5,
                 engine_voice=name, command=tuple(FLITE), family="flite")


def _kokoro(id_: str, gender: str, mos: float | None, *packs: tuple[str, float], speed: float = 1.0,
            pitch: float = 0.0) -> Voice:
    return Voice(id_, "kokoro", gender, kokoro_engine.ACCENT, kokoro_engine.SAMPLE_RATE,
                 "Apache-2.0 (Kokoro-82M weights), MIT (ONNX export)", mos, family="kokoro",
                 blend=tuple(packs), speed=speed, pitch=pitch)


BUILTIN: tuple[Voice, ...] = (
    Voice("hibari-heart", "hibari", "female", "en-US", 24_000, "Apache-2.0", 4.58, model="heart", family="hibari"),
    Voice("piper-joe", "piper", "male", "en-US", 22_050, "MIT (voice), GPL-3.0 (engine)", 4.16, model="joe",
          family="piper"),
    # Kokoro-82M blends of its Japanese style packs, speaking English with a Japanese accent.
    # Blends at one pitch sound alike (GE2E cosine 0.91-0.95): the pool's voices differ by 3+ semitones too.
    _kokoro("kokoro-gongitsune", "female", None, ("jf_gongitsune", 1.0)),
    _kokoro("kokoro-gongitsune-bright", "female", None, ("jf_gongitsune", 0.6), ("jf_alpha", 0.4), pitch=3.0),
    _kokoro("kokoro-gongitsune-low", "female", None, ("jf_gongitsune", 0.6), ("jf_tebukuro", 0.4), pitch=-3.0),
    _kokoro("kokoro-kumo", "male", None, ("jm_kumo", 1.0)),
    _kokoro("kokoro-kumo-gongitsune", "male", None, ("jm_kumo", 0.7), ("jf_gongitsune", 0.3)),
    _kokoro("kokoro-kumo-deep", "male", None, ("jm_kumo", 1.0), pitch=-3.0),
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


ENGINES = ("hibari", "piper", "command", "python", "kokoro", "transformers")


def register(voice: Voice) -> Voice:
    if voice.engine not in ENGINES:
        raise ValueError(f"voice {voice.id}: unknown engine {voice.engine!r} ({', '.join(ENGINES)})")
    if voice.gender not in ("female", "male"):
        raise ValueError(f"voice {voice.id}: gender must be 'female' or 'male', not {voice.gender!r}")
    if voice.engine == "command" and not voice.command:
        raise ValueError(f"voice {voice.id}: a command engine needs a 'command' argv template")
    if voice.engine == "python" and ":" not in voice.model:
        raise ValueError(f"voice {voice.id}: a python engine needs a model 'module:factory' or '/path/file.py:factory'")
    if voice.engine == "kokoro":
        voice.kokoro_blend()  # raises on unknown packs, bad weights, speed or pitch
    if voice.engine == "transformers" and not voice.model:
        raise ValueError(f"voice {voice.id}: a transformers engine needs a model folder")
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
    # Hibari and Piper take their noise from the clip's seed; a user's program or Python engine is
    # assumed not to unless its card says "deterministic": true.
    entry.setdefault("deterministic", entry.get("engine") in ("hibari", "piper"))
    entry["command"] = tuple(entry.get("command", ()))
    blend = entry.get("blend", ())
    entry["blend"] = tuple((str(k), float(w)) for k, w in (blend.items() if isinstance(blend, dict) else blend))
    if entry.get("engine") == "kokoro":
        entry.setdefault("sample_rate", kokoro_engine.SAMPLE_RATE)
        entry.setdefault("accent", kokoro_engine.ACCENT)
        entry.setdefault("family", "kokoro")
    return Voice(**entry)


def register_voices_file(path: str | Path) -> list[Voice]:
    """Add every voice of a JSON file (a list of ``Voice`` objects) to the registry."""
    return [register(voice_from_dict(entry)) for entry in json.loads(Path(path).read_text())]


def _model_files(voice: Voice) -> tuple[list[Path], str]:
    """The files a voice's output depends on, and any extra text (engine version, voice name)."""
    if voice.engine == "hibari":
        return [tts_engines.hibari_model_path()], ""
    if voice.engine == "piper":
        return [tts_engines.piper_model_path(voice.model)], ""
    if voice.engine == "python":
        return [tts_engines.python_engine_file(voice.model)], voice.model
    if voice.engine == "kokoro":
        return kokoro_engine.model_files(), voice.engine_spec.engine_voice  # blend weights, speed, pitch
    if voice.engine == "transformers":
        from synth_assets.tts import transformers_engine

        return transformers_engine.model_files(voice.model), ""
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
        elif voice.engine == "kokoro":
            return kokoro_engine.available()
        elif voice.engine == "transformers":
            from synth_assets.tts import transformers_engine

            return transformers_engine.available(voice.model)
        return True
    except VoiceUnavailable:
        return False


atexit.register(tts_engines.release_engines)


# Last: registering needs every function above (model_hash, is_available).
if settings.voices_file():
    register_voices_file(settings.voices_file())
