"""Clips synthesized in parallel by worker processes, handed back in input order, crashes contained.

Why processes: engines make one clip at a time and are CPU-bound, with Python in between
(phonemizers, resampling, FLAC), so threads would not scale. Each worker loads each engine once
(the module cache in synth_assets/tts/engines.py) and runs it with ``threads`` compute threads, so
workers do not fight over the cores. FLAC encoding happens in the worker too: the parent only plans
clips and writes Parquet.

Workers come from a forkserver: forking the step process itself is unsafe once onnxruntime or
CTranslate2 thread pools exist in it, and the forkserver, with the audio and engine modules
preloaded, starts a worker much faster than a fresh interpreter would.

One pool lives per process (module level) and serves every partition a process runs, so the demo's
one-run-per-partition pays start-up once; it is shut down at exit.

A worker that dies (segfault, os._exit, killed) costs only the clip it was making: that clip fails
with "engine crashed in worker (exit code -11: SIGSEGV)", the clips queued behind it go back to the
front of the line, and a new worker takes its place. A clip that runs past ``CLIP_TIMEOUT_S`` gets
its worker killed the same way.
"""

from __future__ import annotations

import atexit
import collections
import multiprocessing
import multiprocessing.util
import os
import signal
import sys
import time
from dataclasses import dataclass, field
from itertools import count
from multiprocessing.connection import Connection, wait
from typing import Any, Iterable, Iterator, TypeVar

from synth_assets.core.interrupts import kill_tree
from synth_assets.tts import engines as tts_engines
from synth_assets.tts.clips import ClipFailed, ClipJob, Outcome, render_clip

# Below this many clips to make, a partition is voiced in process unless the pool is already up.
# Measured by benchmarks/tts_bench.py on 2 cores: a cold pool (forkserver and 2 workers) takes 5-7 s,
# and with the default voices (~2 hibari clips at ~0.1 s to 1 Piper clip at ~0.5 s) two workers save
# ~0.12 s a clip, so the pool pays for itself from ~45 clips.
POOL_MIN_CLIPS = 48
QUEUED_PER_WORKER = 2  # the clip being made and the next one, so a worker never waits on the parent
WINDOW_PER_WORKER = 8  # clips in flight or done but not yet handed back, per worker: bounds memory
CLIP_TIMEOUT_S = 300.0  # an engine that hangs this long on one clip is killed with its worker
START_FAILURES_ALLOWED = 3  # workers dying before taking any work means a broken install, not a bad clip
PRELOAD = (__name__, "onnxruntime", "hibari", "piper")  # imported once in the forkserver, missing ones skipped
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS")
_READY = "ready"

Tag = TypeVar("Tag")


class WorkerStartFailed(RuntimeError):
    """TTS workers die before they can take any work."""


def limit_threads(threads: int) -> None:
    """Every thread pool a worker may touch, at ``threads``: onnxruntime sessions get it from the
    engine loaders; these are the others (OpenMP, BLAS, torch, and programs the worker runs)."""
    for name in THREAD_VARIABLES:
        os.environ[name] = str(threads)
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(threads)  # BLAS pools numpy started before the variables were set
    except ImportError:
        pass
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(threads)


def _serve(conn: Connection, threads: int) -> None:
    """A worker: make clips until told to stop or the parent goes away."""
    # Ctrl-C and SIGTERM are for the parent, which then stops us (and the engine programs we run, which
    # inherit the ignored signals: a group's Ctrl-C must not fail a clip as an engine crash).
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.SIG_IGN)
    limit_threads(threads)
    conn.send(_READY)
    try:
        while True:
            try:
                message = conn.recv()
            except EOFError:  # the parent is gone
                break
            if message is None:
                break
            seq, job = message
            conn.send((seq, render_clip(job, threads)))
    finally:
        tts_engines.release_engines()


def describe_exit(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            return f"engine crashed in worker (exit code {code}: {signal.Signals(-code).name})"
        except ValueError:
            pass
    return f"engine crashed in worker (exit code {code})"


@dataclass
class _Worker:
    process: Any
    conn: Connection
    ready: bool = False  # it said hello: its start-up is done
    held: collections.deque = field(default_factory=collections.deque)  # seqs sent to it, oldest first
    since: float = 0.0  # when it started on its oldest held clip
    gone: bool = False  # its pipe broke


@dataclass
class SynthesisReport:
    """How a partition's clips were made, for the asset's metadata."""

    workers: int = 1  # 1: in the step's own process
    worker_crashes: int = 0


class SynthesisPool:
    """``workers`` processes making clips with ``threads`` engine threads each."""

    def __init__(self, workers: int, threads: int):
        self.size, self.threads = workers, threads
        self.pid = os.getpid()
        self.crashes = 0
        self.closed = False
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload(list(PRELOAD))  # takes effect when the forkserver starts
        self._seq = count()
        self._queue: collections.deque[int] = collections.deque()  # seqs waiting for a worker
        self._jobs: dict[int, ClipJob] = {}  # seqs queued or held by a worker
        self._done: dict[int, Outcome] = {}  # seqs finished, not yet handed back
        self._start_failures = 0
        self._workers: list[_Worker] = [self._start() for _ in range(workers)]

    def _start(self) -> _Worker:
        parent, child = self._context.Pipe()
        process = self._context.Process(target=_serve, args=(child, self.threads), daemon=True, name="tts-worker")
        process.start()
        child.close()
        return _Worker(process, parent)

    def worker_pids(self) -> list[int]:
        return [w.process.pid for w in self._workers]

    def wait_ready(self, timeout: float = 120.0) -> None:
        """Block until every worker has started (for measuring start-up; work never needs it)."""
        deadline = time.monotonic() + timeout
        while not all(w.ready for w in self._workers) and time.monotonic() < deadline:
            self._collect(max(0.0, deadline - time.monotonic()))

    def imap(self, items: Iterable[tuple[Tag, ClipJob | Outcome]]) -> Iterator[tuple[Tag, Outcome]]:
        """(tag, outcome) for each (tag, job) in input order; an item that is already an outcome (a
        reused clip, a refused text) passes through in its place. At most ``WINDOW_PER_WORKER`` clips
        per worker are in flight or waiting to be handed back, so memory stays flat however long
        ``items`` is."""
        if self.closed:
            raise RuntimeError("the synthesis pool is closed")
        window = self.size * WINDOW_PER_WORKER
        source = iter(items)
        order: collections.deque[tuple[int, Any]] = collections.deque()  # (seq, tag) not yet handed back
        exhausted = finished = False
        try:
            while True:
                while not exhausted and len(order) < window:
                    item = next(source, None)
                    if item is None:
                        exhausted = True
                        break
                    tag, work = item
                    seq = next(self._seq)
                    order.append((seq, tag))
                    if isinstance(work, ClipJob):
                        self._jobs[seq] = work
                        self._queue.append(seq)
                    else:
                        self._done[seq] = work
                self._dispatch()
                handed = False
                while order and order[0][0] in self._done:
                    seq, tag = order.popleft()
                    handed = True
                    yield tag, self._done.pop(seq)
                if not order and exhausted:
                    finished = True
                    return
                if not (handed and not exhausted):
                    self._collect()
        finally:
            if not finished:  # abandoned half-way: workers still hold clips nobody will read
                self.close(wait=0.0)

    def _dispatch(self) -> None:
        for worker in sorted(self._workers, key=lambda w: len(w.held)):
            while self._queue and len(worker.held) < QUEUED_PER_WORKER and not worker.gone:
                seq = self._queue.popleft()
                try:
                    worker.conn.send((seq, self._jobs[seq]))
                except OSError:  # it died; _collect sees its sentinel and replaces it
                    self._queue.appendleft(seq)
                    worker.gone = True
                    break
                if not worker.held:
                    worker.since = time.monotonic()
                worker.held.append(seq)

    def _collect(self, timeout: float | None = None) -> None:
        """Wait for results or deaths, then replace dead and hung workers."""
        busy = [w for w in self._workers if w.ready and w.held]
        deadline = min((w.since + CLIP_TIMEOUT_S for w in busy), default=None)
        if deadline is not None:
            left = max(0.0, deadline - time.monotonic())
            timeout = left if timeout is None else min(timeout, left)
        handles = {}
        for worker in self._workers:
            handles[worker.conn] = handles[worker.process.sentinel] = worker
        woken = {id(handles[h]): handles[h] for h in wait(list(handles), timeout)}
        for worker in woken.values():
            self._receive(worker)
            if worker.gone or not worker.process.is_alive():
                self._replace(worker)
        now = time.monotonic()
        for worker in list(self._workers):
            if worker.ready and worker.held and now - worker.since > CLIP_TIMEOUT_S:
                _kill(worker.process)
                self._replace(worker, f"engine timed out in worker after {CLIP_TIMEOUT_S:.0f} s")

    def _receive(self, worker: _Worker) -> None:
        while not worker.gone and worker.conn.poll():
            try:
                message = worker.conn.recv()
            except (EOFError, OSError):
                worker.gone = True
                break
            worker.since = time.monotonic()
            if message == _READY:
                worker.ready = True
                self._start_failures = 0
                continue
            seq, outcome = message
            worker.held.popleft()
            self._jobs.pop(seq, None)
            self._done[seq] = outcome

    def _replace(self, worker: _Worker, reason: str | None = None) -> None:
        """Bury a dead worker: its current clip fails with the reason, the rest go back in line."""
        self._workers.remove(worker)
        worker.process.join(timeout=10)
        if worker.process.is_alive():
            _kill(worker.process)
        worker.conn.close()
        if worker.ready and worker.held:
            seq = worker.held.popleft()  # workers take clips in order: the oldest is the one it was making
            self._jobs.pop(seq, None)
            self._done[seq] = ClipFailed(reason or describe_exit(worker.process.exitcode))
            self.crashes += 1
        self._queue.extendleft(reversed(worker.held))  # never started: first in line for the others
        if not worker.ready:
            self._start_failures += 1
            if self._start_failures > START_FAILURES_ALLOWED:
                self.close(wait=0.0)
                raise WorkerStartFailed(f"TTS workers exit before taking any work "
                                        f"({describe_exit(worker.process.exitcode)}); run with workers=1 to see why")
        self._workers.append(self._start())

    def close(self, wait: float = 5.0) -> None:
        """Stop the workers: politely (they finish what they hold), then by force after ``wait`` s."""
        if self.closed or os.getpid() != self.pid:
            return
        self.closed = True
        for worker in self._workers:
            try:
                worker.conn.send(None)
            except OSError:
                pass
        deadline = time.monotonic() + wait
        for worker in self._workers:
            worker.process.join(max(0.0, deadline - time.monotonic()))
            if worker.process.is_alive():
                _kill(worker.process)
            worker.conn.close()
        self._workers.clear()


def _kill(process) -> None:
    """A worker and the engine program it may be running (flite, espeak): killed alone, the worker
    would leave the program running on its own."""
    kill_tree(process.pid)
    process.join()


_shared: SynthesisPool | None = None


def pool_is_up(workers: int, threads: int) -> bool:
    pool = _shared
    return (pool is not None and not pool.closed and pool.pid == os.getpid()
            and (pool.size, pool.threads) == (workers, threads))


def shared_pool(workers: int, threads: int) -> SynthesisPool:
    """This process's pool with that shape, started if needed (a pool of another shape is stopped)."""
    global _shared
    if not pool_is_up(workers, threads):
        shutdown_pool()
        _shared = SynthesisPool(workers, threads)
        # Also stopped when this process is a multiprocessing child, where atexit never runs and the exit
        # joins the children first: the workers would wait for clips, and the exit for them, forever.
        multiprocessing.util.Finalize(_shared, _shared.close, exitpriority=10)
    return _shared


def shutdown_pool() -> None:
    global _shared
    if _shared is not None and _shared.pid == os.getpid():
        _shared.close()
    _shared = None


atexit.register(shutdown_pool)


def worth_a_pool(workers: int, threads: int, clips_to_make: int, min_clips: int = POOL_MIN_CLIPS) -> bool:
    """Parallel when there is more than one worker and either the pool is already up (it costs
    nothing more) or enough clips to pay for starting it."""
    return workers > 1 and (pool_is_up(workers, threads) or clips_to_make >= min_clips)


def synthesize_in_order(items: Iterable[tuple[Tag, ClipJob | Outcome]], *, workers: int, threads: int,
                        parallel: bool, report: SynthesisReport | None = None) -> Iterator[tuple[Tag, Outcome]]:
    """(tag, outcome) per item, in input order: jobs are made in the pool when ``parallel`` (and
    ``workers`` > 1), else here, one by one; items that are already outcomes pass through."""
    report = report if report is not None else SynthesisReport()
    if workers <= 1 or not parallel:
        report.workers = 1
        for tag, work in items:
            yield tag, render_clip(work, threads) if isinstance(work, ClipJob) else work
        return
    pool = shared_pool(workers, threads)
    report.workers, crashes_before = workers, pool.crashes
    try:
        yield from pool.imap(items)
    finally:
        report.worker_crashes = pool.crashes - crashes_before
