"""The release assets in a Dagster run: speech_dataset shows and checks its conversation mix;
dataset_release cuts the same release as `synth release create`, launched with a config."""

from __future__ import annotations

import pyarrow as pa
from dagster import DagsterInstance, materialize

from resources.lineage import LineageStore
from resources.mix import ConversationMix
from resources.storage import LocalStorage
from resources.tracking import ExperimentTracker
from resources.voices import TTSVoices
from synth_assets.assets.release import dataset_release, speech_dataset
from synth_assets.core import names, parts
from synth_assets.release.rows import UPSTREAM
from synth_assets.release.versions import list_releases
from synth_assets.tts.policy import VoicePolicy
from tests.release.samples import store_fixture, voiced_conversations  # noqa: F401 (the store fixture)


def run(store, config: dict):
    return materialize(
        [dataset_release], instance=DagsterInstance.ephemeral(), raise_on_error=False,
        resources={"store": LocalStorage(root=store.root), "tracker": ExperimentTracker(tracking_uri="", enabled=False)},
        run_config={"ops": {"dataset_release": {"config": config}}})


def test_a_configured_materialization_cuts_a_verified_release(store):
    result = run(store, {"name": "ui-1", "kinds": ["safety"], "rate_mos": False})
    assert result.success
    metadata = result.asset_materializations_for_node("dataset_release")[0].metadata
    assert metadata["samples"].value == 2 and metadata["samples_by_kind"].value == {"safety": 2}
    checks = result.get_asset_check_evaluations()
    assert [(c.check_name, c.passed) for c in checks] == [("release_verified", True)]
    assert [r.name for r in list_releases(store)] == ["ui-1"]


def test_a_release_naming_missing_partitions_fails_the_step_with_the_reason(store):
    result = run(store, {"name": "ui-1", "partitions": ["wikipedia/2099-01-01/zz"], "rate_mos": False})
    assert not result.success
    failure = result.failure_data_for_node("dataset_release")
    assert "wikipedia/2099-01-01/zz" in str(failure.error.message)
    assert list_releases(store) == []


def test_speech_dataset_shows_its_conversations_beside_the_mix_targets_and_checks_them(tmp_path, tone_voices):
    partition = "wikipedia/2026-11-01/a"
    store = LocalStorage(root=str(tmp_path / "data"))
    female, male, assistant = tone_voices
    voiced_conversations(store, VoicePolicy(user_voices=(female, male), assistant_voice=assistant, workers=1),
                         count=2, partition=partition)
    for asset in set(UPSTREAM) - {names.SAFETY_DIALOGUES}:  # the partition's other stages made nothing
        parts.write_parts(store, asset, partition, [], fingerprint_value="fixture", schema=pa.schema(
            [(c, pa.string()) for c in ("id", "parent_id", "transcript", "words")] + [("wer", pa.float64())]))
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(names.CRAWL_SHARDS, [partition])
    result = materialize([speech_dataset], instance=instance, resources={
        "store": store, "lineage": LineageStore(path=str(tmp_path / "lineage.duckdb")),
        "tracker": ExperimentTracker(tracking_uri="", enabled=False), "voices": TTSVoices(), "mix": ConversationMix()})
    assert result.success
    metadata = result.asset_materializations_for_node("speech_dataset")[0].metadata
    assert "| safety | 20.0% | 100.0% | 100.0% | 2 |" in metadata["conversation_mix"].value
    assert metadata["conversation_shares"].value == {"safety": 1.0, "false_premise": 0.0, "instruction": 0.0,
                                                      "clarification": 0.0}
    assert metadata["user_female_share"].value == 0.5
    assert metadata["conversation_hours_share"].value == 1.0  # the release holds nothing else
    checks = {c.check_name: c for c in result.get_asset_check_evaluations()}
    assert checks["dataset_valid"].passed and checks["conversation_mix"].passed  # two conversations: not judged
    assert "not judged: 2 conversations" in checks["conversation_mix"].metadata["mix"].value
