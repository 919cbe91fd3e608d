"""The whole graph on a small landing zone, with real models and a real Dagster instance."""

from __future__ import annotations

import io
import json
import os

import pytest
import soundfile as sf
from conftest import write_tiny_landing

from benchmarks.real_crawl_bench import DUMPS, cut_dump

from resources.storage import LocalStorage
from synth_assets.core import parts
from synth_assets.tts.policy import VoicePolicy
from synth_assets.tts.registry import REGISTRY

pytestmark = pytest.mark.slow

STAGE_CHAIN = ["augmented_clips", "tts_audio", "spoken_text", "text_segments", "crawl_snapshot"]
# Real articles whose every sentence holds names Whisper tiny.en cannot spell, cut from a real dump
# (tests/end_to_end/test_real_crawl.py runs more real articles with the fast pool).
REAL = "wikipedia/2026-11-01/wtf-names.xml"
HAVE_REAL = all(p.exists() for p in DUMPS.values())


@pytest.fixture(scope="module")
def graph(tmp_path_factory):
    """One run of every partition plus the release, shared by the tests of this module."""
    base = tmp_path_factory.mktemp("graph")
    landing = write_tiny_landing(base / "landing")
    junk = landing / "broken" / "2026-11-01"
    junk.mkdir(parents=True)
    (junk / "dump.bin").write_bytes(b"\x00\x9f\x92\x96 not a dump format at all")
    if HAVE_REAL:
        cut_dump(DUMPS["wtf"], ["Magnar Saetre", "Ewelina Setowska Dryk"], landing / REAL)
    saved = {k: os.environ.get(k) for k in ("DAGSTER_HOME", "SYNTH_DATA_ROOT", "SYNTH_LANDING", "SYNTH_USER_VOICES")}
    os.environ["DAGSTER_HOME"] = str(base / "dagster_home")
    os.environ.pop("SYNTH_USER_VOICES", None)  # the default pool, Kokoro voices included, as `synth demo` runs
    from synth_assets.drivers.runner import materialize_landing

    # Two partition workers, as `synth demo` runs on two cores; the rerun test below runs one and compares.
    summary = materialize_landing(landing, base / "data", log=lambda message: None, workers=2)
    yield {"summary": summary, "landing": landing, "data": base / "data", "store": LocalStorage(root=str(base / "data"))}
    for key, value in saved.items():
        os.environ.pop(key, None) if value is None else os.environ.__setitem__(key, value)


def test_every_good_partition_makes_labelled_clips_with_the_configured_voices(graph):
    summary = graph["summary"]
    policy = VoicePolicy()
    assert summary.clips >= 8
    assert policy.assistant_voice in summary.clips_per_voice
    users = set(summary.clips_per_voice) - {policy.assistant_voice}
    assert users <= set(policy.user_voices) and {REGISTRY[v].gender for v in users} == {"female", "male"}
    assert any(REGISTRY[v].engine == "kokoro" for v in users)  # the one whole-graph test of the default pool
    assert summary.median_wer is not None and summary.median_wer <= 0.1
    assert summary.checks_failed == 0 and summary.checks_passed >= 3 * 7
    labels = parts.read_table(graph["store"], "pseudo_labels", "wikipedia/2026-11-01/pages.xml").to_pylist()
    words = json.loads(labels[0]["words"])
    assert words and all(w["end"] >= w["start"] for w in words)


@pytest.mark.skipif(not HAVE_REAL, reason="real dumps of /work/shared/data absent")
def test_real_articles_full_of_unknown_names_pass_with_the_default_voices(graph):
    labels = list(parts.read_rows(graph["store"], "pseudo_labels", REAL))
    assert REAL not in graph["summary"].failed_partitions and labels
    assert any(REGISTRY[r["voice_id"]].engine == "kokoro" for r in labels)
    assert all(r["wer"] <= r["exact_wer"] for r in labels) and any(r["wer"] <= 0.25 for r in labels)


def test_unreadable_file_fails_only_its_own_partition(graph):
    failed = graph["summary"].failed_partitions
    assert list(failed) == ["broken/2026-11-01/dump.bin"]
    assert "broken/2026-11-01/dump.bin" in failed["broken/2026-11-01/dump.bin"]


def test_invalid_record_is_quarantined_with_file_and_line_and_the_rest_completes(graph):
    store = graph["store"]
    quarantined = parts.read_table(store, "quarantine", "crawl_snapshot/ultrachat/2026-11-01/chats.jsonl").to_pylist()
    assert [(q["file"], q["position"]) for q in quarantined] == [("ultrachat/2026-11-01/chats.jsonl", "line 2")]
    assert "JSON" in quarantined[0]["reason"]
    clips = parts.read_table(store, "tts_audio", "ultrachat/2026-11-01/chats.jsonl", columns=["role"]).to_pylist()
    assert {c["role"] for c in clips} == {"user", "assistant"}


def test_clips_are_24khz_flac_and_assistant_turns_use_the_assistant_voice(graph):
    rows = parts.read_table(graph["store"], "tts_audio", "alpaca/2026-11-01/alpaca.json").to_pylist()
    for row in rows:
        audio, rate = sf.read(io.BytesIO(row["audio"]))
        assert rate == 24_000 and audio.ndim == 1
        assert abs(len(audio) / rate - row["duration_s"]) < 0.01
        if row["role"] == "assistant":
            assert row["voice_id"] == "hibari-heart"


def test_release_has_parquet_with_audio_a_manifest_and_dialogues(graph):
    data = graph["data"] / "speech_dataset"
    table = parts.read_table(graph["store"], "speech_dataset", None)
    manifest = [json.loads(line) for line in (data / "manifest.jsonl").read_text().splitlines()]
    assert len(manifest) == table.num_rows
    kinds = set(table.column("kind").to_pylist())
    assert {"clip", "augmented", "safety", "false_premise", "instruction", "clarification"} <= kinds
    dialogue = next(r for r in table.to_pylist() if r["kind"] == "safety")
    audio, rate = sf.read(io.BytesIO(dialogue["audio"]))
    assert rate == 24_000 and audio.shape[1] == 2
    turns = json.loads(dialogue["turns"])
    assistant, user = audio[:, 0], audio[:, 1]
    first, answer = turns[0], turns[1]
    # moshi-finetune's layout: the user speaks on the right channel while the assistant's left one is silent
    # (until the assistant takes the turn, which may overlap the question's last words).
    span = slice(int(first["start"] * rate), int(min(first["end"], answer["start"]) * rate))
    assert abs(user[span]).max() > 0.05 and abs(assistant[span]).max() == 0


def test_the_summary_counts_conversations_by_kind_and_their_hours(graph):
    summary = graph["summary"]
    assert set(summary.conversations_by_kind) == {"safety", "false_premise", "instruction", "clarification"}
    # two Alpaca items and one UltraChat chat: each one conversation, an instruction or a clarification
    # asking its own question, unless a long session or a barge-in's request chained it into another
    by_kind = summary.conversations_by_kind
    plans = parts.read_table(graph["store"], "speech_dataset", None, columns=["kind", "turn_taking"]).to_pylist()
    chained = sum(b.get("chained", 0) + max(0, b.get("exchanges", 1) - 1) for r in plans
                  if r["kind"] == "instruction" and r["turn_taking"]
                  for b in json.loads(r["turn_taking"]).get("behaviours", []))
    assert by_kind["instruction"] + by_kind["clarification"] + chained == 3 and by_kind["instruction"] >= 1
    assert summary.conversation_hours > 0


def test_lineage_walks_an_augmented_clip_back_to_its_document(graph, capsys):
    from synth_assets.cli import main

    table = parts.read_table(graph["store"], "speech_dataset", None, columns=["id", "kind"])
    clip = next(r["id"] for r in table.to_pylist() if r["kind"] == "augmented")
    assert main(["--data", str(graph["data"]), "lineage", clip, "--json"]) == 0
    chain = json.loads(capsys.readouterr().out)
    assert [node["stage"] for node in chain] == STAGE_CHAIN
    assert chain[-1]["snapshot"] == "2026-11-01" and chain[-1]["title"]
    recorded = json.loads(chain[0]["params"])
    assert recorded["recipe"] and recorded["version"] and "steps" in recorded, "the augmentation recipe is recorded"
    policy = VoicePolicy()
    assert json.loads(chain[1]["params"])["voice_id"] in {policy.assistant_voice, *policy.user_voices}


def test_rerun_with_unchanged_inputs_reuses_every_part(graph):
    from synth_assets.drivers.runner import materialize_landing

    store = graph["store"]
    key = "wikipedia/2026-11-01/pages.xml"
    before = parts.read_table(store, "tts_audio", key, columns=["id", "run_id"]).to_pylist()
    again = materialize_landing(graph["landing"], graph["data"], log=lambda message: None)
    assert parts.read_table(store, "tts_audio", key, columns=["id", "run_id"]).to_pylist() == before
    assert again.clips == graph["summary"].clips and again.median_wer == graph["summary"].median_wer
    assert again.estimate["partitions_to_run"] == 0, "the plan knows every partition is stored"
    assert again.estimate["rates"] in {"measured", "default/measured"}, "rates from the first run"


def test_failed_blocking_check_stops_downstream_stages(tmp_path, monkeypatch):
    """Segments packed far past TTS size fail their check, and spoken_text never runs on them."""
    landing = write_tiny_landing(tmp_path / "landing")
    monkeypatch.setenv("SYNTH_LANDING", str(landing))
    monkeypatch.setenv("SYNTH_DATA_ROOT", str(tmp_path / "data"))
    from dagster import DagsterInstance

    from synth_assets.definitions import make_defs

    instance = DagsterInstance.ephemeral()
    key = "wikipedia/2026-11-01/pages.xml"
    instance.add_dynamic_partitions("crawl_shards", [key])
    job = make_defs().resolve_job_def("synth_pipeline")
    result = job.execute_in_process(
        partition_key=key, instance=instance, raise_on_error=False,
        run_config={"ops": {"text_segments": {"config": {"max_words": 400, "pack_words": 400, "min_words": 1}}}},
    )
    evaluations = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert evaluations["documents_valid"] is True
    assert evaluations["segments_valid"] is False
    assert "spoken_text_valid" not in evaluations
    assert not result.success
    assert parts.part_keys(LocalStorage(root=str(tmp_path / "data")), "spoken_text", key) == []


def test_the_run_is_planned_first_and_its_estimate_is_printed_beside_what_it_took(graph):
    summary = graph["summary"]
    estimate = summary.estimate
    assert summary.workers == 2 and summary.wall_seconds > 0
    # every partition but the unreadable one, which the plan names instead
    assert estimate["rates"] == "default" and estimate["partitions_to_run"] == summary.partitions - 1
    # The text the plan reads is what the stages voice: its clip count is the run's, a clip or two aside.
    assert abs(estimate["clips"] - summary.clips) <= max(2, summary.clips // 10)
    assert estimate["wall_s"] > 0 and estimate["audio_hours"] > 0
