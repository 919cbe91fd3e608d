"""How steps execute: the executor of each deployment, the concurrency pool of the model-heavy
stages, retries with backoff on transient errors, and the tags every run carries."""

from __future__ import annotations

import errno

from dagster import (
    Backoff,
    ExecutorDefinition,
    Failure,
    Jitter,
    RetryPolicy,
    in_process_executor,
    multiprocess_executor,
)

from synth_assets import settings

# Stages that load a speech model (TTS, Whisper, VAD) share one pool: with the instance's pool limit
# at the core count (deploy/dagster.*.yaml), runs side by side never oversubscribe the cores.
MODEL_POOL = "models"
MODEL_GROUPS = frozenset({"speech", "dialogues", "recordings"})

RELEASE_TAG = "synth/release"
MLFLOW_TAG = "synth/mlflow"  # where model stages log, when the command that launched the run chose the data root
PROGRESS_TAG = "synth/progress"  # the folder where the command that launched the run shows its progress
BACKFILL_TAG = "synth/backfill"
SELECTION_TAG = "synth/selection"
GROUP_TAG = "synth/stages"  # a backfill's run of one group of a partition's stages (speech, dialogues)
CELERY_QUEUE_TAG = "dagster-celery/queue"  # dagster_celery.tags, which only the production extra installs


def pool_for(group_name: str) -> str | None:
    return MODEL_POOL if group_name in MODEL_GROUPS else None


def step_tags_for(group_name: str) -> dict[str, str]:
    """The model-heavy stages go to SYNTH_MODEL_QUEUE on the celery workers (GPU workers, say),
    everything else to the default queue."""
    queue = settings.model_queue()
    return {CELERY_QUEUE_TAG: queue} if queue and group_name in MODEL_GROUPS else {}


def retry_policy() -> RetryPolicy:
    """Transient errors (an S3 endpoint that drops requests, a worker lost) retry with exponential
    backoff; a `Failure` that says the data is wrong does not (see `permanent`)."""
    return RetryPolicy(max_retries=settings.step_retries(), delay=settings.retry_delay_seconds(),
                       backoff=Backoff.EXPONENTIAL, jitter=Jitter.PLUS_MINUS)


def permanent(message: str) -> Failure:
    """A failure no retry can fix: bad input, a missing upstream, a full disk."""
    return Failure(message, allow_retries=False)


def disk_full(error: BaseException) -> bool:
    return isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT)


def run_tags(overrides: settings.Overrides = settings.Overrides(), **extra: str) -> dict[str, str]:
    """Tags of every run we launch: the release it serves, where its model stages log to MLflow when the
    command chose the data root, where the command shows its steps' progress, plus what selected it."""
    uri = overrides.chosen_mlflow_uri()
    progress = {PROGRESS_TAG: overrides.progress} if overrides.progress else {}
    return {RELEASE_TAG: overrides.release_name(), **({MLFLOW_TAG: uri} if uri else {}), **progress, **extra}


def executor_for_deployment(partition_workers: int | None = None) -> ExecutorDefinition:
    """dagster-celery workers in production; on one machine the multiprocess executor (steps of a run in
    parallel processes, at most one per core); `synth backfill` runs whole partitions side by side instead."""
    if settings.deployment() == "production":
        from dagster_celery import celery_executor, core_execution_loop

        # The loop that submits steps and collects their results sleeps this module constant between
        # looks (1 s); no executor config reaches it. A look is one GET on the result backend per step.
        core_execution_loop.TICK_SECONDS = settings.celery_poll_seconds()
        return celery_executor.configured({
            "broker": {"env": settings.CELERY_BROKER_VARIABLE},
            "backend": {"env": settings.CELERY_BACKEND_VARIABLE},
            "retries": {"enabled": {}},
        }, name="celery")
    if (partition_workers or settings.partition_workers()) > 1:
        return in_process_executor  # the partitions already fill the cores
    return multiprocess_executor.configured({"max_concurrent": 0, "retries": {"enabled": {}}}, name="multiprocess")
