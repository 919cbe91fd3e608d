"""The production profile on this machine, for real: a fresh PostgreSQL database, a Redis database as
the celery broker, an S3 server (moto) holding the landing zone and the storage root, dagster-celery
workers in their own processes (benchmarks/production_stack.py, shared with the benchmarks), and
`synth backfill` run as a user runs it."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.production_stack import (  # noqa: F401 (the tests import them from here)
    BIN,
    PG,
    ROOT,
    celery_workers,
    fresh_postgres_database,
    new_bucket,
    production_environment,
    upload_folder,
)
from benchmarks.production_stack import stop_group as _stop_group  # noqa: F401


def synth(args: list[str], env: dict[str, str], timeout: float = 1500,
          cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "synth_assets.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


def local_env(work: Path, tts_workers: int = 1) -> dict[str, str]:
    """A local-profile run of its own (Dagster home under ``work``) that voices with ``tts_workers``
    processes however few clips a partition has, so a test can compare one worker with two."""
    env = {k: v for k, v in os.environ.items() if k not in ("SYNTH_DATA_ROOT", "SYNTH_LANDING")}
    env.update(DAGSTER_HOME=str(work / "home"), SYNTH_MLFLOW="0", SYNTH_DEPLOYMENT="local", SYNTH_RETRY_DELAY_S="0.5",
               SYNTH_TTS_WORKERS=str(tts_workers), SYNTH_TTS_POOL_MIN_CLIPS="0")
    return env


def backfill_args(work: Path, landing: Path, *extra: str) -> list[str]:
    return ["--data", str(work / "data"), "backfill", "--landing", str(landing), *extra]


@dataclass(frozen=True)
class ReferenceRun:
    """One uninterrupted local backfill of the tiny landing zone, release included: what the fault and
    production-profile tests compare their runs with. Made once per session, never written to."""

    landing: Path
    data: Path
    seconds: float

    @property
    def store(self):
        from resources.storage import LocalStorage

        return LocalStorage(root=str(self.data))


_reference: ReferenceRun | None = None


def reference_run(tmp_path_factory) -> ReferenceRun:
    global _reference
    if _reference is None:
        from conftest import write_tiny_landing

        work = tmp_path_factory.mktemp("reference")
        landing = write_tiny_landing(work / "landing")
        started = time.perf_counter()
        done = synth(backfill_args(work, landing), local_env(work))
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
        _reference = ReferenceRun(landing, work / "data", time.perf_counter() - started)
    return _reference


LABELS = ("text", "transcript", "words", "turns")  # what a row says, besides its audio


def _as_bytes(value) -> bytes:
    if isinstance(value, bytes):
        return value
    return value.encode() if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str).encode()


def dataset_digest(store, assets: tuple[str, ...], partitions: list[str], audio: bool = False
                   ) -> dict[str, list[tuple[str, str]]]:
    """Per asset and partition: every row's id with a hash of its text (or, when ``audio``, of its audio
    bytes and every label), sorted; run ids and timestamps left out, so two runs of the same inputs compare equal.
    Audio bytes are not compared by default: ONNX engines on a different thread count round differently."""
    from synth_assets.core import parts

    digest = {}
    for asset in assets:
        for partition in partitions:
            rows = []
            for table in parts.iter_tables(store, asset, partition):
                present = set(table.column_names)
                content = [c for c in (("audio", *LABELS) if audio else ("text",)) if c in present]
                for row in table.select(["id", *content]).to_pylist():
                    value = b"\0".join(_as_bytes(row[c]) for c in content)
                    rows.append((row["id"], hashlib.sha256(value).hexdigest()[:16]))
            digest[f"{asset}/{partition}"] = sorted(rows)
    return digest


class FlakyS3Proxy:
    """An S3 endpoint that misbehaves, in front of a real one, on 127.0.0.1: it fails a share of requests
    with 503 SlowDown, and can go away (stop listening) for a while and come back on the same port."""

    def __init__(self, upstream: str, failure_share: float = 0.0, seed: int = 7):
        import http.server
        import random as _random
        import threading

        import requests

        self.upstream, self.failure_share = upstream.rstrip("/"), failure_share
        self.chance, self.lock = _random.Random(seed), threading.Lock()
        self.requests = self.failed = 0
        self.connections: set = set()
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def setup(self):
                super().setup()
                with proxy.lock:
                    proxy.connections.add(self.connection)

            def _forward(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with proxy.lock:
                    proxy.requests += 1
                    fail = proxy.chance.random() < proxy.failure_share
                    proxy.failed += fail
                if fail:
                    error = b"<Error><Code>SlowDown</Code><Message>injected</Message></Error>"
                    self.send_response(503)
                    self.send_header("Content-Length", str(len(error)))
                    self.end_headers()
                    self.wfile.write(error)
                    return
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
                answer = requests.request(self.command, proxy.upstream + self.path, data=body, headers=headers,
                                          timeout=60, allow_redirects=False)
                self.send_response(answer.status_code)
                for key, value in answer.headers.items():
                    if key.lower() not in ("content-length", "transfer-encoding", "connection", "content-encoding",
                                           "server", "date"):
                        self.send_header(key, value)
                content = answer.content if self.command != "HEAD" else b""
                self.send_header("Content-Length", answer.headers.get("Content-Length", str(len(content)))
                                 if self.command == "HEAD" else str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _forward

        self._handler = Handler
        self.port = None
        self._server = None
        self.start()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        import http.server
        import threading

        http.server.ThreadingHTTPServer.allow_reuse_address = True
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port or 0), self._handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        import socket

        self._server.shutdown()
        self._server.server_close()
        with self.lock:  # gone means gone: kept-alive connections drop too
            for connection in self.connections:
                try:
                    connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            self.connections.clear()

    def outage(self, after: float, seconds: float) -> None:
        """Go away ``after`` seconds from now for ``seconds``, then come back on the same port."""
        import threading

        def cycle():
            time.sleep(after)
            self.stop()
            time.sleep(seconds)
            self.start()

        threading.Thread(target=cycle, daemon=True).start()
