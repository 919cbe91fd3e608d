"""`synth backfill`: run the pipeline on the partitions of a snapshot or a source, several side by side.

The crawl and text stages of a partition compare it with the partitions before it, so they run
partition by partition in processing order (a chain: the next partition's text starts when the
previous one's is done). Everything after them (TTS, Whisper, augmentation, dialogues) runs for
several partitions at once, in ``workers`` worker processes. Each worker process runs many
partitions, so it loads each model once; engine threads are shared out so the workers never
oversubscribe the cores (settings.engine_threads).

A run is handed to the pool only when a worker is free, so the order is ours, not the pool's queue:
the chain first (every partition's speech waits on it; behind an hour of speech stages it left the
workers nothing to do at the end), then the speech stages of the largest ready partition by its
dump's size (the longest partition must not start last and run alone).

Locally a worker executes its run in its own process. In the production deployment a worker only
coordinates its run: the steps go to the dagster-celery workers, and the run is recorded in the
PostgreSQL instance that DAGSTER_HOME names.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import time
import uuid
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Callable

from synth_assets import settings
from synth_assets.crawl.shards import ShardKey, processing_order

ORDERED_JOB = "synth_ordered_stages"
PARALLEL_JOB = "synth_parallel_stages"
RELEASE_JOB = "release"
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


def select_partitions(keys: list[str], *, snapshot: str | None = None, source: str | None = None) -> list[str]:
    """The crawl shards of one snapshot and/or one source, in processing order."""
    chosen = [key for key in keys
              if (snapshot is None or ShardKey.parse(key).snapshot == snapshot)
              and (source is None or ShardKey.parse(key).source == source)]
    return processing_order(chosen)


def describe_selection(snapshot: str | None, source: str | None) -> str:
    return ",".join(f"{name}={value}" for name, value in (("source", source), ("snapshot", snapshot)) if value) or "all"


@dataclass
class RunOutcome:
    job: str
    partition: str | None
    run_id: str
    success: bool
    message: str = ""


@dataclass
class BackfillResult:
    backfill_id: str
    partitions: list[str]
    workers: int
    wall_seconds: float = 0.0
    runs: list[RunOutcome] = field(default_factory=list)

    @property
    def failed(self) -> dict[str, str]:
        return {f"{r.job}[{r.partition}]": r.message for r in self.runs if not r.success}

    @property
    def run_ids(self) -> list[str]:
        return [r.run_id for r in self.runs]


# One definitions object and one instance per worker process, made on first use.
_process_state: dict[str, object] = {}


def _definitions():
    if "defs" not in _process_state:
        from synth_assets.definitions import make_defs

        _process_state["defs"] = make_defs()
    return _process_state["defs"]


def _instance():
    if "instance" not in _process_state:
        from synth_assets.orchestration.runner import ensure_instance

        _process_state["instance"] = ensure_instance()
    return _process_state["instance"]


def job_by_name(name: str):
    """The reconstructor the celery workers call to load a job (see `execute`)."""
    return _definitions().resolve_job_def(name)


def execute(job_name: str, partition: str | None, tags: dict[str, str]) -> RunOutcome:
    """One run of ``job_name`` on ``partition``: here, or on the celery workers in production."""
    from synth_assets.orchestration.runner import _failure_message

    if settings.deployment() == "production":
        from dagster import build_reconstructable_job, execute_job

        job = build_reconstructable_job(__name__, job_by_name.__name__, reconstructable_args=(job_name,))
        # execute_job takes the partition as the run tag Dagster itself uses for partitioned runs.
        run_tags = {**tags, "dagster/partition": partition} if partition else tags
        with execute_job(job, instance=_instance(), run_config=QUIET, tags=run_tags,
                         raise_on_error=False) as result:
            return RunOutcome(job_name, partition, result.run_id, result.success,
                              "" if result.success else _failure_message(result))
    result = job_by_name(job_name).execute_in_process(partition_key=partition, instance=_instance(), tags=tags,
                                                      raise_on_error=False, run_config=QUIET)
    return RunOutcome(job_name, partition, result.run_id, result.success,
                      "" if result.success else _failure_message(result))


def register_partitions(keys: list[str]) -> None:
    from synth_assets.orchestration.partitions import shards

    instance = _instance()
    known = set(instance.get_dynamic_partitions(shards.name))
    new = [key for key in keys if key not in known]
    if new:
        instance.add_dynamic_partitions(shards.name, new)


@contextlib.contextmanager
def _landing():
    """The configured landing zone's store, through Dagster, which resolves the EnvVar credentials of
    an S3 landing zone (we never read them)."""
    from dagster import build_resources

    from resources.storage import storage_resources

    with build_resources({"landing": storage_resources()["landing"]}) as resources:
        yield resources.landing


def landing_keys() -> list[str]:
    """Every crawl shard in the configured landing zone (a folder, or a prefix in S3)."""
    from synth_assets.crawl.shards import landing_shards

    with _landing() as landing:
        return landing_shards(landing)


def run_backfill(partitions: list[str], *, workers: int = 1, release: bool = True, selection: str = "all",
                 log: Callable[[str], None] = print) -> BackfillResult:
    """Materialize ``partitions`` (then the release), ``workers`` partitions at a time."""
    from synth_assets.orchestration.execution import BACKFILL_TAG, SELECTION_TAG, run_tags

    os.environ["SYNTH_PARTITION_WORKERS"] = str(workers)  # read by the worker processes' definitions
    _process_state.clear()
    register_partitions(partitions)
    result = BackfillResult(backfill_id=uuid.uuid4().hex[:12], partitions=processing_order(partitions),
                            workers=workers)
    tags = run_tags(**{BACKFILL_TAG: result.backfill_id, SELECTION_TAG: selection})
    started = time.perf_counter()
    if workers == 1:
        for key in result.partitions:
            for job in (ORDERED_JOB, PARALLEL_JOB):
                _record(result, execute(job, key, tags), log)
                if not result.runs[-1].success:
                    break
    else:
        _run_side_by_side(result, tags, log)
    if release:
        _record(result, execute(RELEASE_JOB, None, tags), log)
    result.wall_seconds = time.perf_counter() - started
    return result


def _record(result: BackfillResult, outcome: RunOutcome, log: Callable[[str], None]) -> None:
    result.runs.append(outcome)
    state = "ok" if outcome.success else f"FAILED: {outcome.message[:300]}"
    log(f"[{outcome.job}] {outcome.partition or ''} {state}")


def _spawned_workers(count: int) -> Executor:
    # A clean interpreter per worker: no Dagster state forked.
    return ProcessPoolExecutor(max_workers=count, mp_context=multiprocessing.get_context("spawn"))


def _run_side_by_side(result: BackfillResult, tags: dict[str, str], log: Callable[[str], None], *,
                      run: Callable[[str, str | None, dict[str, str]], RunOutcome] = execute,
                      workers: Callable[[int], Executor] = _spawned_workers,
                      sizes: dict[str, int] | None = None) -> None:
    """The ordered stages as a chain through the partitions, the rest on whichever worker is free:
    ``run(job, partition, tags)`` on ``workers(count)``, the largest partition by ``sizes`` first."""
    order = list(result.partitions)
    position = {key: index for index, key in enumerate(order)}
    sizes = shard_sizes(order) if sizes is None else sizes
    ready: list[str] = []  # partitions whose ordered stages are done, waiting for a worker
    chain = {"next": 0, "running": False}
    with workers(result.workers) as pool:
        pending: dict[Future, str] = {}  # a running run -> its job

        def fill() -> None:
            while len(pending) < result.workers:
                if not chain["running"] and chain["next"] < len(order):
                    job, partition = ORDERED_JOB, order[chain["next"]]
                    chain["next"] += 1
                    chain["running"] = True
                elif ready:
                    partition = max(ready, key=lambda key: (sizes.get(key, 0), -position[key]))
                    ready.remove(partition)
                    job = PARALLEL_JOB
                else:
                    return
                pending[pool.submit(run, job, partition, tags)] = job

        fill()
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                job = pending.pop(future)
                outcome: RunOutcome = future.result()
                _record(result, outcome, log)
                if job == ORDERED_JOB:
                    chain["running"] = False
                    if outcome.success:  # a failed partition stops its own speech stages, not the chain
                        ready.append(outcome.partition)
            fill()


def shard_sizes(partitions: list[str]) -> dict[str, int]:
    """Bytes of each partition's share of its dump in the landing zone (a slice: its share of the file),
    the scheduler's estimate of its work; empty when the landing zone cannot be listed."""
    from synth_assets.crawl.shards import ShardKey

    try:
        with _landing() as landing:
            sizes = {}
            for key in partitions:
                shard = ShardKey.parse(key)
                size = landing.size(shard.landing_key)
                sizes[key] = size // shard.slice.count if shard.slice else size
            return sizes
    except Exception:  # an estimate only: without it the speech stages go in processing order
        return {}
