"""Dagster runs that stop with the command: when the command is asked to stop (SIGINT, SIGTERM; see
synth_assets/core/interrupts.py) its unfinished runs are marked canceling at once, which is what lets
Dagster record the interrupted run as canceled (the web UI's terminate does the same); a run that ended
otherwise after the stop is marked canceled with the reason, and one the command had to abandon too."""

from __future__ import annotations

import contextlib
from typing import Iterator

from dagster import DagsterInstance, DagsterRunStatus, RunsFilter

from synth_assets.core import interrupts

UNFINISHED = (DagsterRunStatus.QUEUED, DagsterRunStatus.NOT_STARTED, DagsterRunStatus.STARTING,
              DagsterRunStatus.STARTED)
KEPT = (DagsterRunStatus.SUCCESS, DagsterRunStatus.CANCELED)


def reason(signum: int) -> str:
    how = "Ctrl-C" if signum == interrupts.signal.SIGINT else interrupts.signal_name(signum)
    return f"stopped from the command line ({how}); a rerun of the command resumes"


@contextlib.contextmanager
def canceled_on_stop(instance: DagsterInstance, tags: dict[str, str]) -> Iterator[None]:
    """Every run carrying ``tags`` (a tag unique to this command) stops with the command."""
    stops = interrupts.active()
    if stops is None:
        yield
        return

    def runs():
        return instance.get_runs(filters=RunsFilter(tags=tags))

    ended_before: set[str] = set()  # runs that had ended when the stop came: they keep their status

    def mark_canceling() -> None:
        found = runs()
        ended_before.update(run.run_id for run in found if run.is_finished)
        for run in found:
            if run.status in UNFINISHED:
                instance.report_run_canceling(run, message=reason(stops.signum))

    def mark_canceled() -> None:
        for run in runs():
            if not run.is_finished or run.status == DagsterRunStatus.CANCELING:
                instance.report_run_canceled(run, message=reason(stops.signum))

    token = stops.watch(mark_canceling, mark_canceled)
    try:
        yield
    finally:
        stops.unwatch(token)
        if stops.requested:
            for run in runs():
                if run.run_id not in ended_before and run.status not in KEPT:  # failed by the interrupt
                    instance.report_run_canceled(run, message=reason(stops.signum))


def stop_point() -> None:
    """Between runs: raise ``Interrupted`` once the command was asked to stop (a run interrupted in a
    step returns like a failed one, so the loop over partitions must not go on to the next)."""
    stops = interrupts.active()
    if stops is not None:
        stops.check()
