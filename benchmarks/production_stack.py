"""The production profile on one machine, for the end-to-end tests and the benchmarks alike: a fresh
PostgreSQL database for Dagster's instance, an S3 server (moto) on 127.0.0.1 for the landing zone and
the storage root, the environment every process of the deployment reads (deploy/), and dagster-celery
workers in their own processes on a local Redis broker."""

from __future__ import annotations

import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
PRELOAD = "synth_assets.definitions"  # what a celery worker imports before it forks its pool


@contextmanager
def moto_server():
    """A real S3-protocol server (moto) on 127.0.0.1, in a thread of this process; yields its endpoint."""
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's request log
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@contextmanager
def fresh_postgres_database(prefix: str = "synth_test"):
    """A database with a random name on the local PostgreSQL, dropped afterwards."""
    import psycopg2

    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = psycopg2.connect(dbname="postgres", **PG)
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def database_bytes(database: str) -> int:
    """pg_database_size of ``database``: tables, indexes and TOAST as PostgreSQL stores them."""
    import psycopg2

    with psycopg2.connect(dbname="postgres", **PG) as connection:
        cursor = connection.cursor()
        cursor.execute("SELECT pg_database_size(%s)", (database,))
        return int(cursor.fetchone()[0])


def new_bucket(endpoint: str, prefix: str = "synth") -> str:
    import boto3

    bucket = f"{prefix}-{uuid.uuid4().hex[:8]}"
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(Bucket=bucket)
    return bucket


def upload_folder(endpoint: str, bucket: str, folder: Path, prefix: str) -> None:
    import boto3

    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            client.upload_file(str(path), bucket, f"{prefix}/{path.relative_to(folder).as_posix()}")


def production_environment(home: Path, database: str, s3_endpoint: str, bucket: str,
                           redis_db: int | None = None) -> dict[str, str]:
    """Environment of every process of the deployment: the templates under deploy/ read it."""
    home.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "deploy" / "dagster.production.yaml", home / "dagster.yaml")
    broker = f"redis://127.0.0.1:6379/{redis_db if redis_db is not None else random.randint(1, 15)}"
    return {
        **os.environ,
        "DAGSTER_HOME": str(home), "DAGSTER_PG_HOST": PG["host"], "DAGSTER_PG_PORT": str(PG["port"]),
        "DAGSTER_PG_DB": database, "DAGSTER_PG_USER": PG["user"], "DAGSTER_PG_PASSWORD": "",
        "SYNTH_DEPLOYMENT": "production", "SYNTH_S3_ENDPOINT_URL": s3_endpoint, "SYNTH_S3_BUCKET": bucket,
        "SYNTH_LANDING_BUCKET": bucket, "SYNTH_S3_PREFIX": "data", "SYNTH_LANDING_PREFIX": "landing",
        "SYNTH_CELERY_BROKER": broker, "SYNTH_CELERY_BACKEND": broker,
        "SYNTH_DATA_ROOT": str(home / "local"), "SYNTH_MLFLOW": "0", "SYNTH_RETRY_DELAY_S": "0.5",
        "PYTHONPATH": str(ROOT), "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",  # `celery` itself
    }


@contextmanager
def celery_workers(env: dict[str, str], count: int = 2, log_dir: Path | None = None,
                   queues: tuple[str | None, ...] = ()):
    """``count`` dagster-celery workers, each its own process (one task at a time), stopped by PID.
    Worker ``i`` (named ``w<i>-...``) takes the queue ``queues[i]``, or the default queue. Each imports
    the definitions before it forks its pool process (``-i``, as deploy/k8s/celery-workers.yaml does):
    the first step a worker takes does not pay that import."""
    processes = []
    log_dir = log_dir or Path(env["DAGSTER_HOME"])
    # The instance's tables, made once: `dagster-celery worker start` opens the instance before celery
    # starts, and workers started together on a fresh database race to create its tables (one of them
    # exits on psycopg2's DuplicateTable).
    subprocess.run([sys.executable, "-c", "from dagster import DagsterInstance; DagsterInstance.get().dispose()"],
                   cwd=ROOT, env=env, check=True)
    for index in range(count):
        log = open(log_dir / f"worker-{index}.log", "wb")
        queue = queues[index] if index < len(queues) else None
        processes.append(subprocess.Popen(
            ["env", "--default-signal=INT,TERM", str(BIN / "dagster-celery"), "worker", "start",
             "-A", "dagster_celery.app", "-y", str(ROOT / "deploy" / "celery.yaml"), "-n", f"w{index}-{uuid.uuid4().hex[:6]}",
             "-i", PRELOAD,
             *(["-q", queue] if queue else []), "--", "--concurrency=1", "--pool=prefork"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
    try:
        wait_for_workers(env, count, processes)
        yield processes
    finally:
        for process in processes:
            stop_group(process)


def wait_for_workers(env: dict[str, str], count: int, processes, timeout: float = 400) -> None:
    from celery import Celery

    app = Celery(broker=env["SYNTH_CELERY_BROKER"], backend=env["SYNTH_CELERY_BACKEND"])
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for process in processes:
            if process.poll() is not None:
                raise RuntimeError(f"a celery worker exited with {process.returncode}")
        answers = app.control.ping(timeout=2) or []
        if len(answers) >= count:
            return
        time.sleep(1)
    raise RuntimeError("celery workers did not answer a ping in time")


def stop_group(process: subprocess.Popen) -> None:
    """Stop a process started in a session of its own, and its children: TERM, then KILL."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait(timeout=10)
