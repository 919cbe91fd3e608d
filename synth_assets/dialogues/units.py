"""A partition's conversations rendered in units of a few conversations, side by side in worker
processes, so that a large Alpaca or UltraChat partition renders on every core.

Conversations are cut into units of UNIT_SIZE in script order. Each unit starts its voice rotation at
its own slot (the partition's first slot plus the conversations before it), so a unit renders the
same bytes whichever worker takes it and however many workers there are: one worker and two give the
same rows, in the same order. Workers come from the forkserver (as the TTS pool's: forking a process
that already runs onnxruntime or CTranslate2 thread pools is unsafe); each loads the voices and
Whisper once and runs its engines with its share of the cores. At most two units per worker are in
flight or waiting to be handed back, so memory stays bounded however many conversations a
partition has.

A partition with fewer than MIN_PARALLEL_UNITS units renders in the step's own process: a worker's
start-up and model loads cost more than it would save.
"""

from __future__ import annotations

import dataclasses
import itertools
import multiprocessing
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any

from synth_assets.asr.transcriber import Transcriber
from synth_assets.core.records import DialogueScript, Quarantined
from synth_assets.core.stage_run import StageRun
from synth_assets.dialogues.turntaking import TurnTakingStyle
from synth_assets.tts.policy import VoicePolicy, usable_cores
from synth_assets.tts.pool import limit_threads
from synth_assets.tts.registry import REGISTRY, Voice, register

UNIT_SIZE = 4  # conversations per unit: a few seconds of work each, small enough to balance two cores
# Fewer units than this render in process: a pool's start-up (the forkserver, then voices loaded in
# each worker) costs more than it saves. Measured on the real Alpaca sample with engine word times, on 2
# cores busy with other work: 36 conversations (10 units) took 65 s in process and 76 s on two workers.
# 48 conversations, like the TTS pool's threshold; an idle machine may want fewer.
MIN_PARALLEL_UNITS = 12
UNITS_PER_WORKER = 2  # in flight or done but not yet handed back, per worker: bounds memory


@dataclass(frozen=True)
class UnitSettings:
    """What a worker needs besides the scripts: everything picklable."""

    asset: str
    partition: str | None
    run_id: str
    code_version: str
    voices: VoicePolicy
    allow_barge_in: bool = True
    extra: Callable[[DialogueScript, Any], dict] | None = None  # a module-level function (pickled by name)
    transcriber: Transcriber | None = None
    voice_defs: tuple[Voice, ...] = ()  # the registry entries of the policy's voices, for the workers
    voiced_rows: Callable[..., Iterator[dict]] | None = None  # render.voiced_rows (render imports this module)
    style: TurnTakingStyle = TurnTakingStyle()  # the turn-taking drawn from
    alignment_share: float = 0.0  # of conversations whose engine word times Whisper checks (alignment.py)


@dataclass
class RenderReport:
    """How a partition's conversations were rendered: the figure to watch is conversation hours per
    wall hour, which grows with the workers."""

    workers: int = 1
    units: int = 0
    conversations: int = 0
    audio_seconds: float = 0.0
    wall_seconds: float = 0.0
    failed_units: list[str] = field(default_factory=list)

    def figures(self) -> dict:
        rate = self.audio_seconds / self.wall_seconds if self.wall_seconds else 0.0
        return {"workers": self.workers, "units": self.units, "conversations": self.conversations,
                "conversation_hours": round(self.audio_seconds / 3600, 4), "wall_seconds": round(self.wall_seconds, 1),
                "conversation_hours_per_wall_hour": round(rate, 3)}


def render_unit(settings: UnitSettings, unit: list[tuple[DialogueScript, str]], slot: int
                ) -> tuple[list[dict], list[Quarantined]]:
    """One unit's rows (and what it quarantined), its voice rotation starting at ``slot``."""
    for voice in settings.voice_defs:
        if voice.id not in REGISTRY:  # a voice registered at run time in the parent (a voices file, a test)
            register(voice)
    stage = StageRun(settings.asset, settings.partition, settings.run_id, settings.code_version)
    documents = {script.id: document for script, document in unit}
    rows = list(settings.voiced_rows(stage, [script for script, _ in unit], settings.voices, lambda s: documents[s.id],
                            allow_barge_in=settings.allow_barge_in, extra=settings.extra, slot=slot,
                            transcriber=settings.transcriber, style=settings.style,
                            alignment_share=settings.alignment_share))
    return rows, stage.quarantined


def _worker_start(threads: int) -> None:
    limit_threads(threads)


def voiced_in_units(stage: StageRun, scripts: Iterable[tuple[DialogueScript, str]], voices: VoicePolicy, *,
                    voiced_rows: Callable[..., Iterator[dict]], slot: int, allow_barge_in: bool = True,
                    extra: Callable | None = None, transcriber: Transcriber | None = None,
                    workers: int | None = None, report: RenderReport | None = None,
                    style: TurnTakingStyle = TurnTakingStyle(), alignment_share: float = 0.0
                    ) -> Iterator[dict[str, Any]]:
    """The rows of (script, document id) pairs voiced in units by ``voiced_rows`` (render.voiced_rows),
    in ``workers`` processes (default: the policy's worker count, one per usable core) when there are
    enough units, else in this process. The rows are the same whatever the count; what a unit
    quarantines goes to ``stage``."""
    report = report if report is not None else RenderReport()
    workers = voices.worker_count() if workers is None else max(1, workers)
    voice_ids = {*voices.user_voices, voices.assistant_voice}
    settings = UnitSettings(stage.asset, stage.partition, stage.run_id, stage.code_version, voices, allow_barge_in,
                            extra, transcriber, tuple(REGISTRY[v] for v in sorted(voice_ids) if v in REGISTRY),
                            voiced_rows, style, alignment_share)
    batches = _units(scripts, slot)
    head = list(itertools.islice(batches, MIN_PARALLEL_UNITS))
    units = itertools.chain(head, batches)
    started = time.perf_counter()
    if workers > 1 and len(head) >= MIN_PARALLEL_UNITS:
        results = _in_workers(settings, units, workers, report)
    else:
        workers = 1
        results = ((unit, *render_unit(settings, unit, first)) for first, unit in units)
    report.workers = workers
    for unit, rows, quarantined in results:
        report.units += 1
        for record in quarantined:
            stage.quarantine(record)
        for row in rows:
            report.conversations += 1
            report.audio_seconds += row["duration_s"]
            yield row
        report.wall_seconds = time.perf_counter() - started


def _units(scripts: Iterable[tuple[DialogueScript, str]], slot: int) -> Iterator[tuple[int, list]]:
    """(first slot, unit) for each UNIT_SIZE scripts in order."""
    iterator = iter(scripts)
    for index in itertools.count():
        unit = list(itertools.islice(iterator, UNIT_SIZE))
        if not unit:
            return
        yield slot + index * UNIT_SIZE, unit


def _in_workers(settings: UnitSettings, units: Iterator[tuple[int, list]], workers: int, report: RenderReport
                ) -> Iterator[tuple[list, list[dict], list[Quarantined]]]:
    """(unit, rows, quarantined) per unit, in unit order, from a pool of ``workers`` processes. A unit
    whose worker died is quarantined whole with the reason; a new pool takes the units queued behind it."""
    threads = max(1, usable_cores() // workers)
    worker_settings = dataclasses.replace(settings, voices=dataclasses.replace(settings.voices, threads=threads),
                                          transcriber=None if settings.transcriber is None else
                                          dataclasses.replace(settings.transcriber, cpu_threads=threads))

    def new_pool() -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("forkserver"),
                                   initializer=_worker_start, initargs=(threads,))

    pool = new_pool()
    pending: deque[tuple[int, list, Future]] = deque()
    try:
        while True:
            while len(pending) < workers * UNITS_PER_WORKER and (item := next(units, None)) is not None:
                first, unit = item
                pending.append((first, unit, pool.submit(render_unit, worker_settings, unit, first)))
            if not pending:
                return
            first, unit, future = pending.popleft()
            try:
                rows, quarantined = future.result()
            except BrokenProcessPool:
                # A worker died (a segfault, a kill): every unit in flight failed with it. This one is
                # tried again alone; the others go back to a new pool, so only the unit that kills its
                # worker twice is quarantined.
                queued = [(f, u) for f, u, _ in pending]
                pool.shutdown(wait=False, cancel_futures=True)
                pool, pending, units = new_pool(), deque(), itertools.chain(queued, units)
                try:
                    rows, quarantined = _alone(worker_settings, unit, first, threads)
                except Exception as error:  # noqa: BLE001 - died again: this unit is the cause
                    report.failed_units.append(unit[0][0].id)
                    yield unit, [], _unit_failed(settings, unit, f"worker process died rendering it: {error}")
                    continue
            except Exception as error:  # noqa: BLE001 - one unit's failure must not sink the partition
                report.failed_units.append(unit[0][0].id)
                yield unit, [], _unit_failed(settings, unit, f"{type(error).__name__}: {error}")
                continue
            yield unit, rows, quarantined
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _alone(settings: UnitSettings, unit: list, first: int, threads: int) -> tuple[list[dict], list[Quarantined]]:
    """One unit in a worker of its own."""
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("forkserver"),
                             initializer=_worker_start, initargs=(threads,)) as pool:
        return pool.submit(render_unit, settings, unit, first).result()


def _unit_failed(settings: UnitSettings, unit: list, reason: str) -> list[Quarantined]:
    return [Quarantined(stage=settings.asset, file=script.id, position="voicing", reason=reason,
                        raw=script.turns[0].text[:200] if script.turns else "") for script, _ in unit]
