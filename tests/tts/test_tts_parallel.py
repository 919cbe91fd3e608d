"""tts_audio across worker processes: the same bytes as in process, an engine crash costs only its
clip, and a recompute copies the clips it already has instead of voicing them again."""

from __future__ import annotations

import multiprocessing
import textwrap
from dataclasses import replace

import numpy as np
import pytest

from benchmarks.asr_packing_bench import SENTENCES
from resources.storage import LocalStorage
from resources.voices import TTSVoices
from synth_assets.core import parts
from synth_assets.core.audio import to_flac
from synth_assets.tts import pool as tts_pool
from synth_assets.tts.pool import describe_exit, worth_a_pool
from synth_assets.tts.registry import REGISTRY, Voice, is_available, register
from synth_assets.tts.reuse import PreviousClips

KEY = "tests/2026-11-01/parallel.jsonl"

# A user's own in-process engine (engine "python"): a tone, or for marked texts the ways an engine
# can fail inside the worker process that runs it.
TEST_ENGINE = textwrap.dedent("""\
    import os, signal
    import numpy as np

    def load(threads):
        def speak(text, speed, seed, **variation):
            if "CRASH" in text:
                os.kill(os.getpid(), signal.SIGSEGV)
            if "EXIT" in text:
                os._exit(3)
            if "RAISE" in text:
                raise RuntimeError("engine refused the text")
            t = np.arange(int(16000 * (0.5 + len(text) / 80))) / 16000
            return (0.3 * np.sin(2 * np.pi * (180 + seed % 200) * t)).astype(np.float32), 16000
        return speak
""")


def spoken_rows(texts: list[tuple[str, str]]) -> list[dict]:
    return [{"id": f"spo-{i}", "parent_id": f"seg-{i}", "stage": "spoken_text", "role": role, "text": text,
             "source": "tests", "snapshot": "2026-11-01", "document_id": "doc", "license": "CC0"}
            for i, (role, text) in enumerate(texts)]


def materialize_tts(store: LocalStorage, voices: TTSVoices):
    """One real Dagster materialization of tts_audio for KEY: (result, its metadata as plain values)."""
    from dagster import DagsterInstance, materialize

    from synth_assets.assets.speech import tts_audio

    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("crawl_shards", [KEY])
    result = materialize([tts_audio], partition_key=KEY, instance=instance, raise_on_error=False,
                         resources={"store": store, "voices": voices})
    (event,) = result.asset_materializations_for_node("tts_audio")
    return result, {key: getattr(value, "value", value) for key, value in event.metadata.items()}


def clips(store: LocalStorage) -> list[dict]:
    return parts.read_table(store, "tts_audio", KEY, columns=["id", "parent_id", "voice_id", "audio"]).to_pylist()


def available(*voice_ids: str) -> list[str]:
    return [v for v in voice_ids if is_available(v)]


@pytest.fixture
def python_voice(tmp_path):
    engine = tmp_path / "fragile_engine.py"
    engine.write_text(TEST_ENGINE)
    voice = register(Voice("test-fragile", "python", "male", "en-US", 16_000, "test", None, model=f"{engine}:load"))
    register(replace(voice, id="test-fragile-assistant"))  # the assistant never speaks with a user voice
    yield voice.id
    REGISTRY.pop(voice.id, None)
    REGISTRY.pop("test-fragile-assistant", None)


@pytest.mark.slow
def test_two_workers_make_the_same_bytes_as_one_process(tmp_path):
    users = available("hibari-heart", "espeak-us-m3", "flite-rms")
    texts = [("assistant" if i % 4 == 3 else "user", SENTENCES[i]) for i in range(10)]
    outputs = {}
    for workers in (1, 2):
        store = LocalStorage(root=str(tmp_path / f"data-{workers}"))
        parts.write_parts(store, "spoken_text", KEY, spoken_rows(texts), fingerprint_value="fixture")
        result, meta = materialize_tts(store, TTSVoices(user_voices=users, workers=workers, pool_min_clips=0))
        assert result.success and meta["tts_workers"] == workers and meta["clips_synthesized"] == 10
        outputs[workers] = clips(store)
    assert len(outputs[1]) == 10 and len({c["voice_id"] for c in outputs[1]}) == len(users)
    assert outputs[2] == outputs[1]  # ids, order and audio bytes


@pytest.mark.slow
def test_an_engine_crash_in_a_worker_costs_only_its_clip(tmp_path, python_voice):
    store = LocalStorage(root=str(tmp_path / "data"))
    texts = [("user", f"Clip number {i} is a plain sentence.") for i in range(12)]
    texts[2] = ("user", "Please CRASH the worker here.")
    texts[6] = ("assistant", "This one will EXIT the worker.")
    texts[9] = ("user", "And this one will RAISE an error.")
    parts.write_parts(store, "spoken_text", KEY, spoken_rows(texts), fingerprint_value="fixture")
    voices = TTSVoices(user_voices=[python_voice], assistant_voice="test-fragile-assistant", workers=2, pool_min_clips=0)
    result, meta = materialize_tts(store, voices)
    assert result.success
    made = [c["parent_id"] for c in clips(store)]
    assert made == [f"spo-{i}" for i in range(12) if i not in (2, 6, 9)]  # all the others, in input order
    reasons = {q["file"]: q["reason"] for q in parts.read_table(store, "quarantine", f"tts_audio/{KEY}").to_pylist()}
    assert reasons == {"spo-2": "engine crashed in worker (exit code -11: SIGSEGV)",
                       "spo-6": "engine crashed in worker (exit code 3)",
                       "spo-9": "RuntimeError: engine refused the text"}
    assert meta["tts_workers"] == 2 and meta["tts_worker_crashes"] == 2


@pytest.mark.slow
def test_a_recompute_copies_the_clips_it_already_has(tmp_path):
    store = LocalStorage(root=str(tmp_path / "data"))
    users = available("hibari-heart", "espeak-us-m3")
    first_assistant = (available("flite-slt") or ["hibari-heart"])[0]
    assistant = (available("espeak-us-f2") or [first_assistant])[0]
    texts = [("assistant" if i % 3 == 2 else "user", SENTENCES[i]) for i in range(9)]
    parts.write_parts(store, "spoken_text", KEY, spoken_rows(texts), fingerprint_value="v1")
    voices = TTSVoices(user_voices=users, assistant_voice=first_assistant, workers=2, pool_min_clips=0)
    _, first = materialize_tts(store, voices)
    before = {c["parent_id"]: c for c in clips(store)}
    assert first["clips_synthesized"] == 9 and first["clips_reused"] == 0
    workers = tts_pool.shared_pool(2, 1).worker_pids()

    # The rewrite changed one row's words but not its id: only that clip is voiced again.
    texts[4] = ("user", "The rewritten sentence has entirely different words in it now.")
    parts.write_parts(store, "spoken_text", KEY, spoken_rows(texts), fingerprint_value="v2")
    _, second = materialize_tts(store, voices)
    after = {c["parent_id"]: c for c in clips(store)}
    assert second["clips_synthesized"] == 1 and second["clips_reused"] == 8
    assert after["spo-4"]["audio"] != before["spo-4"]["audio"]
    assert all(after[k] == before[k] for k in before if k != "spo-4")  # same ids, same bytes
    assert tts_pool.shared_pool(2, 1).worker_pids() == workers  # the pool outlives a run: no second start-up

    # A new assistant voice: only the assistant clips change.
    if assistant != first_assistant:
        _, third = materialize_tts(store, TTSVoices(user_voices=users, assistant_voice=assistant, workers=2,
                                                    pool_min_clips=0))
        again = {c["parent_id"]: c for c in clips(store)}
        assistants = {f"spo-{i}" for i, (role, _) in enumerate(texts) if role == "assistant"}
        assert third["clips_synthesized"] == len(assistants) and third["clips_reused"] == 9 - len(assistants)
        assert {k for k in again if again[k]["voice_id"] == assistant} == assistants
        assert all(again[k] == after[k] for k in again if k not in assistants)


@pytest.mark.slow
def test_a_small_partition_is_voiced_in_process_until_a_pool_is_up(tmp_path):
    store = LocalStorage(root=str(tmp_path / "data"))
    parts.write_parts(store, "spoken_text", KEY, spoken_rows([("user", s) for s in SENTENCES[:3]]),
                      fingerprint_value="fixture")
    tts_pool.shutdown_pool()
    voices = TTSVoices(user_voices=["hibari-heart"], assistant_voice="flite-slt", workers=2, pool_min_clips=4)
    _, small = materialize_tts(store, voices)
    assert small["tts_workers"] == 1 and small["clips_synthesized"] == 3  # 3 clips: not worth starting workers
    tts_pool.shared_pool(2, 1)
    parts.write_parts(store, "spoken_text", KEY, spoken_rows([("user", s) for s in SENTENCES[3:6]]),
                      fingerprint_value="fixture-2")
    _, warm = materialize_tts(store, voices)
    assert warm["tts_workers"] == 2  # the pool is already up: it costs nothing more


def test_stored_clips_stay_readable_while_new_parts_replace_them(tmp_path, monkeypatch):
    """The recompute deletes the old parts as soon as it publishes the new ones; the clips it still
    wants from the old parts must survive that."""
    monkeypatch.setattr(parts, "ROWS_PER_PART", 2)
    store = LocalStorage(root=str(tmp_path / "data"))
    old = [{"id": f"tts-{i}", "text": f"text {i}", "code_version": "v", "duration_s": 1.0, "rms_dbfs": -20.0,
            "audio": to_flac(np.full(2400, i / 10, np.float32))} for i in range(5)]
    parts.write_parts(store, "tts_audio", KEY, old, fingerprint_value="old")
    with PreviousClips(store, "tts_audio", KEY, "v") as previous:
        new = [{**row, "audio": b"new"} for row in old[:3]]
        parts.write_parts(store, "tts_audio", KEY, new, fingerprint_value="new")  # replaces and deletes old parts
        assert len(parts.part_keys(store, "tts_audio", KEY)) == 2
        assert [previous.find(f"tts-{i}", f"text {i}").flac for i in (4, 0, 3)] == [old[i]["audio"] for i in (4, 0, 3)]
        assert previous.find("tts-1", "other words") is None  # same id, different text: made again
    with PreviousClips(store, "tts_audio", KEY, "v2") as previous:
        assert len(previous) == 0  # clips of another code version are never reused


def test_a_worker_death_is_described_by_its_exit_code_and_the_pool_only_starts_when_it_pays():
    assert describe_exit(-11) == "engine crashed in worker (exit code -11: SIGSEGV)"
    assert describe_exit(-9) == "engine crashed in worker (exit code -9: SIGKILL)"
    assert describe_exit(1) == "engine crashed in worker (exit code 1)"
    assert not worth_a_pool(1, 1, clips_to_make=10_000)
    assert not worth_a_pool(4, 1, clips_to_make=5, min_clips=24)
    assert worth_a_pool(4, 1, clips_to_make=24, min_clips=24)



def _start_a_pool_and_return():
    tts_pool.shared_pool(2, 1).wait_ready()


def test_a_worker_process_that_started_a_tts_pool_exits_with_it():
    # In a multiprocessing child atexit never runs and the exit waits for the children, so the pool must
    # be stopped before (a backfill worker with a pool once waited for its workers forever).
    process = multiprocessing.get_context("spawn").Process(target=_start_a_pool_and_return)
    process.start()
    process.join(180)
    stuck = process.is_alive()
    if stuck:
        process.kill()
    assert not stuck and process.exitcode == 0
