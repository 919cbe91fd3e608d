"""Experiment tracking resource: where MLflow lives, from configuration; synth_assets/core/tracking.py logs."""

from __future__ import annotations

from dagster import ConfigurableResource
from pydantic import Field

from synth_assets.core.tracking import log_run


class ExperimentTracker(ConfigurableResource):
    tracking_uri: str = Field(description="MLflow tracking URI, e.g. sqlite:///data/mlflow.db or http://host:5000")
    experiment: str = "synth_assets"
    enabled: bool = True

    def log_release(self, run_name: str, params: dict, metrics: dict) -> str | None:
        if not self.enabled:
            return None
        return log_run(self.tracking_uri, self.experiment, run_name, params, metrics)

    def release_tracker(self):
        """What a release calls to become an MLflow run with its card attached; None when disabled."""
        from synth_assets.release.versions import mlflow_tracker

        return mlflow_tracker(self.tracking_uri, self.experiment) if self.enabled else None
