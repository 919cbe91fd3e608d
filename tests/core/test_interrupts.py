"""Stopping when asked (synth_assets/core/interrupts.py): a held signal arrives after its block, a second
signal or a step stuck past the grace period stops the command at once with the signal's status, and
nothing the command started outlives it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from synth_assets.core.interrupts import deferred_interrupts, kill_tree
from tests.helpers import ends_soon, killed_if_left_running, stop

ROOT = Path(__file__).resolve().parents[2]

# A command stuck where no signal reaches it (inside a deferred block), with an engine-like program
# running below it; it prints the program's pid, then "ready".
STUCK_COMMAND = textwrap.dedent("""\
    import subprocess, sys, time
    from synth_assets.core.interrupts import StopRequests, deferred_interrupts

    with StopRequests(grace_s=float(sys.argv[1]), resume_hint="resume: run it again") as stops:
        child = subprocess.Popen(["sleep", "120"])
        print(child.pid, flush=True)
        with deferred_interrupts():
            print("ready", flush=True)
            time.sleep(120)
    print("not stopped", flush=True)
""")


def start_stuck(grace_s: float) -> tuple[subprocess.Popen, int]:
    process = subprocess.Popen([sys.executable, "-c", STUCK_COMMAND, str(grace_s)], cwd=ROOT, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    child = int(process.stdout.readline())
    assert process.stdout.readline().strip() == "ready"
    return process, child


def test_a_signal_inside_a_deferred_block_arrives_when_the_block_ends():
    reached_the_end = False
    with pytest.raises(KeyboardInterrupt):
        with deferred_interrupts():
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.2)  # the handler would have run here
            reached_the_end = True
    assert reached_the_end


def test_killing_a_tree_ends_the_program_a_process_runs_too():
    shell = subprocess.Popen(["sh", "-c", "sleep 120 & echo $!; wait"], stdout=subprocess.PIPE, text=True)
    grandchild = int(shell.stdout.readline())
    kill_tree(shell.pid)
    shell.wait(timeout=10)
    assert ends_soon(grandchild)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_a_second_signal_stops_at_once_and_ends_what_the_command_started(signum):
    process, child = start_stuck(grace_s=120)
    with killed_if_left_running(process):
        process.send_signal(signum)
        time.sleep(0.5)
        assert process.poll() is None  # held: the first signal waits for the block
        stderr, took = stop(process, signum)
    assert process.returncode == 128 + signum, stderr
    assert took < 60  # long before the block (120 s) would have ended: it did not wait for it
    assert "stopping at once (a second" in stderr and "resume: run it again" in stderr
    assert ends_soon(child)


def test_a_command_still_running_past_the_grace_period_is_stopped_with_the_signals_status():
    process, child = start_stuck(grace_s=0.5)
    with killed_if_left_running(process):
        stderr, took = stop(process, signal.SIGTERM)
    assert process.returncode == 143, stderr
    assert 0.5 <= took < 60  # after the grace, not when the block (120 s) would have ended
    assert "still running 0.5 s after the stop was asked for" in stderr
    assert ends_soon(child)
