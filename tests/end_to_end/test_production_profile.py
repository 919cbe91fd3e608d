"""The production profile, for real on this machine: S3 (moto on 127.0.0.1) for the landing zone and the
storage root, Dagster's instance in a fresh PostgreSQL database, dagster-celery workers in their own
processes on the local Redis broker (two on the model stages' queue, as GPU workers would be, one on the
default queue), and `synth backfill` over several partitions. Its dataset equals what the local profile
makes of the same landing zone."""

from __future__ import annotations

import re
import time

import psycopg2
import pytest
from dagster_aws.s3 import S3Resource
from prod_stack import (
    PG,
    celery_workers,
    dataset_digest,
    fresh_postgres_database,
    new_bucket,
    production_environment,
    reference_run,
    synth,
    upload_folder,
)

from resources.storage import S3Storage
from synth_assets.core import names

pytestmark = pytest.mark.slow
PARTITIONS = ["alpaca/2026-11-01/alpaca.json", "ultrachat/2026-11-01/chats.jsonl", "wikipedia/2026-11-01/pages.xml"]
COMPARED = (names.CRAWL_SNAPSHOT, names.TEXT_SEGMENTS, names.SPOKEN_TEXT, names.TTS_AUDIO, names.PSEUDO_LABELS,
            names.AUGMENTED_CLIPS, names.SAFETY_DIALOGUES, names.FALSE_PREMISE_DIALOGUES)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The same landing zone through the local profile (the session's shared reference run)."""
    return reference_run(tmp_path_factory)


def test_backfill_on_celery_workers_postgres_and_s3_equals_the_local_run(reference, moto_endpoint, tmp_path):
    bucket = new_bucket(moto_endpoint)
    upload_folder(moto_endpoint, bucket, reference.landing, "landing")
    with fresh_postgres_database() as database:
        env = {**production_environment(tmp_path / "home", database, moto_endpoint, bucket),
               "SYNTH_MODEL_QUEUE": "models"}
        with celery_workers(env, count=3, queues=("models", "models")):
            started = time.perf_counter()
            done = synth(["backfill", "--workers", "2", "--release-name", "prod-test", "--json"], env)
            print(f"\ncelery backfill (2 model workers, 1 default): {time.perf_counter() - started:.1f} s")
        assert '"partitions"' in done.stdout, done.stderr[-4000:]

        # Every run is in PostgreSQL, succeeded, and names the release it serves.
        with psycopg2.connect(dbname=database, **PG) as connection:
            cursor = connection.cursor()
            cursor.execute("SELECT run_id, status FROM runs")
            runs = dict(cursor.fetchall())
            cursor.execute("SELECT run_id, value FROM run_tags WHERE key = 'synth/release'")
            tags = dict(cursor.fetchall())
            cursor.execute("SELECT value, count(*) FROM run_tags WHERE key = 'synth/stages' GROUP BY value")
            units = dict(cursor.fetchall())
            cursor.execute("SELECT count(*) FROM event_logs WHERE dagster_event_type = 'STEP_SUCCESS'")
            steps = cursor.fetchone()[0]
            cursor.execute("SELECT count(*) FROM event_logs WHERE dagster_event_type = 'ASSET_CHECK_EVALUATION'")
            checks = cursor.fetchone()[0]
            # Each step's "Executing steps ... in celery worker" event names the worker that ran it.
            cursor.execute("SELECT step_key, event FROM event_logs WHERE event LIKE '%in celery worker%'")
            workers_by_step: dict[str, set[str]] = {}
            for step, event in cursor.fetchall():
                workers = re.findall(r"\b(w\d)-[0-9a-f]{6}\b", event)
                workers_by_step.setdefault(step.split("[")[0], set()).update(workers)
        # Per partition: its ordered stages, then its speech and its dialogues as runs of their own; then the release.
        assert len(runs) == 3 * len(PARTITIONS) + 1
        assert units == {"speech": len(PARTITIONS), "dialogues": len(PARTITIONS)}
        assert set(runs.values()) == {"SUCCESS"}, done.stderr[-3000:]
        assert set(tags) == set(runs) and set(tags.values()) == {"prod-test"}
        assert steps >= len(PARTITIONS) * 8
        assert checks >= len(PARTITIONS) * 9  # a unit's runs judge its assets: every stage has a check
        model_steps = {names.TTS_AUDIO, names.PSEUDO_LABELS, names.AUGMENTED_CLIPS, *names.CONVERSATION_ASSETS}
        assert model_steps | {names.CRAWL_SNAPSHOT, names.SPOKEN_TEXT} <= set(workers_by_step)
        for step, workers in workers_by_step.items():
            assert workers <= ({"w0", "w1"} if step in model_steps else {"w2"}), (step, workers)
        print(f"steps by worker: {workers_by_step}")

    # The steps ran on the workers: the dataset is in S3, and equals the local run's.
    store = S3Storage(s3=S3Resource(endpoint_url=moto_endpoint, region_name="us-east-1"), bucket=bucket,
                      prefix="data")
    remote = dataset_digest(store, COMPARED, PARTITIONS)
    local = dataset_digest(reference.store, COMPARED, PARTITIONS)
    assert all(remote[f"{names.TTS_AUDIO}/{p}"] for p in PARTITIONS if not p.startswith("ultrachat"))
    assert remote == local
    assert sum(1 for _ in store.list_keys(names.SPEECH_DATASET)) > 0
