"""Every bundled engine repeats itself given the clip's seed: the same bytes whatever the clips made
before, in another process, whatever the global random state and the thread count, and (for Piper)
whatever pool of noise it was handed; and a voice that cannot repeat itself says so on its card."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from synth_assets.tts import piper_noise
from synth_assets.tts.engines import EngineSpec, loaded
from synth_assets.tts.registry import REGISTRY, is_available, voice_from_dict

TEXT = "The ferry leaves the north pier at seven. Bring a warm coat, because the wind is sharp on deck."
OTHER = "A quite different sentence, spoken first to move any state the engine keeps."
needs_piper = pytest.mark.skipif(not is_available("piper-joe"), reason="the piper extra is not installed")


def say(spec: EngineSpec, text: str, seed: int, **variation) -> np.ndarray:
    samples, _ = loaded(spec, 1)(text, 1.0, seed, **variation)
    return np.asarray(samples)


def in_fresh_process(voice_id: str, seed: int) -> bytes:
    code = (f"import sys, numpy as np; from synth_assets.tts.registry import REGISTRY; "
            f"from synth_assets.tts.engines import loaded; "
            f"s, _ = loaded(REGISTRY[{voice_id!r}].engine_spec, 1)({TEXT!r}, 1.0, {seed}); "
            f"sys.stdout.buffer.write(np.asarray(s, np.float32).tobytes())")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, check=True).stdout


@needs_piper
def test_a_piper_clip_is_the_same_samples_whatever_the_session_made_before_it():
    spec = REGISTRY["piper-joe"].engine_spec
    first = say(spec, TEXT, seed=11, noise_scale=0.7, noise_w_scale=0.8)
    say(spec, OTHER, seed=3)
    again = say(spec, TEXT, seed=11, noise_scale=0.7, noise_w_scale=0.8)
    assert np.array_equal(first, again)


@needs_piper
def test_a_piper_clip_varies_with_its_seed_and_its_noise_scales():
    spec = REGISTRY["piper-joe"].engine_spec
    base = say(spec, TEXT, seed=11, noise_scale=0.7, noise_w_scale=0.8)
    other_seed = say(spec, TEXT, seed=12, noise_scale=0.7, noise_w_scale=0.8)
    calmer = say(spec, TEXT, seed=11, noise_scale=0.6, noise_w_scale=0.8)
    for variant in (other_seed, calmer):
        assert variant.shape != base.shape or not np.allclose(variant, base, atol=1e-3)


@needs_piper
def test_a_piper_clip_does_not_depend_on_the_size_of_the_noise_pool(monkeypatch):
    spec = REGISTRY["piper-joe"].engine_spec
    from synth_assets.tts.engines import load_piper

    roomy = say(spec, TEXT, seed=5)
    monkeypatch.setattr(piper_noise, "POOL_PER_PHONEME_ID", 40)  # too small: retried with larger pools
    fresh = load_piper("joe", 1)  # a new session, which has not yet learnt how much noise each op takes
    assert np.array_equal(fresh(TEXT, 1.0, 5)[0], roomy)


@needs_piper
@pytest.mark.parametrize("voice_id", ["piper-joe", "hibari-heart"])
def test_a_clip_made_in_another_process_is_the_same_bytes(voice_id):
    here = np.asarray(say(REGISTRY[voice_id].engine_spec, TEXT, seed=21), np.float32).tobytes()
    assert in_fresh_process(voice_id, 21) == here


def test_hibari_repeats_given_the_seed_after_other_clips():
    spec = REGISTRY["hibari-heart"].engine_spec
    first = say(spec, TEXT, seed=7)
    say(spec, OTHER, seed=99)
    assert np.array_equal(first, say(spec, TEXT, seed=7))


@needs_piper
def test_the_seeded_piper_model_has_no_random_ops_and_is_cached_by_the_source_hash(tmp_path):
    import onnx

    from synth_assets.tts.engines import file_digest, piper_model_path

    source = piper_model_path("joe")
    digest = file_digest([source])
    made = piper_noise.seeded_model_path(source, digest, tmp_path)
    assert made.parent == tmp_path / "piper-seeded" and digest in made.name
    graph = onnx.load(str(made), load_external_data=False).graph
    assert not [n for n in graph.node if n.op_type.startswith("Random")]
    assert [i.name for i in graph.input if i.name.startswith("synth_noise_")] == ["synth_noise_0", "synth_noise_1"]
    assert digest in made.name and piper_noise.REWRITE_VERSION in made.name
    stamp = made.stat().st_mtime_ns
    assert piper_noise.seeded_model_path(source, digest, tmp_path) == made and made.stat().st_mtime_ns == stamp


def test_the_voice_card_says_whether_a_voice_repeats_itself(tmp_path):
    assert REGISTRY["hibari-heart"].deterministic and REGISTRY["espeak-us-f2"].deterministic
    assert REGISTRY["piper-joe"].to_dict()["deterministic"] is True
    # A user's own program is not trusted to repeat itself unless its card says so.
    own = voice_from_dict({"id": "own", "engine": "command", "gender": "male", "accent": "en-US",
                           "sample_rate": 16000, "command": ["own-tts", "{wav}"]})
    vouched = voice_from_dict({"id": "own2", "engine": "command", "gender": "male", "accent": "en-US",
                               "sample_rate": 16000, "command": ["own-tts", "{wav}"], "deterministic": True})
    assert (own.deterministic, vouched.deterministic) == (False, True)
    assert json.loads(json.dumps(own.to_dict()))["deterministic"] is False


def perturb_global_random_state(seed: int) -> None:
    """Seed and draw from every global generator a careless engine could read: Python's, NumPy's, torch's."""
    import random

    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    random.random(), np.random.random(seed % 7 + 1), torch.rand(seed % 5 + 1)


ONE_VOICE_PER_ENGINE = ["hibari-heart", "piper-joe", "kokoro-kumo", "espeak-us-f2", "flite-slt"]


@pytest.mark.parametrize("voice_id", ONE_VOICE_PER_ENGINE)
def test_a_clip_is_the_same_bytes_whatever_the_global_random_state_and_the_thread_count(voice_id):
    from synth_assets.tts.policy import VoicePolicy

    if not is_available(voice_id):
        pytest.skip(f"{voice_id} is not installed here")
    perturb_global_random_state(1)
    first = VoicePolicy(workers=1, threads=1).synthesize(voice_id, TEXT, seed=17)
    perturb_global_random_state(2)
    again = VoicePolicy(workers=1, threads=2).synthesize(voice_id, TEXT, seed=17)
    assert first.tobytes() == again.tobytes()
