"""Speech with real models: packed Whisper vs one clip at a time, the voice / say / transcribe
commands, and bad input to tts_audio and pseudo_labels (each bad sample recorded, the rest done)."""

from __future__ import annotations

import io
import json
import sys
import textwrap

import numpy as np
import pytest
import soundfile as sf

from benchmarks.asr_packing_bench import SENTENCES as PLAIN_SENTENCES
from quality.metrics import wer
from resources.asr import WhisperASR
from resources.storage import LocalStorage
from resources.voices import TTSVoices
from synth_assets.asr.transcriber import Transcriber
from synth_assets.core import parts
from synth_assets.tts.policy import VoicePolicy
from synth_assets.tts.registry import REGISTRY, Voice, is_available, register

pytestmark = pytest.mark.slow

SENTENCES = PLAIN_SENTENCES[:6]  # the benchmark's plain sentences: short, well-formed clips


@pytest.fixture(scope="module")
def clips():
    voices = VoicePolicy()
    return [(text, voices.synthesize("hibari-heart", text, seed=i)) for i, text in enumerate(SENTENCES)]


def test_packed_transcripts_match_one_at_a_time_and_keep_word_times_inside_each_clip(clips):
    items = [(i, audio, 24_000) for i, (_, audio) in enumerate(clips)]
    single = dict(Transcriber(pack_seconds=0).transcribe_many(items))
    packed = dict(Transcriber().transcribe_many(items))
    assert any(t.packed for t in packed.values())
    for i, (text, audio) in enumerate(clips):
        assert wer(text, packed[i].text) <= wer(text, single[i].text) + 0.1
        words = packed[i].words
        assert words and all(0 <= w["start"] <= w["end"] <= audio.size / 24_000 + 1e-6 for w in words)
        assert packed[i].model_id == "faster-whisper/tiny.en" and packed[i].language == "en"
    assert np.mean([wer(t, packed[i].text) for i, (t, _) in enumerate(clips)]) <= 0.1


def test_batched_windows_give_the_labels_of_windows_decoded_one_by_one(monkeypatch):
    voices = VoicePolicy()
    texts = PLAIN_SENTENCES[:14]  # three packed windows
    items = [(i, voices.synthesize("hibari-heart", text, seed=i), 24_000) for i, text in enumerate(texts)]
    one_by_one = dict(Transcriber(batch_windows=1).transcribe_many(items))
    batched_asr = Transcriber(batch_windows=8)
    engine, batches = batched_asr._engine(), []
    real = engine.segments_batch
    monkeypatch.setattr(engine, "segments_batch", lambda windows, *a, **k: batches.append(len(windows)) or real(windows, *a, **k))
    batched = dict(batched_asr.transcribe_many(items))
    assert batches == [3]  # every window went through the encoder and decoder together
    for i, text in enumerate(texts):
        assert wer(text, batched[i].text) <= wer(text, one_by_one[i].text) + 0.1
        duration = items[i][1].size / 24_000
        assert batched[i].words and all(0 <= w["start"] <= w["end"] <= duration + 1e-6 for w in batched[i].words)
    assert sum(t.packed for t in batched.values()) >= len(texts) - 2  # a doubtful clip may be redone alone
    assert np.mean([wer(t, batched[i].text) for i, t in enumerate(texts)]) <= 0.05
    assert batched_asr.output_settings != Transcriber(batch_windows=1).output_settings


def run_cli(capsys, *argv) -> tuple[int, str]:
    from synth_assets.cli import main

    code = main(list(argv))
    return code, capsys.readouterr().out


def test_voices_command_lists_the_registry(capsys):
    code, out = run_cli(capsys, "voices", "--json")
    voices = {v["id"]: v for v in json.loads(out)}
    assert code == 0 and {"hibari-heart", "piper-joe", "flite-slt", "espeak-us-m3"} <= set(voices)
    for voice in voices.values():
        assert {"id", "engine", "gender", "sample_rate", "license", "accent", "model_hash"} <= set(voice)
    assert voices["flite-slt"]["engine"] == "flite" and voices["hibari-heart"]["sample_rate"] == 24_000


def test_say_writes_24khz_wav_and_transcribe_reads_it_back(tmp_path, capsys):
    said = tmp_path / "said.wav"
    voices = ["hibari-heart"] + [v for v in ("flite-slt",) if is_available(v)]
    for voice in voices:
        out = tmp_path / f"{voice}.wav"
        code, _ = run_cli(capsys, "say", "--voice", voice, "-o", str(out), "The", "garden", "gate", "is", "open.")
        assert code == 0
        audio, rate = sf.read(out)
        assert rate == 24_000 and audio.ndim == 1 and audio.size > rate // 2
    said = tmp_path / "hibari-heart.wav"
    audio, _ = sf.read(said, dtype="float32")
    # A two-channel telephone recording: the clip on the left, silence on the right, at 8 kHz.
    from synth_assets.core.audio import resample

    phone = resample(audio, 24_000, 8_000)
    stereo = tmp_path / "phone.wav"
    sf.write(stereo, np.stack([phone, np.zeros_like(phone)], axis=1), 8_000)
    broken = tmp_path / "broken.flac"
    broken.write_bytes(b"fLaC\x00\x00 truncated")
    code, out = run_cli(capsys, "transcribe", "--json", str(said), str(stereo), str(broken))
    entries = json.loads(out)
    assert code == 1  # one file failed
    by_key = {(e["file"], e["channel"]): e for e in entries}
    assert wer("The garden gate is open.", by_key[(str(said), None)]["text"]) <= 0.2
    assert all(w["end"] >= w["start"] for w in by_key[(str(said), None)]["words"])
    assert wer("The garden gate is open.", by_key[(str(stereo), 0)]["text"]) <= 0.4
    assert "undecodable" in by_key[(str(broken), None)]["error"]


def test_say_refuses_text_it_cannot_speak(tmp_path, capsys):
    code = run_cli(capsys, "say", "--voice", "hibari-heart", "-o", str(tmp_path / "x.wav"), "♪♪♪")[0]
    assert code == 2 and not (tmp_path / "x.wav").exists()


CRASHY_ENGINE = textwrap.dedent("""\
    import os, signal, sys
    import numpy as np, soundfile as sf
    text = sys.stdin.read()
    if "CRASH" in text:
        os.kill(os.getpid(), signal.SIGSEGV)
    t = np.arange(int(16000 * 1.5)) / 16000
    sf.write(sys.argv[1], 0.3 * np.sin(2 * np.pi * 220 * t), 16000)
""")

KEY = "tests/2026-11-01/bad.jsonl"


def materialize_one(asset, tmp_path, resources):
    from dagster import DagsterInstance, materialize

    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("crawl_shards", [KEY])
    return materialize([asset], partition_key=KEY, instance=instance, resources=resources, raise_on_error=False)


def test_bad_texts_and_an_engine_crash_are_quarantined_and_the_rest_of_the_partition_completes(tmp_path):
    from synth_assets.assets.speech import tts_audio

    script = tmp_path / "crashy_tts.py"
    script.write_text(CRASHY_ENGINE)
    register(Voice("test-crashy", "command", "male", "en-US", 16_000, "test", None,
                   command=(sys.executable, str(script), "{wav}")))
    store = LocalStorage(root=str(tmp_path / "data"))
    texts = [("user", "The ferry leaves the harbour at seven."), ("user", "  ♪ ★ \x07 "),
             ("user", "这是一个无法用英语声音朗读的句子"), ("narration", "and then " * 800),
             ("assistant", "Please CRASH right now."), ("assistant", "Here is a short answer."),
             ("narration", "Bread keeps best in a cloth bag.")]
    rows = [{"id": f"spo-{i}", "parent_id": f"seg-{i}", "stage": "spoken_text", "role": role, "text": text,
             "source": "tests", "snapshot": "2026-11-01", "document_id": "doc", "license": "CC0"}
            for i, (role, text) in enumerate(texts)]
    parts.write_parts(store, "spoken_text", KEY, rows, fingerprint_value="fixture")
    try:
        result = materialize_one(tts_audio, tmp_path, {
            "store": store, "voices": TTSVoices(user_voices=["hibari-heart"], assistant_voice="test-crashy")})
    finally:
        REGISTRY.pop("test-crashy", None)
    assert result.success
    made = parts.read_table(store, "tts_audio", KEY, columns=["parent_id", "voice_id", "sample_rate"]).to_pylist()
    assert sorted(r["parent_id"] for r in made) == ["spo-0", "spo-5", "spo-6"]
    assert all(r["sample_rate"] == 24_000 for r in made)
    reasons = {q["file"]: q["reason"] for q in parts.read_table(store, "quarantine", f"tts_audio/{KEY}").to_pylist()}
    assert "empty after cleaning" in reasons["spo-1"]
    assert "unsupported characters" in reasons["spo-2"]
    assert "too long" in reasons["spo-3"]
    assert "crashed (signal 11)" in reasons["spo-4"]


def flac(audio, rate=24_000) -> bytes:
    buffer = io.BytesIO()
    sf.write(buffer, audio, rate, format="FLAC")
    return buffer.getvalue()


def test_corrupt_empty_and_nan_audio_are_quarantined_and_other_rates_are_transcribed(tmp_path, clips):
    from synth_assets.assets.speech import pseudo_labels

    store = LocalStorage(root=str(tmp_path / "data"))
    text, audio = clips[0]
    nan_wav = io.BytesIO()
    sf.write(nan_wav, np.where(np.arange(audio.size) % 100 == 0, np.nan, audio).astype(np.float32), 24_000,
             format="WAV", subtype="FLOAT")
    from synth_assets.core.audio import resample

    payloads = {"good": flac(audio), "empty": b"", "corrupt": b"fLaC\x00garbage", "nan": nan_wav.getvalue(),
                "phone": flac(resample(audio, 24_000, 8_000), 8_000), "good2": flac(clips[1][1])}
    rows = [{"id": f"tts-{name}", "parent_id": "spo", "stage": "tts_audio", "role": "user", "source": "tests",
             "snapshot": "2026-11-01", "document_id": "doc", "license": "CC0", "voice_id": "hibari-heart",
             "duration_s": 4.0, "text": clips[1][0] if name == "good2" else text, "audio": data}
            for name, data in payloads.items()]
    parts.write_parts(store, "tts_audio", KEY, rows, fingerprint_value="fixture")
    result = materialize_one(pseudo_labels, tmp_path, {"store": store, "asr": WhisperASR()})
    assert result.success
    labels = {r["parent_id"]: r for r in parts.read_table(store, "pseudo_labels", KEY).to_pylist()}
    assert set(labels) == {"tts-good", "tts-phone", "tts-good2"}
    assert labels["tts-good"]["wer"] <= 0.1 and labels["tts-phone"]["wer"] <= 0.25
    assert json.loads(labels["tts-good"]["params"])["packed"] is True
    reasons = {q["file"]: q["reason"] for q in parts.read_table(store, "quarantine", f"pseudo_labels/{KEY}").to_pylist()}
    assert "zero bytes" in reasons["tts-empty"] and "undecodable" in reasons["tts-corrupt"]
    assert "NaN" in reasons["tts-nan"]
