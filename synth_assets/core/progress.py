"""How far a running step has got, told through a small file the command line reads while it runs.

A step (one asset of one partition) reports the items it has done out of its total, the audio seconds
it has made and what it quarantined, by rewriting one JSON file in the progress folder that the
command chose for its runs (the runs' `synth/progress` tag; SYNTH_PROGRESS_DIR when none did). The file
is replaced whole (written beside, then renamed), so a reader never sees half of it, and at most every
``every_s`` seconds, so reporting costs nothing next to the work. Without a progress folder (a step
started from the Dagster UI) nothing is written; a celery worker writes where the tag says, which the
command sees only when that folder is shared with the worker's machine.

No Dagster here: the stage wrapper (orchestration/stage.py) feeds it, the command line
(cli/progress.py) reads it.
"""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

RUNNING, DONE, REUSED, FAILED = "running", "done", "reused", "failed"


@dataclass
class StepProgress:
    """One step's progress as the file holds it."""

    asset: str
    partition: str | None
    run_id: str = ""
    done: int = 0  # items finished: rows made and records quarantined
    total: int | None = None  # items the step will go through, when known
    audio_s: float = 0.0  # audio seconds made so far
    quarantined: dict[str, int] = field(default_factory=dict)  # reason kind -> records
    quarantine_path: str = ""
    state: str = RUNNING
    started: float = 0.0  # wall clock (time.time) of the step's start
    first_at: float = 0.0  # when its first item was done (after the models loaded); 0 before
    updated: float = 0.0

    @property
    def key(self) -> tuple[str, str]:
        return (self.partition or "", self.asset)

    @classmethod
    def from_dict(cls, data: dict) -> StepProgress:
        names = cls.__dataclass_fields__
        return cls(**{k: v for k, v in data.items() if k in names})


def reason_kind(reason: str) -> str:
    """A quarantine reason's kind, for a summary: its first word ("fragment of 2 words, under 4" ->
    "fragment", "BadAudio: ..." -> "BadAudio", "round-trip WER 0.8 over 0.5" -> "round-trip"), after the
    record id a reason may start with ("doc-c3d1...: instruction too long" -> "instruction")."""
    words = [w for w in re.findall(r"[A-Za-z][\w\-']*", reason or "") if not RECORD_ID.fullmatch(w)]
    return words[0] if words else "other"


RECORD_ID = re.compile(r"[a-z]{2,4}-[0-9a-f]{12,}")  # records.stable_id's form


class ProgressFile:
    """Writes one step's progress to ``folder``, at most every ``every_s`` seconds while it runs and
    always at its start and end. ``clock`` is the wall clock (a test passes its own)."""

    def __init__(self, folder: Path | None, asset: str, partition: str | None, run_id: str = "", *,
                 total: int | None = None, quarantine_path: str = "", every_s: float = 2.0,
                 clock: Callable[[], float] = time.time):
        self.folder, self.every_s, self.clock = folder, every_s, clock
        now = clock()
        self.step = StepProgress(asset, partition, run_id, total=total, quarantine_path=quarantine_path,
                                 started=now, updated=now)
        self._written = float("-inf")
        self.path = None
        if folder is not None:
            name = re.sub(r"[^\w.\-]+", "_", f"{run_id[:8]}-{partition or 'all'}-{asset}")
            self.path = Path(folder) / f"{name}.json"
            self.write(force=True)

    def expect(self, total: int | None) -> None:
        self.step.total = total
        self.write(force=True)

    def advance(self, items: int = 1, audio_s: float = 0.0) -> None:
        if not self.step.first_at and items:
            self.step.first_at = self.clock()
        self.step.done += items
        self.step.audio_s += audio_s
        self.write()

    def quarantine(self, reason: str) -> None:
        kind = reason_kind(reason)
        self.step.quarantined[kind] = self.step.quarantined.get(kind, 0) + 1
        self.advance()

    def finish(self, state: str = DONE) -> None:
        self.step.state = state
        self.write(force=True)

    def write(self, force: bool = False) -> None:
        now = self.clock()
        if self.path is None or (not force and now - self._written < self.every_s):
            return
        self.step.updated, self._written = now, now
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            scratch = self.path.with_suffix(f".{os.getpid()}.tmp")
            scratch.write_text(json.dumps(asdict(self.step)))
            os.replace(scratch, self.path)
        except OSError:  # progress is for the person watching; it never fails the step
            self.path = None


def counted(rows: Iterable[dict], progress: ProgressFile) -> Iterator[dict]:
    """The rows, each one counted as an item done, with the audio seconds it carries (duration_s)."""
    for row in rows:
        duration = row.get("duration_s") if isinstance(row, dict) else None
        progress.advance(1, float(duration) if isinstance(duration, (int, float)) else 0.0)
        yield row


def read_steps(folder: Path) -> list[StepProgress]:
    """Every step's latest progress in ``folder`` (files being replaced or unreadable are skipped)."""
    steps = []
    for path in sorted(Path(folder).glob("*.json")) if Path(folder).is_dir() else []:
        try:
            steps.append(StepProgress.from_dict(json.loads(path.read_text())))
        except (OSError, ValueError, TypeError):
            continue
    return steps


def quarantine_summary(steps: Iterable[StepProgress]) -> list[str]:
    """One line per stage that quarantined records in these steps: how many, by kind (most first), and
    where they are."""
    by_asset: dict[str, dict[str, int]] = {}
    paths: dict[str, str] = {}
    for step in steps:
        kinds = by_asset.setdefault(step.asset, {})
        for kind, count in step.quarantined.items():
            kinds[kind] = kinds.get(kind, 0) + count
        paths[step.asset] = paths.get(step.asset) or step.quarantine_path
    lines = []
    for asset in sorted(by_asset):
        kinds = by_asset[asset]
        total = sum(kinds.values())
        if not total:
            continue
        detail = ", ".join(f"{kind} {count}" for kind, count in sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0])))
        where = f", see {paths[asset]}" if paths[asset] else ""
        lines.append(f"{asset}: {total} record{'s' if total != 1 else ''} quarantined: {detail}{where}")
    return lines
