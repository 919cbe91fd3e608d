"""What the stop tests share: sending a signal to a command a test started, timing how it ends, and never
leaving it running (tests/core/test_interrupts.py, tests/cli/test_export_stopped.py)."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def killed_if_left_running(process: subprocess.Popen) -> Iterator[subprocess.Popen]:
    """Whatever the test asserts inside, the command does not outlive it."""
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()


def stop(process: subprocess.Popen, signum: int, timeout: float = 30) -> tuple[str, float]:
    """Send ``signum`` and wait for the command to end: its stderr, and the seconds it took to end."""
    started = time.monotonic()
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=timeout)
    return stderr, time.monotonic() - started


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def ends_soon(pid: int, timeout: float = 10) -> bool:
    """A killed process takes a moment to die, longer on a busy machine."""
    deadline = time.monotonic() + timeout
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not alive(pid)
