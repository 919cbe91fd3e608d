"""Live progress of a long command (`synth demo`, `materialize`, `backfill`, `export`), read from the
progress files its running steps write (core/progress.py), wherever they run: in this process or in
the backfill's worker processes.

On a terminal: a rich display, one bar per running step (partition and stage: items done out of the
total, audio seconds made, ETA) and a line of what has finished. Otherwise (a log file, a pipe, or
``--json``): plain lines on stderr, at most one per step every ``every_s`` seconds, and a line saying
what is still running when nothing changed for ``quiet_s`` seconds. At the end, the quarantine of the
command's steps, summarised per stage.
"""

from __future__ import annotations

import contextlib
import shutil
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Callable, Iterator, TextIO

from synth_assets.core.progress import DONE, FAILED, REUSED, RUNNING, StepProgress
from synth_assets.core.progress import quarantine_summary, read_steps


POLL_S = 1.0


def duration(seconds: float) -> str:
    """A short duration: 45s, 3m05s, 1h02m."""
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


def eta_seconds(step: StepProgress, now: float) -> float | None:
    """Seconds the step still needs at the rate it has gone so far; None when that cannot be told. The
    rate is taken from the first item done on, when it can be: loading a model (Whisper's first batch
    waits most of a minute) says nothing about how fast the rest goes."""
    if step.state != RUNNING or not step.total or step.done <= 0:
        return None
    left = max(step.total - step.done, 0)
    if step.first_at:
        if step.done < 2 or now - step.first_at < 1:
            return None  # one item says how long the warm-up took, not the rate
        return left * (now - step.first_at) / (step.done - 1)
    elapsed = now - step.started
    return left * elapsed / step.done if elapsed >= 1 else None


def describe(step: StepProgress, now: float) -> str:
    """What a step has done, in one line: "wikipedia/2026-11-01/0 tts_audio 120/400, 312 s audio, ETA 2m10s"."""
    name = f"{step.partition} {step.asset}" if step.partition else step.asset
    if step.state == REUSED:
        return f"{name}: unchanged, stored parts reused"
    count = f"{step.done}/{step.total}" if step.total is not None else f"{step.done}"
    audio = f", {step.audio_s:.0f} s audio" if step.audio_s else ""
    quarantined = sum(step.quarantined.values())
    held = f", {quarantined} quarantined" if quarantined else ""
    if step.state == DONE:
        return f"{name}: done, {count} items{audio}{held} in {duration(step.updated - step.started)}"
    if step.state == FAILED:
        return f"{name}: FAILED after {count} items"
    eta = eta_seconds(step, now)
    return (f"{name}: {count}{audio}{held}, {duration(now - step.started)} so far"
            + (f", ETA {duration(eta)}" if eta is not None else ""))


class PlainLines:
    """Progress as plain lines: a step's line when it changed, at most every ``every_s`` seconds per
    step (a step's start and end at once), and when nothing was said for ``quiet_s`` seconds while
    steps run, a line for each of them. ``now`` is handed in, so a test feeds its own clock."""

    def __init__(self, write: Callable[[str], None], every_s: float = 5.0, quiet_s: float = 25.0):
        self.write, self.every_s, self.quiet_s = write, every_s, quiet_s
        self.said: dict[tuple[str, str], tuple[float, tuple]] = {}  # step -> (when, what) last said
        self.last_line: float | None = None

    def update(self, steps: list[StepProgress], now: float) -> None:
        if self.last_line is None:
            self.last_line = now
        spoke = False
        for step in steps:
            seen = (step.state, step.done, step.total, round(step.audio_s, 1))
            when, what = self.said.get(step.key, (None, None))
            if what == seen:
                continue
            first_or_last = when is None or step.state != RUNNING
            if first_or_last or now - when >= self.every_s:
                if step.state == REUSED and when is None:
                    self.said[step.key] = (now, seen)  # a reused step is counted at the end, not a line each
                    continue
                self.write(f"[progress] {describe(step, now)}")
                self.said[step.key] = (now, seen)
                spoke = True
        running = [step for step in steps if step.state == RUNNING]
        if not spoke and now - self.last_line >= self.quiet_s:
            for step in running:
                self.write(f"[progress] {describe(step, now)}")
            if not running:  # between steps: a run starting, models loading, the release gathering
                self.write(f"[progress] {len(steps)} steps finished, the next one starting")
            spoke = True
        if spoke:
            self.last_line = now

    def close(self, steps: list[StepProgress], now: float) -> None:
        self.update(steps, now)
        if steps:  # no audio total: a clip's seconds are counted again by each stage that handles it
            counts = {state: sum(s.state == state for s in steps) for state in (DONE, REUSED, FAILED)}
            self.write(f"[progress] {len(steps)} steps: {counts[DONE]} done, {counts[REUSED]} unchanged, "
                       f"{counts[FAILED]} failed")


class RichBoard:
    """Progress on a terminal: a bar per running step, and a line for the steps that finished."""

    def __init__(self, stream: TextIO):
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self.progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("{task.fields[audio]}"), TextColumn("{task.fields[eta]}"),
                                 console=Console(file=stream), refresh_per_second=2, transient=False)
        self.overall = self.progress.add_task("finished steps", total=None, audio="", eta="")
        self.tasks: dict[tuple[str, str], int] = {}
        self.progress.start()

    def update(self, steps: list[StepProgress], now: float) -> None:
        finished = [s for s in steps if s.state != RUNNING]
        self.progress.update(self.overall, completed=len(finished), total=len(steps) or None,
                             eta=f"{sum(s.state == FAILED for s in finished)} failed" if any(
                                 s.state == FAILED for s in finished) else "")
        for step in steps:
            task = self.tasks.get(step.key)
            if step.state != RUNNING:
                if task is not None:
                    self.progress.remove_task(task)
                    self.tasks[step.key] = -1
                continue
            if task is None:
                task = self.tasks[step.key] = self.progress.add_task(f"{step.partition or ''} {step.asset}".strip(),
                                                                     total=step.total, audio="", eta="")
            if task < 0:
                continue
            eta = eta_seconds(step, now)
            self.progress.update(task, completed=step.done, total=step.total,
                                 audio=f"{step.audio_s:.0f} s audio" if step.audio_s else "",
                                 eta=f"ETA {duration(eta)}" if eta is not None else duration(now - step.started))

    def close(self, steps: list[StepProgress], now: float) -> None:
        self.update(steps, now)
        self.progress.stop()


def board_for(stream: TextIO, *, plain: bool) -> PlainLines | RichBoard:
    """Rich bars on a terminal; plain lines otherwise, or when asked (``--json``)."""
    if plain or not _is_terminal(sys.stdout) or not _is_terminal(stream):
        return PlainLines(lambda line: print(line, file=stream, flush=True))
    return RichBoard(stream)


def _is_terminal(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


@contextlib.contextmanager
def watching(root: Path | None, *, plain: bool = False, stream: TextIO | None = None,
             poll_s: float = POLL_S) -> Iterator[Path]:
    """Show the progress of the steps this command runs while the block runs: a fresh progress folder
    under ``root`` (the instance's folder; a temporary one when None, for a command that runs no
    Dagster run), yielded for the command to hand its steps (`Overrides.progress`, which its runs carry
    in a tag), read every ``poll_s`` seconds. Afterwards, the quarantine summary; the folder is removed."""
    stream = stream or sys.stderr
    if root is None:
        folder = Path(tempfile.mkdtemp(prefix="synth-progress-"))
    else:
        folder = Path(root) / "progress" / uuid.uuid4().hex[:12]
        folder.mkdir(parents=True, exist_ok=True)
    board = board_for(stream, plain=plain)
    stop = threading.Event()

    def poll() -> None:
        while not stop.wait(poll_s):
            with contextlib.suppress(Exception):  # the display never stops the command
                board.update(read_steps(folder), time.time())

    thread = threading.Thread(target=poll, name="synth-progress", daemon=True)
    thread.start()
    try:
        yield folder
    finally:
        stop.set()
        thread.join(timeout=5)
        steps = read_steps(folder)
        with contextlib.suppress(Exception):
            board.close(steps, time.time())
        for line in quarantine_summary(steps):
            print(line, file=stream, flush=True)
        shutil.rmtree(folder, ignore_errors=True)
        if root is not None:
            with contextlib.suppress(OSError):
                folder.parent.rmdir()  # when no other command is watching its runs
