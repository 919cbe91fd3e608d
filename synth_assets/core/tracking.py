"""Experiment tracking with MLflow: a stage or a release logs its parameters and figures as one run."""

from __future__ import annotations

import logging
import os


def log_run(tracking_uri: str, experiment: str, run_name: str, params: dict, metrics: dict) -> str:
    """Log one MLflow run; returns its run id."""
    os.environ.setdefault("MLFLOW_ENABLE_ASYNC_LOGGING", "false")
    import mlflow  # slow to import: only when something is logged

    logging.getLogger("mlflow").setLevel(logging.WARNING)  # its table-creation chatter
    mlflow.set_tracking_uri(tracking_uri)
    mlflow.set_experiment(experiment)
    with mlflow.start_run(run_name=run_name) as run:
        mlflow.log_params({k: str(v)[:500] for k, v in params.items()})
        mlflow.log_metrics({k: float(v) for k, v in metrics.items()})
        return run.info.run_id
