"""A VITS checkpoint a user has, in a local folder, voices clips through tts_audio like any voice."""

from __future__ import annotations

import json

import pytest

from synth_assets.tts.registry import REGISTRY, is_available, model_hash, register, voice_from_dict

KEY = "tests/2026-11-01/transformers.jsonl"
CHARACTERS = list(" abcdefghijklmnopqrstuvwxyz'.,?!-")


def tiny_vits(folder):
    """A small random VitsModel with its character tokenizer, saved as a user's checkpoint would be."""
    import torch
    from transformers import VitsConfig, VitsModel, VitsTokenizer

    folder.mkdir()
    (folder / "vocab.json").write_text(json.dumps({c: i for i, c in enumerate(CHARACTERS)}))
    VitsTokenizer(str(folder / "vocab.json"), add_blank=True, normalize=True, phonemize=False).save_pretrained(folder)
    config = VitsConfig(vocab_size=len(CHARACTERS), hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                        ffn_dim=32, flow_size=16, spectrogram_bins=17, upsample_initial_channel=16,
                        upsample_rates=[8, 8], upsample_kernel_sizes=[16, 16], resblock_kernel_sizes=[3],
                        resblock_dilation_sizes=[[1, 3]], prior_encoder_num_flows=1,
                        prior_encoder_num_wavenet_layers=1, posterior_encoder_num_wavenet_layers=1,
                        duration_predictor_num_flows=1, duration_predictor_filter_channels=16,
                        depth_separable_num_layers=1, sampling_rate=16_000, use_stochastic_duration_prediction=False)
    torch.manual_seed(0)
    VitsModel(config).save_pretrained(folder)
    return folder


@pytest.mark.slow
def test_a_local_vits_checkpoint_voices_user_clips_in_the_pipeline(tmp_path):
    from dagster import DagsterInstance, materialize

    from resources.storage import LocalStorage
    from resources.voices import TTSVoices
    from synth_assets.assets.speech import tts_audio
    from synth_assets.core import parts
    from synth_assets.core.audio import SAMPLE_RATE, from_flac

    folder = tiny_vits(tmp_path / "my-vits")
    voice = register(voice_from_dict({"id": "test-my-vits", "engine": "transformers", "model": str(folder),
                                      "gender": "female", "accent": "en-US", "sample_rate": 16_000,
                                      "license": "test"}))
    try:
        assert is_available(voice.id) and len(model_hash(voice.id)) == 16
        store = LocalStorage(root=str(tmp_path / "data"))
        rows = [{"id": f"spo-{i}", "parent_id": f"seg-{i}", "stage": "spoken_text", "role": role,
                 "text": f"this is sentence {word}, spoken by a small model.", "source": "tests",
                 "snapshot": "2026-11-01", "document_id": "doc", "license": "CC0"}
                for i, (role, word) in enumerate([("user", "one"), ("user", "two"), ("assistant", "three")])]
        parts.write_parts(store, "spoken_text", KEY, rows, fingerprint_value="fixture")
        instance = DagsterInstance.ephemeral()
        instance.add_dynamic_partitions("crawl_shards", [KEY])
        voices = TTSVoices(user_voices=[voice.id], assistant_voice="hibari-heart", workers=1)
        result = materialize([tts_audio], partition_key=KEY, instance=instance,
                             resources={"store": store, "voices": voices})
        assert result.success
        clips = parts.read_table(store, "tts_audio", KEY, columns=["voice_id", "audio", "sample_rate"]).to_pylist()
        assert sorted(c["voice_id"] for c in clips) == ["hibari-heart", voice.id, voice.id]
        made = [from_flac(c["audio"])[0] for c in clips if c["voice_id"] == voice.id]
        assert all(c["sample_rate"] == SAMPLE_RATE for c in clips) and all(a.size > 0 for a in made)
    finally:
        REGISTRY.pop(voice.id, None)


@pytest.mark.slow
def test_a_vits_clip_repeats_given_its_seed_and_leaves_torchs_global_generator_alone(tmp_path):
    import torch

    from synth_assets.tts.transformers_engine import load_transformers

    speak = load_transformers(str(tiny_vits(tmp_path / "my-vits")), threads=1)
    torch.manual_seed(1)
    before = torch.random.get_rng_state()
    first, _ = speak("a sentence.", 1.0, 5)
    assert torch.equal(torch.random.get_rng_state(), before)  # as if the clip had not been made
    torch.rand(3)  # the global generator moved on: the clip does not
    again, _ = speak("a sentence.", 1.0, 5)
    other, _ = speak("a sentence.", 1.0, 6)
    assert first.tobytes() == again.tobytes() and first.tobytes() != other.tobytes()
