"""What a command chooses over the environment travels as arguments and run tags, not os.environ."""

from __future__ import annotations

import os

from synth_assets import settings
from synth_assets.orchestration.execution import MLFLOW_TAG, RELEASE_TAG, run_tags


def test_a_commands_paths_reach_the_definitions_resources_without_touching_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("SYNTH_DATA_ROOT", str(tmp_path / "from-env"))
    before = dict(os.environ)
    from synth_assets.definitions import build_resources

    chosen = settings.Overrides.paths(data=tmp_path / "data", landing=tmp_path / "landing", home=tmp_path / "home")
    resources = build_resources(chosen)
    assert resources["store"].root == str(tmp_path / "data")
    assert resources["landing"].root == str(tmp_path / "landing")
    assert resources["lineage"].path == str(tmp_path / "data" / "lineage.duckdb")
    assert resources["tracker"].tracking_uri == f"sqlite:///{tmp_path / 'data' / 'mlflow.db'}"
    assert chosen.dagster_home() == tmp_path / "home"
    assert dict(os.environ) == before


def test_the_runs_of_a_command_carry_its_release_and_the_mlflow_database_beside_its_data_root(tmp_path, monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.delenv("SYNTH_RELEASE", raising=False)
    chosen = settings.Overrides.paths(data=tmp_path, release="r7")
    assert run_tags(chosen, extra="x") == {RELEASE_TAG: "r7", MLFLOW_TAG: f"sqlite:///{tmp_path / 'mlflow.db'}",
                                           "extra": "x"}
    assert run_tags() == {RELEASE_TAG: "unreleased"}  # nothing chosen: the steps read the environment


def test_a_tracking_uri_from_the_environment_never_goes_into_a_run_tag(tmp_path, monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://user:secret@mlflow:5000")
    assert MLFLOW_TAG not in run_tags(settings.Overrides.paths(data=tmp_path))


def test_partitions_side_by_side_chosen_by_the_command_share_out_the_engine_threads(monkeypatch):
    monkeypatch.delenv("SYNTH_PARTITION_WORKERS", raising=False)
    from synth_assets.definitions import engine_resources

    resources = engine_resources(settings.Overrides(workers=2))
    assert resources["voices"].workers == 1 and resources["asr"].cpu_threads == settings.engine_threads(2)
