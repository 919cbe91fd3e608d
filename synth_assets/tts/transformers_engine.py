"""The transformers engine: a text-to-speech checkpoint a user has, loaded from a local folder.

Two families are understood, told apart by the ``model_type`` in the folder's config.json:

- ``vits`` (``VitsModel``: MMS-TTS and other VITS checkpoints): text in, waveform out;
- ``speecht5`` (``SpeechT5ForTextToSpeech``): needs its HiFi-GAN vocoder in ``<folder>/vocoder``
  and a speaker embedding in ``<folder>/speaker.npy`` (512 floats); without the file a zero vector
  is used.

The model runs on the GPU when torch sees one, else on the CPU with ``threads`` threads. Nothing is
downloaded: the folder must hold the tokenizer or processor files too. A seed fixes VITS's sampling
noise, so a clip can be made again.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Callable

import numpy as np

Speak = Callable[..., tuple[np.ndarray, int]]
FAMILIES = ("vits", "speecht5")


class CheckpointError(RuntimeError):
    """The folder is not a text-to-speech checkpoint this engine can load."""


def model_type(folder: str | Path) -> str:
    config = Path(folder).expanduser() / "config.json"
    if not config.is_file():
        raise CheckpointError(f"{config} does not exist: a transformers voice needs a checkpoint folder")
    kind = json.loads(config.read_text()).get("model_type", "")
    if kind not in FAMILIES:
        raise CheckpointError(f"{folder}: model_type {kind!r} is not a TTS family this engine knows ({', '.join(FAMILIES)})")
    return kind


def available(folder: str) -> bool:
    try:
        model_type(folder)
        return True
    except CheckpointError:
        return False


def model_files(folder: str) -> list[Path]:
    """The files a voice's output depends on: the config and the weights (the vocoder's too)."""
    root = Path(folder).expanduser()
    files = [root / "config.json", *sorted(root.glob("*.safetensors")), *sorted(root.glob("*.bin"))]
    files += sorted((root / "vocoder").glob("*.safetensors")) + [p for p in [root / "speaker.npy"] if p.is_file()]
    return files


def _device():
    import torch

    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


@contextlib.contextmanager
def seeded(seed: int, device):
    """torch's global generators seeded with ``seed``, and put back as they were after: the models sample
    their noise from them (they take no generator), so other code using torch's global state in this
    process neither moves a clip's noise nor is moved by it."""
    import torch

    with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        torch.manual_seed(seed)
        yield


def load_transformers(folder: str, threads: int) -> Speak:
    import torch

    if not torch.cuda.is_available():
        torch.set_num_threads(threads)
    kind, root = model_type(folder), Path(folder).expanduser()
    return _load_vits(root) if kind == "vits" else _load_speecht5(root)


def _load_vits(root: Path) -> Speak:
    import torch
    from transformers import AutoTokenizer, VitsModel

    device = _device()
    model = VitsModel.from_pretrained(root, local_files_only=True).to(device).eval()
    tokenizer = AutoTokenizer.from_pretrained(root, local_files_only=True)
    rate = int(model.config.sampling_rate)

    def speak(text: str, speed: float, seed: int, **variation) -> tuple[np.ndarray, int]:
        model.speaking_rate = speed
        inputs = tokenizer(text, return_tensors="pt").to(device)
        with seeded(seed, device), torch.inference_mode():
            waveform = model(**inputs).waveform
        return waveform[0].float().cpu().numpy(), rate

    return speak


def _load_speecht5(root: Path) -> Speak:
    import torch
    from transformers import SpeechT5ForTextToSpeech, SpeechT5HifiGan, SpeechT5Processor

    device = _device()
    model = SpeechT5ForTextToSpeech.from_pretrained(root, local_files_only=True).to(device).eval()
    vocoder = SpeechT5HifiGan.from_pretrained(root / "vocoder", local_files_only=True).to(device).eval()
    processor = SpeechT5Processor.from_pretrained(root, local_files_only=True)
    speaker_file = root / "speaker.npy"
    speaker = np.load(speaker_file) if speaker_file.is_file() else np.zeros(model.config.speaker_embedding_dim)
    speaker = torch.tensor(speaker, dtype=torch.float32, device=device).reshape(1, -1)
    rate = int(vocoder.config.sampling_rate)

    def speak(text: str, speed: float, seed: int, **variation) -> tuple[np.ndarray, int]:
        inputs = processor(text=text, return_tensors="pt").to(device)
        with seeded(seed, device), torch.inference_mode():
            waveform = model.generate_speech(inputs["input_ids"], speaker, vocoder=vocoder)
        return waveform.float().cpu().numpy(), rate

    return speak
