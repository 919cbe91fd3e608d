"""Same inputs, same dataset: the graph run from empty data roots with one TTS worker or two, or
killed with SIGKILL inside tts_audio or pseudo_labels and run again, makes the same release,
sample by sample (ids, audio bytes, labels).

Each run is ``synth materialize`` in a subprocess of its own, with its own Dagster home and data
root, on a small landing zone this module writes; a kill waits for the step's start in the run's
own Dagster event log.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import write_tiny_landing

from resources.storage import LocalStorage
from synth_assets.core import names, parts

pytestmark = pytest.mark.slow

PROJECT = Path(__file__).resolve().parents[2]
RUN_TIMEOUT_S = 1800
LABEL_COLUMNS = ("kind", "transcript", "wer", "words")


@dataclass(frozen=True)
class Comparison:
    """Two releases side by side: what a note's table shows."""

    samples: tuple[int, int]
    ids_equal: bool
    bytes_equal: bool
    labels_equal: bool
    differing: tuple[str, ...]  # ids whose bytes or labels differ, or that only one release has

    def row(self, name: str) -> str:
        return (f"| {name} | {self.samples[0]} / {self.samples[1]} | {self.ids_equal} | {self.bytes_equal} "
                f"| {self.labels_equal} |")


def graph_command(landing: Path) -> list[str]:
    return [sys.executable, "-m", "synth_assets.cli", "--data", "data", "materialize", "--landing", str(landing)]


def graph_env(root: Path, workers: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("SYNTH_DATA_ROOT", "SYNTH_LANDING")}
    env.update(DAGSTER_HOME=str(root / "dagster_home"), SYNTH_MLFLOW="0", SYNTH_TTS_WORKERS=str(workers),
               SYNTH_TTS_POOL_MIN_CLIPS="0")  # the worker pool runs however few clips there are
    return env


def start_graph(landing: Path, root: Path, workers: int) -> subprocess.Popen:
    """``synth materialize`` with its own process group, so a kill reaches its TTS workers too."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "data").mkdir(exist_ok=True)
    return subprocess.Popen(graph_command(landing), cwd=root, env={**graph_env(root, workers), "PYTHONPATH": str(PROJECT)},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)


def run_graph(landing: Path, root: Path, workers: int) -> LocalStorage:
    process = start_graph(landing, root, workers)
    output, _ = process.communicate(timeout=RUN_TIMEOUT_S)
    assert process.returncode == 0, output[-3000:]
    return LocalStorage(root=str(root / "data"))


def steps_seen(root: Path) -> tuple[list[str], list[str]]:
    """(steps started, steps finished) across the runs recorded in ``root``'s Dagster home, read
    from the runs' SQLite event logs without opening an instance (which would race the running
    process's own set-up of those files)."""
    started, finished = [], []
    for log in sorted((root / "dagster_home" / "history" / "runs").glob("*.db")):
        try:
            with contextlib.closing(sqlite3.connect(f"file:{log}?mode=ro", uri=True)) as db:
                events = db.execute("SELECT step_key, dagster_event_type FROM event_logs "
                                    "WHERE dagster_event_type IN ('STEP_START', 'STEP_SUCCESS')").fetchall()
        except sqlite3.Error:  # a run's log being created: read it next time
            continue
        for step, kind in events:
            (started if kind == "STEP_START" else finished).append(step)
    return started, finished


def kill_inside(landing: Path, root: Path, workers: int, step: str, occurrence: int) -> None:
    """Start the graph and SIGKILL it (and its workers) while ``step`` runs for the ``occurrence``-th time."""
    process = start_graph(landing, root, workers)
    try:
        deadline = time.monotonic() + RUN_TIMEOUT_S
        while time.monotonic() < deadline:
            assert process.poll() is None, f"the run ended before {step} started: {process.stdout.read()[-3000:]}"
            started, finished = steps_seen(root)
            if started.count(step) >= occurrence:
                assert finished.count(step) < occurrence, f"{step} finished before the kill"
                break
            time.sleep(0.3)
        else:
            pytest.fail(f"{step} never started")
        time.sleep(1.0)  # inside the step's work, not at its edge
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL
    started, finished = steps_seen(root)
    assert finished.count(step) < occurrence, f"{step} finished before the kill landed"


def release(store: LocalStorage) -> dict[str, dict]:
    rows = parts.read_rows(store, names.SPEECH_DATASET, None, columns=["id", "audio", *LABEL_COLUMNS])
    return {row["id"]: row for row in rows}


def compare(first: LocalStorage, second: LocalStorage) -> Comparison:
    a, b = release(first), release(second)
    shared = sorted(set(a) & set(b))
    audio = [i for i in shared if a[i]["audio"] != b[i]["audio"]]
    labels = [i for i in shared if any(a[i][c] != b[i][c] for c in LABEL_COLUMNS)]
    return Comparison((len(a), len(b)), set(a) == set(b), not audio, not labels,
                      tuple(sorted(set(a) ^ set(b))) + tuple(sorted(set(audio) | set(labels))))


@pytest.fixture(scope="module")
def landing(tmp_path_factory) -> Path:
    return write_tiny_landing(tmp_path_factory.mktemp("repro") / "landing")


@pytest.fixture(scope="module")
def uninterrupted(landing, tmp_path_factory) -> LocalStorage:
    """The reference: one run to the end from an empty data root, voiced in process."""
    return run_graph(landing, tmp_path_factory.mktemp("one_worker"), workers=1)


def assert_same_release(reference: LocalStorage, other: LocalStorage, name: str) -> None:
    result = compare(reference, other)
    print(f"\n| comparison | samples | ids equal | bytes equal | labels equal |\n|---|---|---|---|---|\n"
          f"{result.row(name)}")
    assert result.samples[0] > 20 and all(kind in {r['kind'] for r in release(reference).values()}
                                          for kind in ("clip", "augmented", "safety"))
    assert (result.ids_equal, result.bytes_equal, result.labels_equal) == (True, True, True), result.differing[:10]


def test_two_runs_from_empty_roots_with_one_and_two_workers_make_the_same_release(landing, uninterrupted, tmp_path):
    two_workers = run_graph(landing, tmp_path / "two_workers", workers=2)
    assert_same_release(uninterrupted, two_workers, "1 worker vs 2 workers, empty roots")


@pytest.mark.parametrize("step", [names.TTS_AUDIO, names.PSEUDO_LABELS])
def test_a_run_killed_inside_a_stage_and_run_again_makes_the_same_release(landing, uninterrupted, tmp_path, step):
    # Killed in the second partition's step: the first partition is stored whole, the second is not.
    kill_inside(landing, tmp_path / "killed", workers=2, step=step, occurrence=2)
    rerun = run_graph(landing, tmp_path / "killed", workers=2)
    assert_same_release(uninterrupted, rerun, f"SIGKILL inside {step}, then rerun")
