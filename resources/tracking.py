"""Experiment tracking with MLflow: each release logs its figures so runs can be compared."""

from __future__ import annotations

import os

from dagster import ConfigurableResource
from pydantic import Field


class ExperimentTracker(ConfigurableResource):
    tracking_uri: str = Field(description="MLflow tracking URI, e.g. sqlite:///data/mlflow.db or http://host:5000")
    experiment: str = "synth_assets"
    enabled: bool = True

    def log_release(self, run_name: str, params: dict, metrics: dict) -> str | None:
        if not self.enabled:
            return None
        os.environ.setdefault("MLFLOW_ENABLE_ASYNC_LOGGING", "false")
        import logging

        import mlflow

        logging.getLogger("mlflow").setLevel(logging.WARNING)  # its table-creation chatter
        mlflow.set_tracking_uri(self.tracking_uri)
        mlflow.set_experiment(self.experiment)
        with mlflow.start_run(run_name=run_name) as run:
            mlflow.log_params({k: str(v)[:500] for k, v in params.items()})
            mlflow.log_metrics({k: float(v) for k, v in metrics.items()})
            return run.info.run_id
