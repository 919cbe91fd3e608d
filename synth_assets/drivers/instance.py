"""The Dagster instance every command runs against, and what they share about its runs."""

from __future__ import annotations

import fcntl
from pathlib import Path
from typing import TYPE_CHECKING

from synth_assets import settings

if TYPE_CHECKING:  # Dagster is imported by the first instance, not by this module (backfill workers import it)
    from dagster import DagsterInstance


def quiet(overrides: settings.Overrides = settings.Overrides()) -> dict:
    """The run config of a command's runs: Dagster's console log shows errors only (the command shows
    progress and sums the quarantine up itself), or its warnings too with `--verbose` (SYNTH_VERBOSE)."""
    level = "WARNING" if overrides.verbose_logs() else "ERROR"
    return {"loggers": {"console": {"config": {"log_level": level}}}}


def ensure_instance(home: Path | None = None) -> DagsterInstance:
    """The instance in ``home``: by default DAGSTER_HOME, else a project-local .dagster_home (SQLite)."""
    home = home or settings.dagster_home()
    home.mkdir(parents=True, exist_ok=True)
    # Two commands started at once on a new home would both create its SQLite tables and record two
    # schema heads, which breaks the instance for good; one process at a time sets it up.
    with open(home / ".instance.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        config = home / "dagster.yaml"
        if not config.exists():
            config.write_text("telemetry:\n  enabled: false\n")
        from dagster import DagsterInstance

        return DagsterInstance.from_config(str(home))


def failure_message(result) -> str:
    """The first failed step of a run and its error, in one line."""
    for event in result.all_events:
        if event.is_step_failure:
            error = event.step_failure_data.error
            return f"{event.step_key}: {error.message.strip() if error else 'failed'}"
    return "run failed"
