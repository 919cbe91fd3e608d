"""Faults, injected for real and bounded in count and time: kill -9 in every stage then rerun, two
overlapping backfills at once, a full disk, and an S3 endpoint that drops requests or goes away.
After each, the dataset equals the uninterrupted reference run's, audio bytes and labels included; no
partial part is visible, nothing is doubled."""

from __future__ import annotations

import glob
import io
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from conftest import write_tiny_landing
from dagster_aws.s3 import S3Resource
from prod_stack import (
    ROOT,
    FlakyS3Proxy,
    backfill_args,
    dataset_digest,
    local_env,
    new_bucket,
    reference_run,
    synth,
    upload_folder,
)

from resources.storage import LocalStorage, S3Storage
from synth_assets.core import names, parts

pytestmark = pytest.mark.slow
PARTITIONS = ["alpaca/2026-11-01/alpaca.json", "ultrachat/2026-11-01/chats.jsonl", "wikipedia/2026-11-01/pages.xml"]
STAGES = (names.CRAWL_SNAPSHOT, names.TEXT_SEGMENTS, names.SPOKEN_TEXT, names.TTS_AUDIO, names.PSEUDO_LABELS,
          names.AUGMENTED_CLIPS)  # one after another in a partition's runs
# Beside the speech stages, after the text: instruction and false-premise conversations, then safety.
DIALOGUE_STAGES = (names.INSTRUCTION_DIALOGUES, names.FALSE_PREMISE_DIALOGUES, names.SAFETY_DIALOGUES)
KILL_POINTS = STAGES + (names.INSTRUCTION_DIALOGUES,)  # the dialogue point: inside any dialogue stage
MODEL_STAGES = (names.TTS_AUDIO, names.PSEUDO_LABELS, names.INSTRUCTION_DIALOGUES)  # a kill must land inside
COMPARED = STAGES + DIALOGUE_STAGES


def digest(store) -> dict:
    """Every stage's rows by partition, and the release's rows: ids, audio bytes and labels."""
    stages = dataset_digest(store, COMPARED, PARTITIONS, audio=True)
    return {**stages, **dataset_digest(store, (names.SPEECH_DATASET,), [None], audio=True)}


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The uninterrupted run every faulty one must equal, and its landing zone."""
    run = reference_run(tmp_path_factory)
    return run.landing, digest(run.store)


def assert_store_is_consistent(data: Path) -> None:
    """Every visible part opens; every partition either has its fingerprint or is being rewritten;
    no id appears twice in a partition."""
    store = LocalStorage(root=str(data))
    for path in glob.glob(f"{data}/**/part-*.parquet", recursive=True):
        pq.read_metadata(io.BytesIO(Path(path).read_bytes()))  # a torn file raises here
    for asset in COMPARED:
        for partition in PARTITIONS:
            if parts.stored_fingerprint(store, asset, partition) is None:
                continue
            ids = [row["id"] for row in parts.read_rows(store, asset, partition, columns=["id"])]
            assert len(ids) == len(set(ids)), f"duplicated ids in {asset}/{partition}"


def running_steps(home: Path) -> dict[str, set[str]]:
    """Per run (its SQLite log under the instance), the steps that started and have not finished."""
    running = {}
    for db in glob.glob(f"{home}/history/runs/*.db"):
        started, finished = set(), set()
        try:
            with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as connection:
                for kind, step in connection.execute(
                        "SELECT dagster_event_type, step_key FROM event_logs WHERE dagster_event_type IN "
                        "('STEP_START', 'STEP_SUCCESS', 'STEP_FAILURE')"):
                    (started if kind == "STEP_START" else finished).add(step)
        except sqlite3.Error:
            continue
        running[db] = started - finished
    return running


def kill_at_or_after(stage: str, work: Path, landing: Path, env: dict[str, str], chance: random.Random) -> set[str]:
    """Start a backfill and SIGKILL it (its TTS workers too) at a random moment once ``stage``, or a
    stage after it, runs (for a dialogue stage: any dialogue stage); never later, so the run cannot go
    past the stage it aims at. Returns the steps that were running when it died (none when the run
    finished first)."""
    home = work / "home"
    targets = set(DIALOGUE_STAGES) if stage in DIALOGUE_STAGES else set(STAGES[STAGES.index(stage):])
    earlier_runs = set(running_steps(home))

    def running_now() -> set[str]:
        return set().union(*(steps for run, steps in running_steps(home).items() if run not in earlier_runs))

    process = subprocess.Popen([sys.executable, "-m", "synth_assets.cli", *backfill_args(work, landing)],
                               cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    deadline = time.monotonic() + 600
    while process.poll() is None and time.monotonic() < deadline:
        if running_now() & targets:
            # A random point inside the step; the model stages' steps last a few seconds, so sooner.
            time.sleep(chance.uniform(0, 0.3 if stage in MODEL_STAGES else 1.0))
            os.killpg(process.pid, signal.SIGKILL)
            break
        time.sleep(0.05)
    process.wait(timeout=60)
    return running_now() if process.returncode == -signal.SIGKILL else set()


def test_kill_9_in_every_stage_then_rerun_equals_an_uninterrupted_run(reference, tmp_path):
    landing, expected = reference
    chance = random.Random(12)
    # 2 TTS workers against the 1-worker reference: the kill reaches the worker processes too, and the
    # final comparison also proves the worker count changes no byte.
    env = local_env(tmp_path, tts_workers=2)
    kills = []
    for stage in KILL_POINTS:
        # A step the rerun only reuses ends in a blink and may end before the kill: the model stages
        # are tried again until a kill lands while one of them computes (the next partition's, if need be).
        for _ in range(4 if stage in MODEL_STAGES else 1):
            hit = kill_at_or_after(stage, tmp_path, landing, env, chance)
            assert_store_is_consistent(tmp_path / "data")
            kills += sorted(hit & set(COMPARED))
            if stage in hit or (stage in DIALOGUE_STAGES and hit & set(DIALOGUE_STAGES)):
                break
        else:
            assert stage not in MODEL_STAGES, f"no kill landed inside {stage}: {kills}"
    assert len(kills) >= 3, f"the run finished before most kill points: {kills}"
    done = synth(backfill_args(tmp_path, landing), env)
    assert done.returncode == 0, done.stderr[-3000:]
    assert_store_is_consistent(tmp_path / "data")
    assert digest(LocalStorage(root=str(tmp_path / "data"))) == expected
    print(f"\nkill -9 during: {', '.join(kills)}; samples lost: 0; audio bytes and labels equal")


def test_two_overlapping_backfills_at_once_leave_one_clean_dataset(reference, tmp_path):
    landing, expected = reference
    env = local_env(tmp_path)
    # Both on the same partition (the largest), the worst overlap: every step of one races the same step
    # of the other. The whole landing zone would only add partitions that nothing races.
    wiki = [sys.executable, "-m", "synth_assets.cli", *backfill_args(tmp_path, landing, "--no-release"),
            "--source", "wikipedia"]
    first, second = (subprocess.Popen(wiki, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                      text=True) for _ in range(2))
    outputs = [p.communicate(timeout=1500) for p in (first, second)]
    # A run may fail when the other rewrote its input underneath it (the stage says so); a rerun heals it.
    assert_store_is_consistent(tmp_path / "data")
    if first.returncode or second.returncode:
        done = synth(backfill_args(tmp_path, landing, "--no-release") + ["--source", "wikipedia"], env)
        assert done.returncode == 0, done.stderr[-3000:] + str(outputs)
    wiki_partition = [p for p in PARTITIONS if p.startswith("wikipedia/")]
    stages = dataset_digest(LocalStorage(root=str(tmp_path / "data")), COMPARED, wiki_partition, audio=True)
    assert all(stages[f"{asset}/{wiki_partition[0]}"] for asset in STAGES), "a stage made no rows"
    assert stages == {key: rows for key, rows in expected.items() if key in stages}


@pytest.fixture(scope="module")
def landing(tmp_path_factory):
    return write_tiny_landing(tmp_path_factory.mktemp("faults") / "landing")


def test_a_full_disk_fails_with_a_clear_error_and_leaves_the_store_intact(landing, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=400k", "tmpfs", str(data)], capture_output=True)
    if mounted.returncode:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.decode()[:200]}")
    try:
        done = synth(backfill_args(tmp_path, landing, "--no-release"), local_env(tmp_path))
        assert done.returncode != 0
        assert "no space left on the storage root" in done.stdout + done.stderr
        assert_store_is_consistent(data)
        assert not [p for p in data.rglob(".*.tmp")], "half-written files were left behind"
        store = LocalStorage(root=str(data))
        complete = [p for p in PARTITIONS if parts.stored_fingerprint(store, names.CRAWL_SNAPSHOT, p)]
        assert complete, "the small stages before the disk filled up are kept"
    finally:
        subprocess.run(["umount", str(data)], check=False)


def _text_stages_on_s3(endpoint: str, bucket: str, partitions: list[str]) -> S3Storage:
    from dagster import DagsterInstance, materialize

    from resources.rewriter import TextRewriter
    from synth_assets.assets.crawl import crawl_snapshot
    from synth_assets.assets.text import spoken_text, text_segments
    from synth_assets.orchestration.partitions import shards

    s3 = S3Resource(endpoint_url=endpoint, region_name="us-east-1")
    landing = S3Storage(s3=s3, bucket=bucket, prefix="landing")
    store = S3Storage(s3=s3, bucket=bucket, prefix="data")
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(shards.name, partitions)
    for key in partitions:
        result = materialize([crawl_snapshot, text_segments, spoken_text], partition_key=key, instance=instance,
                             resources={"landing": landing, "store": store, "rewriter": TextRewriter()},
                             raise_on_error=False)
        assert result.success, [e.message for e in result.all_events if e.is_step_failure]
    return store


def test_an_s3_endpoint_that_drops_requests_or_goes_away_still_finishes_the_run(landing, moto_endpoint,
                                                                               monkeypatch):
    monkeypatch.setenv("SYNTH_RETRY_DELAY_S", "1")
    text = (names.CRAWL_SNAPSHOT, names.TEXT_SEGMENTS, names.SPOKEN_TEXT)
    clean_bucket, flaky_bucket = new_bucket(moto_endpoint), new_bucket(moto_endpoint)
    for bucket in (clean_bucket, flaky_bucket):
        upload_folder(moto_endpoint, bucket, landing, "landing")
    small = PARTITIONS[:1]  # bounded: one partition's text stages, a few dozen requests
    expected = dataset_digest(_text_stages_on_s3(moto_endpoint, clean_bucket, small), text, small)

    proxy = FlakyS3Proxy(moto_endpoint, failure_share=0.25)
    proxy.outage(after=1.0, seconds=4.0)
    try:
        store = _text_stages_on_s3(proxy.endpoint, flaky_bucket, small)
        assert proxy.failed > 0, "no request was failed: the fault was not injected"
        print(f"\nS3 proxy: {proxy.requests} requests, {proxy.failed} failed with 503, one 4 s outage")
    finally:
        proxy.stop()
    direct = S3Storage(s3=S3Resource(endpoint_url=moto_endpoint, region_name="us-east-1"), bucket=flaky_bucket,
                       prefix="data")  # read back past the proxy, which is gone now
    assert store.bucket == direct.bucket
    assert dataset_digest(direct, text, small) == expected
