"""The production profile on this machine, for real: a fresh PostgreSQL database, a Redis database as
the celery broker, an S3 server (moto) holding the landing zone and the storage root, dagster-celery
workers in their own processes, and `synth backfill` run as a user runs it."""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import boto3
import psycopg2

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}


@contextmanager
def fresh_postgres_database():
    """A database with a random name on the local PostgreSQL, dropped afterwards."""
    name = f"synth_test_{uuid.uuid4().hex[:10]}"
    admin = psycopg2.connect(dbname="postgres", **PG)
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def new_bucket(endpoint: str, prefix: str = "synth") -> str:
    bucket = f"{prefix}-{uuid.uuid4().hex[:8]}"
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(Bucket=bucket)
    return bucket


def upload_folder(endpoint: str, bucket: str, folder: Path, prefix: str) -> None:
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
        "PYTHONPATH": str(ROOT),
    }


@contextmanager
def celery_workers(env: dict[str, str], count: int = 2, log_dir: Path | None = None):
    """``count`` dagster-celery workers, each its own process (one task at a time), stopped by PID."""
    processes = []
    log_dir = log_dir or Path(env["DAGSTER_HOME"])
    for index in range(count):
        log = open(log_dir / f"worker-{index}.log", "wb")
        processes.append(subprocess.Popen(
            ["env", "--default-signal=INT,TERM", str(BIN / "dagster-celery"), "worker", "start",
             "-A", "dagster_celery.app", "-y", str(ROOT / "deploy" / "celery.yaml"), "-n", f"w{index}-{uuid.uuid4().hex[:6]}",
             "--", "--concurrency=1", "--pool=prefork"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
    try:
        _wait_for_workers(env, count, processes)
        yield processes
    finally:
        for process in processes:
            _stop_group(process)


def _wait_for_workers(env: dict[str, str], count: int, processes, timeout: float = 180) -> None:
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


def _stop_group(process: subprocess.Popen) -> None:
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


def synth(args: list[str], env: dict[str, str], timeout: float = 1500) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "synth_assets.cli", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


def dataset_digest(store, assets: tuple[str, ...], partitions: list[str]) -> dict[str, list[tuple[str, str]]]:
    """Per asset and partition: every row's id with a hash of its content (audio bytes, else text),
    sorted; run ids and timestamps left out, so two runs of the same inputs compare equal."""
    from synth_assets.core import parts

    digest = {}
    for asset in assets:
        for partition in partitions:
            rows = []
            for table in parts.iter_tables(store, asset, partition):
                names = set(table.column_names)
                content = "audio" if "audio" in names else ("text" if "text" in names else None)
                for row in table.select(["id"] + ([content] if content else [])).to_pylist():
                    value = row.get(content) if content else b""
                    value = value.encode() if isinstance(value, str) else (value or b"")
                    rows.append((row["id"], hashlib.sha256(value).hexdigest()[:16]))
            digest[f"{asset}/{partition}"] = sorted(rows)
    return digest
