"""Stopping a command when asked: SIGINT (Ctrl-C) and SIGTERM (what a container platform or a job
scheduler sends first).

- The first signal asks for a stop. Code running when it lands is interrupted (``Interrupted``, a
  ``KeyboardInterrupt``; inside a Dagster step, Dagster's own handler raises its interrupt error), and
  whoever registered with ``StopRequests.watch`` is told at once, from a watcher thread: the
  orchestration marks its runs canceling and forwards the stop to its worker processes.
- If the process has not ended ``grace_s`` seconds later, or a second signal comes, it stops at once:
  runs are marked canceled, every process it started (TTS workers, engine programs, backfill workers)
  is killed, and it exits with 128 + the signal's number (130 for SIGINT, 143 for SIGTERM).

Dagster swaps the SIGINT/SIGTERM handlers while it executes a run, so the signals are counted from the
interpreter's wakeup fd, which every Python-level handler writes to, whichever one is installed.

``deferred_interrupts()`` holds a signal back across a few lines that must not be cut in half (the
publish of a release's parts and its manifest); it is delivered when they are done.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Callable, Iterator

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
# Sent to the main thread to wake it: the kernel may hand SIGINT to any thread, and a main thread asleep
# in select() or a lock (waiting on TTS workers, say) would then run the Python handler only when it wakes.
# Ignored by default, so a stray one does nothing.
NUDGE = signal.SIGURG
HARD_STOP_CALLBACK_S = 3.0  # what a hard stop gives its callbacks (marking runs canceled) before it kills
DEFERRED_EXTRA_S = 5.0  # how long the grace timer waits on a deferred section before it stops at once


def signal_name(signum: int) -> str:
    return signal.Signals(signum).name


def exit_status(signum: int) -> int:
    """The shell's convention: 128 + the signal number (130 for SIGINT, 143 for SIGTERM)."""
    return 128 + int(signum)


class Interrupted(KeyboardInterrupt):
    """The command was asked to stop by ``signum``."""

    def __init__(self, signum: int):
        super().__init__(int(signum))  # the number alone: it crosses process boundaries pickled
        self.signum = int(signum)

    def __str__(self) -> str:
        return f"stopped by {signal_name(self.signum)}"

    @property
    def exit_status(self) -> int:
        return exit_status(self.signum)


# --- processes ---------------------------------------------------------------------------------------

def _parents() -> dict[int, int]:
    """pid -> parent pid, for every process visible in /proc."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # gone meanwhile
            continue
        fields = stat.rsplit(")", 1)[1].split()  # the name, in parentheses, may hold spaces
        found[int(entry.name)] = int(fields[1])
    return found


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (children, their children...), parents before their children."""
    children: dict[int, list[int]] = {}
    for child, parent in _parents().items():
        children.setdefault(parent, []).append(child)
    found, queue = [], list(children.get(pid, []))
    while queue:
        child = queue.pop(0)
        found.append(child)
        queue += children.get(child, [])
    return found


def kill_tree(pid: int, *, include_root: bool = True, sig: int = signal.SIGKILL) -> list[int]:
    """Kill ``pid`` and everything below it; the tree is read first, so no child escapes by being
    re-parented when its parent dies. Returns the pids signalled."""
    targets = descendants(pid) + ([pid] if include_root else [])
    for target in targets:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(target, sig)
    return targets


# --- held back signals ----------------------------------------------------------------------------------

_deferring = 0  # deferred sections open in the main thread


def _deliver(signum: int, handler) -> None:
    if callable(handler):
        handler(signum, None)
    elif handler == signal.SIG_DFL:
        if signum == signal.SIGINT:
            raise KeyboardInterrupt
        os.kill(os.getpid(), signum)


@contextlib.contextmanager
def deferred_interrupts() -> Iterator[None]:
    """SIGINT and SIGTERM wait until the block is done, then act as they would have (in a Dagster step:
    the step's interrupt). Keep the block short: a few writes. Outside the main thread, signals never
    reach the code anyway, so this does nothing."""
    global _deferring
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {signum: signal.getsignal(signum) for signum in STOP_SIGNALS}
    caught: list[int] = []
    for signum in STOP_SIGNALS:
        signal.signal(signum, lambda number, frame: caught.append(number))
    _deferring += 1
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        _deferring -= 1
        if caught:
            _deliver(caught[0], previous[caught[0]])


# --- the stop requests of one command ---------------------------------------------------------------------

Callback = Callable[[], None]


class StopRequests:
    """Installed by a long command (`synth materialize`, `backfill`, `export`...) in its main thread."""

    def __init__(self, *, grace_s: float, resume_hint: str = "", log: Callable[[str], None] | None = None,
                 exit: Callable[[int], None] = os._exit):
        self.grace_s = grace_s
        self.resume_hint = resume_hint
        self.signum: int | None = None
        self._log = log or self._write_stderr
        self._stderr = -1  # the terminal's stderr: during a step, Dagster sends fd 2 to its compute log
        self._exit = exit
        self._lock = threading.Lock()
        self._watchers: dict[int, tuple[Callback | None, Callback | None]] = {}
        self._next_token = 0
        self._stopping_now = False
        self._pipe: tuple[int, int] | None = None
        self._previous: dict[int, object] = {}
        self._previous_fd = -1
        self._main: int | None = None
        self._timer: threading.Timer | None = None

    # installing
    def _write_stderr(self, message: str) -> None:
        with contextlib.suppress(OSError):
            os.write(self._stderr if self._stderr >= 0 else 2, (message + "\n").encode())

    def install(self) -> "StopRequests":
        global _active
        self._stderr = os.dup(2)
        read, write = os.pipe()
        for fd in (read, write):
            fcntl.fcntl(fd, fcntl.F_SETFD, fcntl.FD_CLOEXEC)
        os.set_blocking(write, False)
        self._pipe = (read, write)
        self._previous = {signum: signal.getsignal(signum) for signum in STOP_SIGNALS}
        for signum in STOP_SIGNALS:
            signal.signal(signum, self._raise)
        self._previous[NUDGE] = signal.signal(NUDGE, lambda number, frame: None)
        self._main = threading.main_thread().ident
        self._previous_fd = signal.set_wakeup_fd(write, warn_on_full_buffer=False)
        threading.Thread(target=self._watch, args=(read,), name="synth-stop-watcher", daemon=True).start()
        _active = self
        return self

    def uninstall(self) -> None:
        global _active
        if self._pipe is None:
            return
        if self._timer is not None:  # the command ended on its own meanwhile
            self._timer.cancel()
        signal.set_wakeup_fd(self._previous_fd)
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        os.close(self._pipe[1])  # the watcher reads end-of-file and ends
        self._pipe = None
        with contextlib.suppress(OSError):
            os.close(self._stderr)
        self._stderr = -1
        if _active is self:
            _active = None

    def __enter__(self) -> "StopRequests":
        return self.install()

    def __exit__(self, *exc) -> None:
        self.uninstall()

    # asking
    @property
    def requested(self) -> bool:
        return self.signum is not None

    def check(self) -> None:
        """Raise ``Interrupted`` once a stop was asked for (between runs, say)."""
        if self.signum is not None:
            raise Interrupted(self.signum)

    def watch(self, on_stop: Callback | None = None, on_abandon: Callback | None = None) -> int:
        """``on_stop`` runs (in the watcher thread) when a stop is asked for, at once if it already
        was; ``on_abandon`` before a stop at once kills everything. Returns a token for ``unwatch``."""
        with self._lock:
            token = self._next_token
            self._next_token += 1
            self._watchers[token] = (on_stop, on_abandon)
            asked = self.signum is not None
        if asked and on_stop is not None:
            self._call(on_stop)
        return token

    def unwatch(self, token: int) -> None:
        with self._lock:
            self._watchers.pop(token, None)

    # what the signals do
    def _raise(self, signum, frame) -> None:
        raise Interrupted(signum)

    def _watch(self, read: int) -> None:
        while True:
            try:
                data = os.read(read, 64)
            except OSError:
                break
            if not data:
                break
            for signum in data:
                if signum in STOP_SIGNALS:
                    self._received(signum)
        os.close(read)

    def _received(self, signum: int) -> None:
        if self.signum is not None:
            self.stop_now(f"a second {signal_name(signum)}")
            return
        self.signum = signum
        again = "press Ctrl-C again" if signum == signal.SIGINT else "send SIGTERM again"
        self._log(f"synth: {signal_name(signum)} received, stopping: the running step is canceled and nothing "
                  f"half-made is kept ({again} to stop at once)")
        self._timer = threading.Timer(self.grace_s, self._grace_over)
        self._timer.daemon = True
        self._timer.start()
        with self._lock:
            callbacks = [on_stop for on_stop, _ in self._watchers.values() if on_stop is not None]
        # In a thread of their own, so a second signal is heard at once even while they wait on a database.
        threading.Thread(target=self._first_stop, args=(callbacks,), name="synth-stop", daemon=True).start()

    def _first_stop(self, callbacks: list[Callback]) -> None:
        """The watchers first (the runs marked canceling before the interrupt reaches Dagster, so it
        records them as canceled), for at most a second; then the main thread is woken to take it."""
        told = threading.Thread(target=lambda: [self._call(c) for c in callbacks], daemon=True)
        told.start()
        told.join(1.0)
        with contextlib.suppress(OSError):
            signal.pthread_kill(self._main, NUDGE)  # the main thread now runs the handler (the interrupt)

    def _grace_over(self) -> None:
        deadline = time.monotonic() + DEFERRED_EXTRA_S
        while _deferring and time.monotonic() < deadline:  # a publish in progress: let it finish
            time.sleep(0.05)
        if self._pipe is None:  # the command ended on its own meanwhile
            return
        self.stop_now(f"still running {self.grace_s:g} s after the stop was asked for")

    def _call(self, callback: Callback) -> None:
        try:
            callback()
        except Exception as error:  # a stop must go on whatever one watcher does
            self._log(f"synth: while stopping: {type(error).__name__}: {error}")

    def exit_now(self, status: int) -> None:
        """End a stopped command: what is left of its processes (idle TTS workers, Dagster's log tailers,
        the forkserver) is killed, and the interpreter's teardown skipped (native libraries' exit
        handlers took 6 s more)."""
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        kill_tree(os.getpid(), include_root=False)
        self._exit(status)

    def stop_now(self, why: str) -> None:
        """Mark what can be marked (bounded in time), kill every process this one started, exit."""
        with self._lock:
            if self._stopping_now:
                return
            self._stopping_now = True
            callbacks = [on_abandon for _, on_abandon in self._watchers.values() if on_abandon is not None]
        signum = self.signum or signal.SIGTERM
        self._log(f"synth: stopping at once ({why})")
        helper = threading.Thread(target=lambda: [self._call(c) for c in callbacks], daemon=True)
        helper.start()
        helper.join(HARD_STOP_CALLBACK_S)
        if self.resume_hint:
            self._log(self.resume_hint)
        self.exit_now(exit_status(signum))


_active: StopRequests | None = None


def active() -> StopRequests | None:
    """The installed stop requests of this process, if a command installed them."""
    return _active
