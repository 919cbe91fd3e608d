"""`synth backfill`: run the pipeline on the partitions of a snapshot or a source, several side by side.

The crawl and text stages of a partition compare it with the partitions before it, so they run
partition by partition in processing order (a chain: the next partition's text starts when the
previous one's is done). Everything after them runs for several partitions at once, in ``workers``
worker processes, as two units of work per partition that share no asset: its speech (TTS, Whisper
labels, augmentation) and its dialogues. Each worker process runs many units, so it loads each
model once; engine threads are shared out so the workers never oversubscribe the cores
(settings.engine_threads).

A run is handed to the pool only when a worker is free, so the order is ours, not the pool's queue:
the chain first (every partition's speech waits on it; behind an hour of speech stages it left the
workers nothing to do at the end), then the largest ready unit by the characters it will voice (the
longest unit must not start last and run alone; as whole partitions, the sample's largest one
ended every run on one core).

Locally a worker executes its run in its own process. In the production deployment a worker only
coordinates its run: the steps go to the dagster-celery workers, and the run is recorded in the
PostgreSQL instance that DAGSTER_HOME names.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import heapq
import multiprocessing
import os
import signal
import threading
import time
import uuid
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Callable

from synth_assets import settings
from synth_assets.core import interrupts
from synth_assets.crawl.shards import ShardKey, processing_order
from synth_assets.drivers.instance import quiet
from synth_assets.drivers.stopping import canceled_on_stop, stop_point

ORDERED_JOB = "synth_ordered_stages"
PARALLEL_JOB = "synth_parallel_stages"
# The parallel job's asset groups: each is a unit of a partition's work run on its own.
PARALLEL_GROUPS = ("speech", "dialogues")
RELEASE_JOB = "release"


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
    group: str | None = None  # the job's assets of this group only; None: the whole job

    @property
    def unit(self) -> str:
        """The job, and the group of its assets when the run had only those."""
        return f"{self.job}:{self.group}" if self.group else self.job


@dataclass
class BackfillResult:
    backfill_id: str
    partitions: list[str]
    workers: int
    wall_seconds: float = 0.0
    runs: list[RunOutcome] = field(default_factory=list)

    @property
    def failed(self) -> dict[str, str]:
        return {f"{r.unit}[{r.partition}]": r.message for r in self.runs if not r.success}

    @property
    def run_ids(self) -> list[str]:
        return [r.run_id for r in self.runs]


# What the command chose (paths, workers; handed to each worker process as an argument), and one
# definitions object and one instance per process, made on first use.
_process_state: dict[str, object] = {}


def _overrides() -> settings.Overrides:
    return _process_state.setdefault("overrides", settings.Overrides())


def _definitions():
    if "defs" not in _process_state:
        from synth_assets.definitions import make_defs

        _process_state["defs"] = make_defs(_overrides())
    return _process_state["defs"]


def _instance():
    if "instance" not in _process_state:
        from synth_assets.drivers.instance import ensure_instance

        _process_state["instance"] = ensure_instance(_overrides().dagster_home())
    return _process_state["instance"]


def job_by_name(name: str, **overrides):
    """The reconstructor the celery workers call to load a job (see `execute`), with the command's
    ``overrides`` (settings.Overrides fields) as its arguments."""
    if overrides:
        _process_state.setdefault("overrides", settings.Overrides(**overrides))
    return _definitions().resolve_job_def(name)


def group_assets(job_name: str, group: str) -> list:
    """The asset keys of ``job_name`` in ``group`` (their checks run with them)."""
    in_job = job_by_name(job_name).asset_layer.selected_asset_keys
    return sorted((spec.key for spec in _definitions().resolve_all_asset_specs()
                   if spec.group_name == group and spec.key in in_job), key=lambda key: key.to_user_string())


def execute(job_name: str, partition: str | None, tags: dict[str, str], group: str | None = None) -> RunOutcome:
    """One run of ``job_name`` on ``partition`` (only its ``group`` assets when given): here, or on the
    celery workers in production."""
    from synth_assets.orchestration.execution import GROUP_TAG
    from synth_assets.drivers.instance import failure_message as _failure_message

    selection = group_assets(job_name, group) if group else None
    tags = {**tags, GROUP_TAG: group} if group else tags
    if settings.deployment() == "production":
        from dagster import build_reconstructable_job, execute_job

        job = build_reconstructable_job(__name__, job_by_name.__name__, reconstructable_args=(job_name,),
                                        reconstructable_kwargs=dataclasses.asdict(_overrides()))
        # execute_job takes the partition as the run tag Dagster itself uses for partitioned runs.
        run_tags = {**tags, "dagster/partition": partition} if partition else tags
        with execute_job(job, instance=_instance(), run_config=quiet(_overrides()), tags=run_tags, raise_on_error=False,
                         asset_selection=selection) as result:
            return RunOutcome(job_name, partition, result.run_id, result.success,
                              "" if result.success else _failure_message(result), group)
    result = job_by_name(job_name).execute_in_process(partition_key=partition, instance=_instance(), tags=tags,
                                                      raise_on_error=False, run_config=quiet(_overrides()),
                                                      asset_selection=selection)
    return RunOutcome(job_name, partition, result.run_id, result.success,
                      "" if result.success else _failure_message(result), group)


def register_partitions(keys: list[str]) -> None:
    from synth_assets.orchestration.partitions import shards

    instance = _instance()
    known = set(instance.get_dynamic_partitions(shards.name))
    new = [key for key in keys if key not in known]
    if new:
        instance.add_dynamic_partitions(shards.name, new)


@contextlib.contextmanager
def _storage(name: str, overrides: settings.Overrides | None = None):
    """One of the configured stores ("store", "landing"), through Dagster, which resolves the EnvVar
    credentials of an S3 deployment (we never read them)."""
    from dagster import build_resources

    from resources.storage import storage_resources

    with build_resources({name: storage_resources(overrides or _overrides())[name]}) as resources:
        yield getattr(resources, name)


def landing_keys(overrides: settings.Overrides | None = None) -> list[str]:
    """Every crawl shard in the configured landing zone (a folder, or a prefix in S3; ``overrides`` may
    name another folder)."""
    from synth_assets.crawl.shards import landing_shards

    with _storage("landing", overrides) as landing:
        return landing_shards(landing, settings.slice_bytes())


def run_backfill(partitions: list[str], *, workers: int = 1, release: bool = True, selection: str = "all",
                 log: Callable[[str], None] = print,
                 overrides: settings.Overrides = settings.Overrides()) -> BackfillResult:
    """Materialize ``partitions`` (then the release), ``workers`` partitions at a time, with what the
    command chose over the environment (``overrides``: paths, the release name)."""
    from synth_assets.orchestration.execution import BACKFILL_TAG, SELECTION_TAG, run_tags

    overrides = overrides.with_workers(workers)  # the worker processes' definitions share out the cores
    _process_state.clear()
    _process_state["overrides"] = overrides
    register_partitions(partitions)
    result = BackfillResult(backfill_id=uuid.uuid4().hex[:12], partitions=processing_order(partitions),
                            workers=workers)
    tags = run_tags(overrides, **{BACKFILL_TAG: result.backfill_id, SELECTION_TAG: selection})
    started = time.perf_counter()
    with canceled_on_stop(_instance(), {BACKFILL_TAG: result.backfill_id}):
        if workers == 1:
            for key in result.partitions:
                for job in (ORDERED_JOB, PARALLEL_JOB):
                    stop_point()
                    _record(result, execute(job, key, tags), log)
                    stop_point()
                    if not result.runs[-1].success:
                        break
        else:
            _run_side_by_side(result, tags, log, workers=functools.partial(_spawned_workers, overrides=overrides))
        if release:
            stop_point()
            _record(result, execute(RELEASE_JOB, None, tags), log)
            stop_point()
    result.wall_seconds = time.perf_counter() - started
    return result


def _record(result: BackfillResult, outcome: RunOutcome, log: Callable[[str], None]) -> None:
    result.runs.append(outcome)
    state = "ok" if outcome.success else f"FAILED: {outcome.message[:300]}"
    log(f"[{outcome.unit}] {outcome.partition or ''} {state}")


def _spawned_workers(count: int, overrides: settings.Overrides = settings.Overrides()) -> Executor:
    # A clean interpreter per worker: no Dagster state forked. Each in a process group of its own, so a
    # Ctrl-C at the terminal reaches only the backfill, which passes the stop on once (`_StopForwarder`).
    return ProcessPoolExecutor(max_workers=count, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_worker_started, initargs=(overrides,))


def _worker_started(overrides: settings.Overrides) -> None:
    """A backfill worker: in a process group of its own, stopping its run when the backfill passes a
    stop on (quietly: the backfill speaks for it); its definitions get the command's ``overrides``."""
    _process_state["overrides"] = overrides
    os.setpgrp()
    interrupts.StopRequests(grace_s=settings.stop_grace_seconds(), log=lambda message: None).install()


class _StopForwarder:
    """The backfill was asked to stop: interrupt the runs in its worker processes, once each (their runs
    are marked canceling already, see `canceled_on_stop`), whether the signal reached only the backfill
    (SIGTERM from a container platform) or the whole terminal's group."""

    def __init__(self, pool: Executor):
        self.pool, self.lock, self.told = pool, threading.Lock(), set()

    def __call__(self) -> None:
        with self.lock:
            for pid in list(getattr(self.pool, "_processes", None) or {}):
                if pid not in self.told:
                    self.told.add(pid)
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGINT)


@dataclass
class _NextRuns:
    """What a free worker runs next: the chain's next link when none is running (every unit waits on
    the chain), else the largest ready unit (ties in processing order, speech first)."""

    order: list[str]
    next_link: int = 0
    link_running: bool = False
    ready: list[tuple] = field(default_factory=list)  # a heap of (-size, position, rank, partition, group)

    def __post_init__(self) -> None:
        self.position = {key: index for index, key in enumerate(self.order)}

    def take(self) -> tuple[str, str, str | None] | None:
        """(job, partition, group) to run now, or None while nothing can start."""
        if not self.link_running and self.next_link < len(self.order):
            self.link_running, self.next_link = True, self.next_link + 1
            return ORDERED_JOB, self.order[self.next_link - 1], None
        if self.ready:
            *_, partition, group = heapq.heappop(self.ready)
            return PARALLEL_JOB, partition, group
        return None

    def link_done(self, partition: str, sizes: dict[str, int] | None) -> None:
        """A link ended: with ``sizes`` (it succeeded) its partition's units are ready; without, the
        failed partition's later stages are skipped, and the chain goes on."""
        self.link_running = False
        if sizes is not None:
            for rank, group in enumerate(PARALLEL_GROUPS):
                heapq.heappush(self.ready, (-sizes.get(group, 0), self.position[partition], rank, partition, group))


def _run_side_by_side(result: BackfillResult, tags: dict[str, str], log: Callable[[str], None], *,
                      run: Callable[..., RunOutcome] = execute,
                      workers: Callable[[int], Executor] = _spawned_workers,
                      estimate: Callable[[str], dict[str, int]] | None = None) -> None:
    """The ordered stages as a chain through the partitions, then each partition's units on whichever
    worker is free: ``run(job, partition, tags, group)`` on ``workers(count)``, the largest unit by
    ``estimate(partition)`` (its units' sizes, read once its text is done) first."""
    estimate = unit_sizes if estimate is None else estimate
    plan = _NextRuns(list(result.partitions))
    stops = interrupts.active()
    with workers(result.workers) as pool:
        pending: dict[Future, str] = {}  # a running run -> its job
        forward = _StopForwarder(pool)
        token = stops.watch(forward) if stops is not None else None

        def fill() -> None:
            while (len(pending) < result.workers and not (stops and stops.requested)
                   and (picked := plan.take()) is not None):
                pending[pool.submit(run, *picked[:2], tags, picked[2])] = picked[0]

        try:
            fill()
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    job = pending.pop(future)
                    outcome: RunOutcome = future.result()
                    _record(result, outcome, log)
                    if job == ORDERED_JOB:
                        plan.link_done(outcome.partition, _sizes(estimate, outcome.partition, log)
                                       if outcome.success else None)
                fill()
        finally:
            if token is not None:
                stops.unwatch(token)
                if stops.requested:  # the interrupt may unwind this before the watcher thread forwards it
                    forward()


def _sizes(estimate: Callable[[str], dict[str, int]], partition: str, log: Callable[[str], None]) -> dict[str, int]:
    try:
        return estimate(partition)
    except Exception as error:  # an estimate only: the partition's units go in processing order
        log(f"no size estimate for {partition}: {type(error).__name__}: {error}")
        return {}


def unit_sizes(partition: str) -> dict[str, int]:
    """Characters each unit of ``partition`` will voice, from its text stages' rows: the spoken text
    (speech; only what changed since the last snapshot), and the instruction documents (dialogues; the
    few false-premise and safety conversations are not counted). On the sample this orders the units
    as their measured times do, where dump sizes did not (a new snapshot of an unchanged dump voices
    almost nothing). The scheduler's estimate only."""
    from synth_assets.core import names, parts
    from synth_assets.dialogues.instructions import INSTRUCTION_KINDS

    with _storage("store") as store:
        speech = sum(len(row["text"]) for row in parts.read_rows(store, names.SPOKEN_TEXT, partition, ["text"]))
        dialogues = sum(len(row["text"]) for row in parts.read_rows(store, names.CRAWL_SNAPSHOT, partition,
                                                                      ["kind", "text"])
                        if row["kind"] in INSTRUCTION_KINDS)
    return {"speech": speech, "dialogues": dialogues}
