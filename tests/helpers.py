"""What several tests share: sending a signal to a command a test started, timing how it ends, and never
leaving it running (tests/core/test_interrupts.py, tests/cli/test_export_stopped.py); a partition of
spoken text stored and registered, ready for `tts_audio` (tests/assets, tests/orchestration)."""

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


def stored_spoken_text(store, key: str, count: int):
    """``count`` short user sentences stored as ``key``'s spoken_text, and an ephemeral instance that knows
    the partition: what a `tts_audio` materialization needs upstream."""
    from dagster import DagsterInstance

    from synth_assets.core import parts

    rows = [{"id": f"spo-{i}", "parent_id": f"seg-{i}", "stage": "spoken_text", "role": "user",
             "text": f"Sentence number {i} is short.", "source": "tests", "snapshot": "2026-11-01",
             "document_id": "doc", "license": "CC0"} for i in range(count)]
    parts.write_parts(store, "spoken_text", key, rows, fingerprint_value="fixture")
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("crawl_shards", [key])
    return instance
