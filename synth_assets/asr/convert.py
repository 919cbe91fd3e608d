"""A CTranslate2 Whisper model folder -> a Hugging Face ``WhisperForConditionalGeneration`` folder.

No package ships Whisper in the Hugging Face format, but the CT2 folders we have (tiny.en, base)
hold the same tensors: CT2 only fuses the attention projections (q|k|v for self-attention, k|v for
cross-attention, with a zero k bias since Whisper's k_proj has none) and renames them. Splitting
them back and renaming gives the original state dict bit for bit (fp16 stays fp16), which
``verify`` checks tensor by tensor. Int8/int16 models (quantized at conversion) are dequantized to
float32; that is the one lossy case and ``conversion.json`` says so.

Plain Python, NumPy and safetensors: no transformers import, so it runs anywhere.

    convert_ct2_to_hf("path/to/ct2-dir", "path/to/hf-dir")
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from pathlib import Path

import numpy as np

from synth_assets.asr.ct2_model import CT2Model, bfloat16_to_float32, read_ct2

WEIGHTS_FILE = "model.safetensors"
CONVERSION_FILE = "conversion.json"  # where the folder came from; written last, so it marks a complete folder


class ConversionError(ValueError):
    pass


def _ct2_layer_count(model: CT2Model, side: str) -> int:
    indices = {int(m.group(1)) for name in model.variables if (m := re.match(rf"{side}/layer_(\d+)/", name))}
    return max(indices) + 1 if indices else 0


def tensor_map(model: CT2Model) -> list[tuple[str, tuple[str | None, ...]]]:
    """Each CT2 tensor and the HF tensors it holds, stacked along its first axis. ``None`` marks a
    part HF does not have: the zero k bias CT2 adds when it fuses k with q and v."""
    pairs: list[tuple[str, tuple[str | None, ...]]] = []

    def linear(ct2: str, hf: str) -> None:
        pairs.extend([(f"{ct2}/weight", (f"{hf}.weight",)), (f"{ct2}/bias", (f"{hf}.bias",))])

    def norm(ct2: str, hf: str) -> None:
        pairs.extend([(f"{ct2}/gamma", (f"{hf}.weight",)), (f"{ct2}/beta", (f"{hf}.bias",))])

    def fused(ct2: str, hf_attn: str, projections: tuple[str, ...]) -> None:
        pairs.append((f"{ct2}/weight", tuple(f"{hf_attn}.{p}.weight" for p in projections)))
        pairs.append((f"{ct2}/bias", tuple(None if p == "k_proj" else f"{hf_attn}.{p}.bias" for p in projections)))

    for side in ("encoder", "decoder"):
        hf_side = f"model.{side}"
        pairs.append((f"{side}/position_encodings/encodings", (f"{hf_side}.embed_positions.weight",)))
        norm(f"{side}/layer_norm", f"{hf_side}.layer_norm")
        for i in range(_ct2_layer_count(model, side)):
            ct2, hf = f"{side}/layer_{i}", f"{hf_side}.layers.{i}"
            norm(f"{ct2}/self_attention/layer_norm", f"{hf}.self_attn_layer_norm")
            fused(f"{ct2}/self_attention/linear_0", f"{hf}.self_attn", ("q_proj", "k_proj", "v_proj"))
            linear(f"{ct2}/self_attention/linear_1", f"{hf}.self_attn.out_proj")
            if side == "decoder":
                norm(f"{ct2}/attention/layer_norm", f"{hf}.encoder_attn_layer_norm")
                linear(f"{ct2}/attention/linear_0", f"{hf}.encoder_attn.q_proj")
                fused(f"{ct2}/attention/linear_1", f"{hf}.encoder_attn", ("k_proj", "v_proj"))
                linear(f"{ct2}/attention/linear_2", f"{hf}.encoder_attn.out_proj")
            norm(f"{ct2}/ffn/layer_norm", f"{hf}.final_layer_norm")
            linear(f"{ct2}/ffn/linear_0", f"{hf}.fc1")
            linear(f"{ct2}/ffn/linear_1", f"{hf}.fc2")
    for conv in ("conv1", "conv2"):
        linear(f"encoder/{conv}", f"model.encoder.{conv}")
    pairs.append(("decoder/embeddings/weight", ("model.decoder.embed_tokens.weight",)))
    if not _projection_is_tied(model):  # tied: HF re-uses embed_tokens as proj_out, as CT2's alias says
        pairs.append(("decoder/projection/weight", ("proj_out.weight",)))
    return pairs


def _as_float(model: CT2Model, name: str) -> tuple[np.ndarray, bool]:
    """Variable ``name`` as a float array, and whether that was exact."""
    value = model.get(name)
    if model.aliases.get(name, name) in model.bfloat16:
        return bfloat16_to_float32(value), True
    if value.dtype.kind == "f":
        return value, True
    scale = model.variables.get(f"{name}_scale")
    if scale is None:
        raise ConversionError(f"{name} is {value.dtype} with no {name}_scale: cannot make it a float tensor")
    # CT2 quantizes as round(w * scale) with one scale per output row (int8) or one scale (int16).
    scale = np.asarray(scale, np.float32).reshape((-1,) + (1,) * (value.ndim - 1))
    return value.astype(np.float32) / scale, False


def ct2_to_hf_state_dict(model: CT2Model) -> tuple[dict[str, np.ndarray], bool]:
    """The HF Whisper state dict for a CT2 WhisperSpec model, and whether every tensor is exact."""
    if model.spec != "WhisperSpec":
        raise ConversionError(f"not a Whisper model: CTranslate2 spec is {model.spec!r}")
    state: dict[str, np.ndarray] = {}
    exact = True
    for ct2_name, hf_names in tensor_map(model):
        if model.aliases.get(ct2_name, ct2_name) not in model.variables:
            raise ConversionError(f"CT2 model has no {ct2_name}")
        value, was_exact = _as_float(model, ct2_name)
        exact &= was_exact
        for hf_name, part in zip(hf_names, np.split(value, len(hf_names))):
            if hf_name is None:
                if np.any(part != 0):  # Whisper has no k bias: anything else is not the model we expect
                    raise ConversionError(f"{ct2_name}: the k part of the fused bias is not zero")
                continue
            state[hf_name] = np.ascontiguousarray(part)
    return state, exact


def _projection_is_tied(model: CT2Model) -> bool:
    return model.aliases.get("decoder/projection/weight") == "decoder/embeddings/weight"


def _vocabulary(ct2_dir: Path) -> list[str]:
    """Token strings by id. One a line; an empty line is a real (empty) token, so only the final
    newline is dropped."""
    if (ct2_dir / "vocabulary.json").exists():
        return json.loads((ct2_dir / "vocabulary.json").read_text(encoding="utf-8"))
    if (ct2_dir / "vocabulary.txt").exists():
        text = (ct2_dir / "vocabulary.txt").read_text(encoding="utf-8")
        return (text[:-1] if text.endswith("\n") else text).split("\n")
    raise ConversionError(f"{ct2_dir}: no vocabulary.txt or vocabulary.json")


def _special_ids(vocab: list[str]) -> dict[str, int]:
    index = {token: i for i, token in enumerate(vocab) if token.startswith("<|") and token.endswith("|>")}
    missing = [t for t in ("<|endoftext|>", "<|startoftranscript|>", "<|notimestamps|>") if t not in index]
    if missing:
        raise ConversionError(f"vocabulary lacks {missing}: not a Whisper vocabulary")
    return index


def hf_configs(model: CT2Model, ct2_config: dict, vocab: list[str]) -> tuple[dict, dict, dict]:
    """config.json, generation_config.json and preprocessor_config.json for the converted model."""
    embed = model.get("decoder/embeddings/weight")
    vocab_size, d_model = embed.shape
    mel_bins = model.get("encoder/conv1/weight").shape[1]
    ids = _special_ids(vocab)
    eot, sot, no_ts = ids["<|endoftext|>"], ids["<|startoftranscript|>"], ids["<|notimestamps|>"]
    multilingual = vocab_size >= 51865  # openai-whisper's own test: English-only models have 51864
    suppress = [int(i) for i in ct2_config.get("suppress_ids", [])]
    begin_suppress = [int(i) for i in ct2_config.get("suppress_ids_begin", [eot])]
    alignment_heads = [[int(layer), int(head)] for layer, head in ct2_config.get("alignment_heads", [])]
    config = {
        "architectures": ["WhisperForConditionalGeneration"], "model_type": "whisper",
        "vocab_size": int(vocab_size), "num_mel_bins": int(mel_bins), "d_model": int(d_model),
        "encoder_layers": _ct2_layer_count(model, "encoder"), "decoder_layers": _ct2_layer_count(model, "decoder"),
        "encoder_attention_heads": int(model.scalar("encoder/num_heads")),
        "decoder_attention_heads": int(model.scalar("decoder/num_heads")),
        "encoder_ffn_dim": int(model.get("encoder/layer_0/ffn/linear_0/weight").shape[0]),
        "decoder_ffn_dim": int(model.get("decoder/layer_0/ffn/linear_0/weight").shape[0]),
        "max_source_positions": int(model.get("encoder/position_encodings/encodings").shape[0]),
        "max_target_positions": int(model.get("decoder/position_encodings/encodings").shape[0]),
        "activation_function": "gelu", "scale_embedding": False, "tie_word_embeddings": _projection_is_tied(model),
        "bos_token_id": eot, "eos_token_id": eot, "pad_token_id": eot, "decoder_start_token_id": sot,
        "suppress_tokens": suppress, "begin_suppress_tokens": begin_suppress,
        "median_filter_width": 7, "use_cache": True,
        "dtype": "float16" if embed.dtype == np.float16 else "float32",
    }
    generation = {
        "alignment_heads": alignment_heads, "begin_suppress_tokens": begin_suppress, "suppress_tokens": suppress,
        "bos_token_id": eot, "eos_token_id": eot, "pad_token_id": eot, "decoder_start_token_id": sot,
        "no_timestamps_token_id": no_ts, "prev_sot_token_id": ids.get("<|startofprev|>"),
        "max_initial_timestamp_index": 50, "max_length": config["max_target_positions"],
        "is_multilingual": multilingual, "return_timestamps": False,
    }
    if multilingual:
        generation["lang_to_id"] = {vocab[i]: int(i) for i in ct2_config.get("lang_ids", [])}
        generation["task_to_id"] = {task: ids[f"<|{task}|>"] for task in ("transcribe", "translate")}
    preprocessor = {
        "feature_extractor_type": "WhisperFeatureExtractor", "processor_class": "WhisperProcessor",
        "feature_size": int(mel_bins), "sampling_rate": 16_000, "hop_length": 160, "chunk_length": 30,
        "n_fft": 400, "n_samples": 480_000, "nb_max_frames": 3000, "padding_side": "right", "padding_value": 0.0,
        "return_attention_mask": False,
    }
    return config, generation, preprocessor


def _tokenizer_files(ct2_dir: Path, vocab: list[str]) -> dict[str, dict]:
    """tokenizer.json from the CT2 folder, plus the tokens only vocabulary.txt lists (the timestamps)
    as added tokens, so the tokenizer knows every id the model can emit."""
    source = ct2_dir / "tokenizer.json"
    if not source.exists():
        raise ConversionError(f"{ct2_dir}: no tokenizer.json")
    tokenizer = json.loads(source.read_text(encoding="utf-8"))
    known = set(tokenizer["model"]["vocab"].values()) | {t["id"] for t in tokenizer["added_tokens"]}
    for token_id, token in enumerate(vocab):
        in_tokenizer = tokenizer["model"]["vocab"].get(token)
        if token_id in known:
            continue
        if in_tokenizer is not None and in_tokenizer != token_id:
            raise ConversionError(f"tokenizer.json gives {token!r} id {in_tokenizer}, vocabulary.txt {token_id}")
        tokenizer["added_tokens"].append({"id": token_id, "content": token, "single_word": False, "lstrip": False,
                                          "rstrip": False, "normalized": False, "special": False})
    for entry in tokenizer["added_tokens"]:
        if entry["id"] < len(vocab) and vocab[entry["id"]] != entry["content"]:
            raise ConversionError(f"tokenizer.json id {entry['id']} is {entry['content']!r}, "
                                  f"vocabulary.txt says {vocab[entry['id']]!r}")
    config = {"tokenizer_class": "WhisperTokenizer", "processor_class": "WhisperProcessor",
              "bos_token": "<|endoftext|>", "eos_token": "<|endoftext|>", "unk_token": "<|endoftext|>",
              "pad_token": "<|endoftext|>", "add_prefix_space": False, "errors": "replace",
              "model_max_length": 1024}
    return {"tokenizer.json": tokenizer, "tokenizer_config.json": config}


def file_sha256(path: Path, chunk: int = 1 << 22) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def convert_ct2_to_hf(ct2_dir: str | Path, hf_dir: str | Path, *, overwrite: bool = False) -> Path:
    """Write the HF folder for a CT2 Whisper folder. Built in a temporary folder beside ``hf_dir``
    and renamed into place, so a crash or a concurrent run never leaves a half-written model."""
    from safetensors.numpy import save_file

    ct2_dir, hf_dir = Path(ct2_dir), Path(hf_dir)
    if not (ct2_dir / "model.bin").is_file():
        raise ConversionError(f"{ct2_dir}: no model.bin, not a CTranslate2 model folder")
    if hf_dir.exists() and not overwrite:
        raise ConversionError(f"{hf_dir} already exists (pass overwrite=True to replace it)")
    model = read_ct2(ct2_dir / "model.bin")
    ct2_config = json.loads((ct2_dir / "config.json").read_text()) if (ct2_dir / "config.json").exists() else {}
    vocab = _vocabulary(ct2_dir)
    state, exact = ct2_to_hf_state_dict(model)
    config, generation, preprocessor = hf_configs(model, ct2_config, vocab)
    if len(vocab) != config["vocab_size"]:
        raise ConversionError(f"{ct2_dir}: {len(vocab)} vocabulary entries for {config['vocab_size']} embeddings")
    files = {"config.json": config, "generation_config.json": generation,
             "preprocessor_config.json": preprocessor, **_tokenizer_files(ct2_dir, vocab)}

    hf_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{hf_dir.name}.", dir=hf_dir.parent))
    try:
        save_file(state, str(staging / WEIGHTS_FILE), metadata={"format": "pt"})
        for name, content in files.items():
            (staging / name).write_text(json.dumps(content, indent=1, ensure_ascii=False), encoding="utf-8")
        conversion = {"source": str(ct2_dir.resolve()), "source_size": (ct2_dir / "model.bin").stat().st_size,
                      "source_model_bin_sha256": file_sha256(ct2_dir / "model.bin"),
                      "lossless": exact, "weights_sha256": file_sha256(staging / WEIGHTS_FILE)}
        (staging / CONVERSION_FILE).write_text(json.dumps(conversion, indent=1))
        for path in [staging, *staging.iterdir()]:  # mkdtemp makes it private; a model folder is shared
            path.chmod(0o755 if path.is_dir() else 0o644)
        publish_folder(staging, hf_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return hf_dir



def verify(ct2_dir: str | Path, hf_dir: str | Path) -> int:
    """Reload the written safetensors and check every CT2 tensor against the HF tensors it became,
    stacked back (the dropped k bias as zeros) and compared bit for bit, dtype included. Returns how
    many CT2 tensors were compared; raises ConversionError on a difference, on a CT2 tensor the
    mapping left out, or on an HF tensor that came from nowhere."""
    from safetensors.numpy import load_file

    model = read_ct2(Path(ct2_dir) / "model.bin")
    saved = load_file(str(Path(hf_dir) / WEIGHTS_FILE))
    pairs = tensor_map(model)
    mapped = {hf for _, hfs in pairs for hf in hfs if hf}
    if set(saved) != mapped:
        raise ConversionError(f"{hf_dir}: tensor names differ from the mapping: {sorted(set(saved) ^ mapped)[:5]}")
    covered = {model.aliases.get(ct2, ct2) for ct2, _ in pairs}
    left_out = [n for n, v in model.variables.items() if v.ndim and not n.endswith("_scale") and n not in covered]
    if left_out:
        raise ConversionError(f"CT2 tensors with no HF counterpart: {left_out[:5]}")
    for ct2_name, hf_names in pairs:
        original, _ = _as_float(model, ct2_name)
        rows = original.shape[0] // len(hf_names)
        parts = [saved[hf] if hf else np.zeros((rows,) + original.shape[1:], original.dtype) for hf in hf_names]
        rebuilt = np.concatenate(parts)
        if rebuilt.dtype != original.dtype or not np.array_equal(rebuilt, original):
            raise ConversionError(f"{ct2_name}: converted tensor differs from the CT2 tensor")
    return len(pairs)


def publish_folder(staging: Path, target: Path) -> None:
    """Move a finished staging folder into place. An existing target is moved aside first: a
    rename cannot replace a folder, and readers must never see a half-written one."""
    if target.exists():
        aside = target.with_name(f".{target.name}.old-{os.getpid()}")
        target.rename(aside)
        shutil.rmtree(aside, ignore_errors=True)
    staging.rename(target)
