"""Experiment tracking with MLflow: a stage or a release logs its parameters and figures as one run."""

from __future__ import annotations

import logging
import os
from pathlib import Path


def log_run(tracking_uri: str, experiment: str, run_name: str, params: dict, metrics: dict,
            artifacts: dict[str, str] | None = None, tags: dict[str, str] | None = None) -> str:
    """Log one MLflow run, with text ``artifacts`` (file name -> content, e.g. a dataset card);
    returns its run id."""
    os.environ.setdefault("MLFLOW_ENABLE_ASYNC_LOGGING", "false")
    import mlflow  # slow to import: only when something is logged

    logging.getLogger("mlflow").setLevel(logging.WARNING)  # its table-creation chatter
    mlflow.set_tracking_uri(tracking_uri)
    if mlflow.get_experiment_by_name(experiment) is None:
        mlflow.create_experiment(experiment, artifact_location=artifact_location(tracking_uri))
    mlflow.set_experiment(experiment)
    with mlflow.start_run(run_name=run_name) as run:
        mlflow.log_params({k: str(v)[:500] for k, v in params.items()})
        mlflow.log_metrics({k: float(v) for k, v in metrics.items()})
        for name, text in (artifacts or {}).items():
            mlflow.log_text(text, name)
        if tags:
            mlflow.set_tags(tags)
        return run.info.run_id


def artifact_location(tracking_uri: str) -> str | None:
    """Artifacts (a release's card) beside a SQLite tracking database, not in ./mlruns of whatever
    folder the process started in; a tracking server chooses its own."""
    if tracking_uri.startswith("sqlite:///"):
        return (Path(tracking_uri.removeprefix("sqlite:///")).resolve().parent / "mlflow-artifacts").as_uri()
    return None
