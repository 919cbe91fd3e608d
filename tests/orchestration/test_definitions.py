"""The one `defs` loads and holds the whole product: every asset with its group, kinds, code version
and blocking check, the jobs, sensors and schedules, and a resource for every key an asset asks for."""

from __future__ import annotations

from synth_assets.core import names
from synth_assets.definitions import defs

ASSETS = {  # asset -> (group, its checks)
    names.CRAWL_SNAPSHOT: ("crawl", "documents_valid"),
    names.SNAPSHOT_CHANGES: ("crawl", "snapshot_changes_valid"),
    names.TEXT_SEGMENTS: ("text", "segments_valid"),
    names.SPOKEN_TEXT: ("text", "spoken_text_valid"),
    names.TTS_AUDIO: ("speech", "tts_audio_valid"),
    names.PSEUDO_LABELS: ("speech", "round_trip_wer"),
    names.AUGMENTED_CLIPS: ("speech", "augmented_valid"),
    names.SAFETY_DIALOGUES: ("dialogues", "safety_dialogues_valid", "safety_dialogues_alignment"),
    names.FALSE_PREMISE_DIALOGUES: ("dialogues", "false_premise_dialogues_valid", "false_premise_dialogues_alignment"),
    names.INSTRUCTION_DIALOGUES: ("dialogues", "instruction_dialogues_valid", "instruction_dialogues_alignment"),
    names.RECORDED_SPEECH: ("recordings", "recorded_speech_valid"),
    names.RECORDING_LABELS: ("recordings", "recording_labels_valid"),
    names.SPEECH_DATASET: ("release", "dataset_valid", "conversation_mix", "duplex_timing"),
    names.DATASET_RELEASE: ("release", "release_verified"),
}


def test_defs_list_every_asset_check_job_sensor_and_schedule():
    graph = defs.resolve_asset_graph()
    specs = {spec.key.to_user_string(): spec for spec in defs.resolve_all_asset_specs()}
    assert set(specs) == set(ASSETS)
    for name, spec in specs.items():
        group, *checks = ASSETS[name]
        assert spec.group_name == group
        assert spec.code_version and spec.description and spec.kinds
        assert {key.name for key in graph.get_check_keys_for_assets({spec.key})} == set(checks), name
    assert {job.name for job in defs.resolve_all_job_defs()} >= {"synth_pipeline", "recordings_pipeline", "release"}
    assert {sensor.name for sensor in defs.sensors} == {"landing_zone_sensor", "audio_landing_sensor"}
    assert {schedule.name for schedule in defs.schedules} == {"release_schedule", "landing_zone_recheck"}


def test_every_resource_an_asset_asks_for_is_provided():
    provided = set(defs.resources) | {"io_manager"}  # Dagster's default; our assets return no values
    for assets_def in defs.resolve_asset_graph().assets_defs:
        assert assets_def.required_resource_keys <= provided, assets_def.key


def test_partitioned_stages_follow_the_crawl_shards_or_the_audio_batches():
    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        partitions = graph.get(key).partitions_def
        name = key.to_user_string()
        if name in (names.SNAPSHOT_CHANGES, names.SPEECH_DATASET, names.DATASET_RELEASE):
            assert partitions is None
        elif name in (names.RECORDED_SPEECH, names.RECORDING_LABELS):
            assert partitions.name == names.AUDIO_BATCHES
        else:
            assert partitions.name == names.CRAWL_SHARDS


def test_the_rewriter_endpoint_token_is_an_env_var_resolved_only_when_the_resource_is_built(monkeypatch):
    from dagster import build_resources

    from synth_assets import settings
    from synth_assets.definitions import rewriter_resource

    monkeypatch.setenv("SYNTH_REWRITER", "openai")
    monkeypatch.setenv("SYNTH_REWRITER_URL", "http://127.0.0.1:8000/v1")
    monkeypatch.setenv("SYNTH_REWRITER_API_KEY", "sk-planted-4711")
    resource = rewriter_resource(settings.rewriter())
    assert "sk-planted-4711" not in repr(resource) + str(resource.model_dump())  # what run config would show
    with build_resources({"rewriter": resource}) as built:
        assert built.rewriter.rewriter().api_key == "sk-planted-4711"


def test_a_model_queue_sends_the_model_stages_and_only_them_to_that_celery_queue():
    import json
    import os
    import subprocess
    import sys

    from dagster_celery.tags import DAGSTER_CELERY_QUEUE_TAG

    from synth_assets.orchestration.execution import CELERY_QUEUE_TAG, MODEL_GROUPS

    assert CELERY_QUEUE_TAG == DAGSTER_CELERY_QUEUE_TAG
    # The assets are decorated at import: a fresh interpreter with the setting.
    script = ("import json; from synth_assets.definitions import defs; print(json.dumps({a.key.to_user_string(): "
              "[a.group_names_by_key[a.key], dict(a.op.tags)] for a in defs.assets if hasattr(a, 'op')}))")
    done = subprocess.run([sys.executable, "-c", script], env={**os.environ, "SYNTH_MODEL_QUEUE": "gpu"},
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    tags = json.loads(done.stdout.strip().splitlines()[-1])
    queued = {asset for asset, (_, op_tags) in tags.items() if op_tags.get(CELERY_QUEUE_TAG) == "gpu"}
    assert queued == {asset for asset, (group, _) in tags.items() if group in MODEL_GROUPS}
    assert {names.TTS_AUDIO, names.PSEUDO_LABELS, names.INSTRUCTION_DIALOGUES} <= queued
    assert not any(CELERY_QUEUE_TAG in op_tags for asset, (_, op_tags) in tags.items() if asset not in queued)
    assert names.CRAWL_SNAPSHOT in tags and names.CRAWL_SNAPSHOT not in queued


def test_a_backfills_units_cover_every_stage_of_the_parallel_job_once():
    from synth_assets.drivers.backfill import PARALLEL_GROUPS, PARALLEL_JOB, group_assets

    in_job = defs.resolve_job_def(PARALLEL_JOB).asset_layer.selected_asset_keys
    units = [key for group in PARALLEL_GROUPS for key in group_assets(PARALLEL_JOB, group)]
    assert sorted(units) == sorted(in_job) and len(units) == len(set(units))
    assert {key.to_user_string() for key in group_assets(PARALLEL_JOB, "dialogues")} == set(names.CONVERSATION_ASSETS)


def test_the_production_executor_looks_at_its_celery_steps_as_often_as_the_setting_says(monkeypatch):
    import pytest

    core_execution_loop = pytest.importorskip("dagster_celery.core_execution_loop")
    from synth_assets.orchestration.execution import executor_for_deployment

    monkeypatch.setattr(core_execution_loop, "TICK_SECONDS", core_execution_loop.TICK_SECONDS)  # restored after
    monkeypatch.setenv("SYNTH_DEPLOYMENT", "production")
    monkeypatch.setenv("SYNTH_CELERY_POLL_S", "0.25")
    assert executor_for_deployment().name == "celery"
    assert core_execution_loop.TICK_SECONDS == 0.25
    monkeypatch.delenv("SYNTH_CELERY_POLL_S")
    executor_for_deployment()
    assert core_execution_loop.TICK_SECONDS == 0.1  # dagster-celery's own 1 s costs a chain of steps 1 s per link
