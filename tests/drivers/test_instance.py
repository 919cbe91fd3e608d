"""The Dagster instance a command opens under DAGSTER_HOME."""

from __future__ import annotations

import multiprocessing

from synth_assets.drivers.runner import ensure_instance


def _open_at_once(home: str, barrier, answers) -> None:
    import os

    os.environ["DAGSTER_HOME"] = home
    barrier.wait()  # every process asks for the new instance at the same moment
    try:
        ensure_instance().get_runs(limit=1)
        answers.put("ok")
    except Exception as error:  # noqa: BLE001 - the answer is what the test reports
        answers.put(f"{type(error).__name__}: {error}"[:300])


def test_four_commands_started_at_once_on_a_new_home_all_get_a_working_instance(tmp_path, monkeypatch):
    # Without the set-up lock, two of four processes creating the SQLite tables at once fail
    # ("table alembic_version already exists"), and the home can be left with two schema heads.
    context = multiprocessing.get_context("fork")
    barrier, answers = context.Barrier(4), context.Queue()
    processes = [context.Process(target=_open_at_once, args=(str(tmp_path / "home"), barrier, answers))
                 for _ in range(4)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
    assert [answers.get(timeout=5) for _ in processes] == ["ok"] * 4
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    assert ensure_instance().get_runs(limit=1) == []  # and the home stays usable afterwards
