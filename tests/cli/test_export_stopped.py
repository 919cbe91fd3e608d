"""`synth export` stopped by Ctrl-C or SIGTERM half-way: the folder is left as it was, the command exits
130 / 143 with how to resume, and the rerun writes the same export an uninterrupted one does.

The export is held half-way for real: one of the release's part files is swapped for a named pipe, so
the exporter has written the first part's samples and waits, reading, when the signal lands."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from synth_assets.core import parts
from synth_assets.release.versions import create_release, release_part_keys
from tests.helpers import killed_if_left_running, stop
from tests.release.samples import store_fixture  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]


def export(data: Path, out: Path, fmt: str = "nemo") -> subprocess.Popen:
    env = {**os.environ, "SYNTH_DEPLOYMENT": "local"}
    return subprocess.Popen([sys.executable, "-m", "synth_assets.cli", "--data", str(data), "export", "--release", "v1",
                             "--format", fmt, "--out", str(out)], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def files_under(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def wait_for_staged_audio(out: Path, process: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not list(out.glob(".nemo.partial-*/nemo/audio/*.flac")):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the export never started writing"
        time.sleep(0.1)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_an_export_stopped_half_way_leaves_its_folder_as_it_was_and_the_rerun_is_whole(
        store, tmp_path, monkeypatch, signum):
    monkeypatch.setattr(parts, "ROWS_PER_PART", 3)  # the release in three parts: the export can stop between
    create_release(store, "v1", rate_mos=False)
    data = Path(store.root)
    reference = tmp_path / "reference"
    done = export(data, reference)
    assert done.wait(timeout=300) == 0, done.communicate()

    held = data / release_part_keys(store, "v1")[1]
    saved = held.read_bytes()
    held.unlink()
    os.mkfifo(held)
    out = tmp_path / "export"
    out.mkdir()
    (out / "notes.txt").write_text("kept")  # a folder holding an earlier export of v1 keeps its files
    (out / "synth_release.json").write_text('{"release": "v1"}')
    before = files_under(out)
    process = export(data, out)
    with killed_if_left_running(process):
        wait_for_staged_audio(out, process)
        stderr, _ = stop(process, signum)  # the export waits on the FIFO forever: ending at all is the stop's doing
    assert process.returncode == 128 + signum, stderr
    assert "To resume, run `synth --data" in stderr and " export --release v1 " in stderr
    assert files_under(out) == before  # no staging folder, no half of nemo/
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt", "synth_release.json"]

    held.unlink()
    held.write_bytes(saved)
    rerun = export(data, out)
    assert rerun.wait(timeout=300) == 0, rerun.communicate()
    assert files_under(out / "nemo") == files_under(reference / "nemo")


def test_an_export_into_a_new_folder_stopped_half_way_leaves_no_folder(store, tmp_path, monkeypatch):
    monkeypatch.setattr(parts, "ROWS_PER_PART", 3)
    create_release(store, "v1", rate_mos=False)
    data = Path(store.root)
    held = data / release_part_keys(store, "v1")[1]
    held.unlink()
    os.mkfifo(held)
    out = tmp_path / "new" / "export"
    process = export(data, out)
    with killed_if_left_running(process):
        wait_for_staged_audio(out, process)
        stderr, _ = stop(process, signal.SIGINT)
    assert process.returncode == 130, stderr
    assert not out.exists()
