"""dataset_release: the same release as `synth release create`, launched from Dagster with a config."""

from __future__ import annotations

from dagster import DagsterInstance, materialize

from resources.storage import LocalStorage
from resources.tracking import ExperimentTracker
from synth_assets.assets.release import dataset_release
from synth_assets.release.versions import list_releases
from tests.release.samples import store_fixture  # noqa: F401 (the store fixture)


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
