"""Ctrl-C and SIGTERM stop `synth materialize`, `synth demo` and `synth backfill` while a model stage is
busy: within 10 s, with 130 / 143 and a line saying how to resume, the runs marked canceled, no engine
program left running, no part of the interrupted step published; and the rerun equals an uninterrupted run.

One shared test (slow: every command starts Dagster and runs the text stages first). The user voices are
flite behind a shell that, while the file named by SYNTH_TEST_HOLD exists, records its pid and sleeps
instead of speaking: the step is busy in the model stage, with an engine program running, when the
signal lands. Without the file they speak, so the final rerun and the reference make real clips.
(`synth export` has its own test: tests/cli/test_export_stopped.py.)"""

from __future__ import annotations

import glob
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import LAKE_TEXT, mediawiki_xml
from prod_stack import ROOT, dataset_digest, local_env

from resources.storage import LocalStorage
from synth_assets.core import names

pytestmark = pytest.mark.slow
PARTITION = "wikipedia/2026-11-01/pages.xml"
COMPARED = (names.CRAWL_SNAPSHOT, names.TEXT_SEGMENTS, names.SPOKEN_TEXT, names.TTS_AUDIO, names.PSEUDO_LABELS,
            names.AUGMENTED_CLIPS, names.INSTRUCTION_DIALOGUES, names.FALSE_PREMISE_DIALOGUES, names.SAFETY_DIALOGUES)
HOLD_SCRIPT = ('if [ -e "$SYNTH_TEST_HOLD" ]; then echo $$ >> "$SYNTH_TEST_HOLD.pids"; exec sleep 120; fi; '
               'exec flite -voice "$0" -f "$1" -o "$2"')


def hold_voices(path: Path) -> Path:
    voices = [{"id": f"hold-{gender}", "engine": "command", "gender": gender, "accent": "en-US",
               "sample_rate": 16000, "license": "test", "engine_voice": voice,
               "command": ["sh", "-c", HOLD_SCRIPT, "{voice}", "{text_file}", "{wav}"]}
              for gender, voice in (("female", "slt"), ("male", "rms"))]
    path.write_text(json.dumps(voices))
    return path


def environment(work: Path, voices: Path, hold: Path) -> dict[str, str]:
    return {**local_env(work, tts_workers=2), "SYNTH_VOICES_FILE": str(voices),
            "SYNTH_USER_VOICES": "hold-female,hold-male", "SYNTH_TEST_HOLD": str(hold)}


def write_landing(root: Path) -> Path:
    folder = root / "wikipedia" / "2026-11-01"
    folder.mkdir(parents=True)
    (folder / "pages.xml").write_text(mediawiki_xml([("Lake Orvin", LAKE_TEXT)]))
    return root


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def stop_while_busy(args: list[str], env: dict[str, str], hold: Path, signum: int, *, group: bool) -> str:
    """Run ``synth args``, wait until an engine program is held in a model stage, send ``signum`` to the
    command's process group (a terminal's Ctrl-C) or to it alone (a container platform), and check how it
    stopped. Returns its stderr."""
    pids = Path(f"{hold}.pids")
    pids.unlink(missing_ok=True)
    hold.write_text("hold")
    process = subprocess.Popen([sys.executable, "-m", "synth_assets.cli", *args], cwd=ROOT, env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        deadline = time.monotonic() + 900
        while not (pids.exists() and pids.read_text().strip()):
            assert process.poll() is None, process.communicate()[1][-3000:]
            assert time.monotonic() < deadline, "no model stage was reached"
            time.sleep(0.2)
        time.sleep(0.5)
        started = time.monotonic()
        if group:
            os.killpg(process.pid, signum)
        else:
            process.send_signal(signum)
        _, stderr = process.communicate(timeout=60)
        took = time.monotonic() - started
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        hold.unlink(missing_ok=True)
    assert process.returncode == 128 + signum, stderr[-3000:]
    assert took < 60, f"stopped after {took:.1f} s"  # the held engine sleeps 120 s: the signal ended it
    assert f"To resume, run `synth --data {args[1]} {args[2]}" in stderr
    engines = [int(p) for p in pids.read_text().split()]
    deadline = time.monotonic() + 10  # a killed process takes a moment to die, longer on a busy machine
    while [p for p in engines if alive(p)] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [p for p in engines if alive(p)], "an engine program outlived the command"
    return stderr


def assert_nothing_half_written(data: Path) -> None:
    """Every part file on disk is one its partition's parts.json publishes (an interrupted step's parts
    were removed, never published), and no temporary file is left."""
    for path in glob.glob(f"{data}/**/part-*.parquet", recursive=True):
        manifest = Path(path).parent / "parts.json"
        assert manifest.exists() and Path(path).name in json.loads(manifest.read_text())["parts"], path
    assert not glob.glob(f"{data}/**/*.tmp", recursive=True)


def assert_runs_ended(home: Path, env: dict[str, str]) -> None:
    """No run is left started or canceling: each succeeded, or was canceled by the stop."""
    script = ("from dagster import DagsterInstance\n"
              "print('\\n'.join(sorted({r.status.value for r in DagsterInstance.get().get_runs()})))")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env={**env, "DAGSTER_HOME": str(home)},
                          capture_output=True, text=True, timeout=300)
    statuses = set(done.stdout.split())
    assert "CANCELED" in statuses and statuses <= {"SUCCESS", "CANCELED"}, done.stdout + done.stderr[-2000:]


def test_ctrl_c_and_sigterm_stop_every_command_in_a_model_stage_and_the_rerun_equals_an_uninterrupted_run(
        tmp_path):
    voices = hold_voices(tmp_path / "voices.json")
    landing = write_landing(tmp_path / "landing")
    work = tmp_path / "stopped"
    hold = tmp_path / "hold"
    env = environment(work, voices, hold)
    data = str(work / "data")

    stderr = stop_while_busy(["--data", data, "materialize", "--landing", str(landing)], env, hold,
                             signal.SIGINT, group=True)
    assert "SIGINT received, stopping" in stderr
    stop_while_busy(["--data", data, "materialize", "--landing", str(landing)], env, hold, signal.SIGTERM,
                    group=False)
    stop_while_busy(["--data", data, "backfill", "--landing", str(landing)], env, hold, signal.SIGINT, group=True)
    stop_while_busy(["--data", data, "backfill", "--landing", str(landing), "--workers", "2"], env, hold,
                    signal.SIGTERM, group=False)
    stop_while_busy(["--data", str(work / "demo"), "demo"], env, hold, signal.SIGTERM, group=True)
    assert_nothing_half_written(work / "data")
    assert_nothing_half_written(work / "demo")
    assert_runs_ended(work / "home", env)

    resumed = subprocess.run([sys.executable, "-m", "synth_assets.cli", "--data", data, "materialize", "--landing",
                              str(landing)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=1500)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    reference = tmp_path / "reference"
    done = subprocess.run([sys.executable, "-m", "synth_assets.cli", "--data", str(reference / "data"), "materialize",
                           "--landing", str(landing)], cwd=ROOT, env=environment(reference, voices, hold),
                          capture_output=True, text=True, timeout=1500)
    assert done.returncode == 0, done.stderr[-3000:]
    digest = {**dataset_digest(LocalStorage(root=data), COMPARED, [PARTITION], audio=True),
              **dataset_digest(LocalStorage(root=data), (names.SPEECH_DATASET,), [None], audio=True)}
    expected = {**dataset_digest(LocalStorage(root=str(reference / "data")), COMPARED, [PARTITION], audio=True),
                **dataset_digest(LocalStorage(root=str(reference / "data")), (names.SPEECH_DATASET,), [None],
                                 audio=True)}
    assert digest[f"{names.TTS_AUDIO}/{PARTITION}"], "the rerun voiced nothing"
    assert digest == expected
