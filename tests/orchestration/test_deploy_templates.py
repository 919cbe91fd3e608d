"""The instance templates under deploy/ load as real Dagster instances: SQLite for local, a fresh
PostgreSQL database for production; the celery workers' configuration validates."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from dagster import DagsterInstance

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def test_the_local_template_is_a_sqlite_instance_with_a_queue_and_pools(tmp_path):
    shutil.copy(DEPLOY / "dagster.local.yaml", tmp_path / "dagster.yaml")
    with DagsterInstance.from_config(str(tmp_path)) as instance:
        assert type(instance.run_storage).__name__ == "SqliteRunStorage"
        assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
        assert instance.get_concurrency_config().pool_config.default_pool_limit == 2


def test_the_production_template_keeps_dagster_in_postgresql(tmp_path, monkeypatch):
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "end_to_end"))
    from prod_stack import PG, fresh_postgres_database

    shutil.copy(DEPLOY / "dagster.production.yaml", tmp_path / "dagster.yaml")
    with fresh_postgres_database() as database:
        for name, value in {"DAGSTER_PG_HOST": PG["host"], "DAGSTER_PG_PORT": str(PG["port"]),
                            "DAGSTER_PG_DB": database, "DAGSTER_PG_USER": PG["user"], "DAGSTER_PG_PASSWORD": ""}.items():
            monkeypatch.setenv(name, value)
        with DagsterInstance.from_config(str(tmp_path)) as instance:
            assert type(instance.run_storage).__name__ == "PostgresRunStorage"
            assert instance.get_runs() == []
            instance.dispose()


def test_the_celery_worker_configuration_reads_the_broker_from_the_environment(monkeypatch):
    pytest.importorskip("dagster_celery")
    from dagster_celery.cli import get_validated_config

    monkeypatch.setenv("SYNTH_CELERY_BROKER", "redis://127.0.0.1:6379/3")
    monkeypatch.setenv("SYNTH_CELERY_BACKEND", "redis://127.0.0.1:6379/3")
    config = get_validated_config(str(DEPLOY / "celery.yaml"))
    assert config["broker"] == config["backend"] == "redis://127.0.0.1:6379/3"
