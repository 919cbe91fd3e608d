"""Internet scale, simulated: ranged reads of dump slices, Dagster at N partitions, and a release of M samples.

    python -m benchmarks.crawl_scale_bench --partitions N --samples M [--text-partitions K] [--mb MB]
        [--profile local|production] [--celery-workers W] [--json]

1. Ranged reads: a multistream Wikipedia dump (with its index) and a Stack Exchange Posts.xml, made
   by synth_assets/crawl/generate.py, put on a moto S3 server; every slice is read through HTTP range
   requests and its fetched bytes compared with its share of the file.
2. Partitions: a landing zone of N partitions (multistream dumps of 10 slices, MB each), with the
   instance under --work: the landing sensor's first tick (registers N) and second tick,
   Dagster's overhead per partition on the crawl and text stages of K of them (run wall minus step
   wall, as scale_bench measures it), the instance database's growth, the GraphQL query of the UI's
   partition page for crawl_snapshot, and the launch of an asset backfill of all N (GraphQL
   mutation; the backfill is cancelled, not run). `--profile local` (the default): folders, a SQLite
   instance, steps in process. `--profile production`: the production profile on this machine
   (benchmarks/production_stack.py, as tests/end_to_end/test_production_profile.py runs it): the
   landing zone and the storage root in a moto S3 bucket, the instance in a fresh PostgreSQL database
   (its growth is pg_database_size; dropped afterwards), every step on W dagster-celery workers.
3. Release: a speech_dataset of M samples (FLAC clips from a pool of 40) and their lineage rows;
   `synth release create` and `synth export --format webdataset` in subprocesses (peak RSS, wall
   seconds), the lineage store's rebuild, and `synth lineage ID` as a user runs it (median of 5).

The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


# --- 1. ranged reads ----------------------------------------------------------------------------


def ranged_reads(work: Path, slices: int = 6) -> dict:
    import boto3

    from benchmarks.production_stack import moto_server
    from synth_assets.core.storage import S3Store
    from synth_assets.crawl.generate import write_multistream, write_posts
    from synth_assets.crawl.sources import read_file
    from synth_assets.crawl.sources.slices import Slice, stream_offsets
    from synth_assets.crawl.sources.threads import build_thread_index

    folder = work / "ranged"
    folder.mkdir(parents=True, exist_ok=True)
    dump = folder / "enwiki-bench-pages-articles-multistream.xml.bz2"
    index = write_multistream(dump, seed=11, size=24 << 20)
    posts = folder / "Posts.xml"
    write_posts(posts, seed=12, size=12 << 20)
    with moto_server() as endpoint:
        client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
        client.create_bucket(Bucket="landing")
        for path in (dump, index, posts):
            client.upload_file(str(path), "landing", f"src/s1/{path.name}")
        store = S3Store(lambda: boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1"), "landing")
        with store.open_ranged(f"src/s1/{index.name}").open() as handle:
            offsets = stream_offsets(handle)
        with open(posts, "rb") as handle:
            threads = build_thread_index(handle, posts.stat().st_size)
        figures = {}
        for name, dump_index in ((dump.name, offsets), (posts.name, threads)):
            ratios, requests, started, documents = [], 0, time.perf_counter(), 0
            for i in range(slices):
                source = store.open_ranged(f"src/s1/{name}")
                part = Slice(i, slices)
                documents += sum(1 for _ in read_file(source, source="src", snapshot="s1", rel_path=name, part=part,
                                                      dump_index=dump_index))
                start, end = part.byte_range(source.size)
                ratios.append(source.bytes_fetched / (end - start))
                requests += source.requests
            figures[name] = {"slices": slices, "file_mb": round(source.size / 2**20, 1), "documents": documents,
                             "max_fetched_over_share": round(max(ratios), 3),
                             "mean_fetched_over_share": round(statistics.mean(ratios), 3),
                             "requests_per_slice": round(requests / slices, 1),
                             "seconds": round(time.perf_counter() - started, 1)}
    return figures


# --- 2. partitions -------------------------------------------------------------------------------


def instance_bytes(home: Path) -> int:
    return sum(p.stat().st_size for p in home.rglob("*") if p.is_file())


@contextlib.contextmanager
def deployment(profile: str, work: Path, landing: Path, celery_workers: int):
    """The deployment the partitions run on; yields (the landing zone's storage, a function giving the
    instance database's size in bytes). ``local``: folders and a SQLite instance under ``work``.
    ``production``: the landing zone and the storage root in a moto S3 bucket, the instance in a fresh
    PostgreSQL database (dropped afterwards), every step on ``celery_workers`` dagster-celery workers;
    this process coordinates the runs as `synth backfill` does."""
    home = work / "home"
    if profile == "local":
        from resources.storage import LocalStorage

        os.environ.update({"DAGSTER_HOME": str(home), "SYNTH_DATA_ROOT": str(work / "data"),
                           "SYNTH_LANDING": str(landing), "SYNTH_MLFLOW": "0", "SYNTH_DEPLOYMENT": "local"})
        yield LocalStorage(root=str(landing)), lambda: instance_bytes(home)
        return
    from dagster_aws.s3 import S3Resource

    from benchmarks import production_stack as stack
    from resources.storage import S3Storage

    with stack.moto_server() as endpoint, stack.fresh_postgres_database("synth_bench") as database:
        bucket = stack.new_bucket(endpoint, "bench")
        stack.upload_folder(endpoint, bucket, landing, "landing")
        env = stack.production_environment(home, database, endpoint, bucket)
        os.environ.update(env)
        with stack.celery_workers(env, count=celery_workers):
            yield (S3Storage(s3=S3Resource(endpoint_url=endpoint, region_name="us-east-1"), bucket=bucket,
                             prefix="landing"),
                   lambda: stack.database_bytes(database))


def partitions(work: Path, count: int, mb: float, text_partitions: int, profile: str = "local",
               celery_workers: int = 2) -> dict:
    os.environ["SYNTH_SLICE_MB"] = str(mb)  # before the deployment's environment is made: workers read it
    landing = work / "landing"
    from synth_assets.crawl.generate import landing_zone

    started = time.perf_counter()
    landing_zone(landing, count, mb)
    generated_s = time.perf_counter() - started
    with deployment(profile, work, landing, celery_workers) as (storage, database_bytes):
        figures = run_partitions(storage, database_bytes, text_partitions)
    figures = {"profile": profile, **({"celery_workers": celery_workers} if profile == "production" else {}),
               "generated_s": round(generated_s, 1),
               "landing_mb": round(sum(p.stat().st_size for p in landing.rglob("*") if p.is_file()) / 2**20, 1),
               **figures}
    return figures


def run_partitions(storage, database_bytes, text_partitions: int) -> dict:
    """The landing sensor's two ticks, the crawl and text stages of ``text_partitions`` partitions,
    the instance's growth, and the GraphQL figures, on the deployment the environment names."""
    from dagster import DagsterInstance, build_sensor_context

    from benchmarks.scale_bench import run_and_step_seconds
    from synth_assets.drivers.backfill import execute
    from synth_assets.drivers.runner import ensure_instance
    from synth_assets.orchestration.automation import landing_zone_sensor
    from synth_assets.orchestration.execution import run_tags

    ensure_instance()
    instance = DagsterInstance.get()
    empty_db = database_bytes()
    ticks = []
    for _ in range(2):  # the first tick registers every partition, the second finds nothing new
        with build_sensor_context(instance=instance, resources={"landing": storage}) as context:
            started = time.perf_counter()
            result = landing_zone_sensor(context)
        for request in result.dynamic_partitions_requests or []:
            instance.add_dynamic_partitions(request.partitions_def_name, list(request.partition_keys))
        ticks.append(time.perf_counter() - started)
    keys = sorted(instance.get_dynamic_partitions("crawl_shards"))
    registered_db = database_bytes()
    run_ids, started = [], time.perf_counter()
    for key in keys[:text_partitions]:
        outcome = execute("synth_ordered_stages", key, run_tags())
        if not outcome.success:
            raise SystemExit(f"{key}: {outcome.message}")
        run_ids.append(outcome.run_id)
        print(f"text stages: {len(run_ids)}/{text_partitions} partitions, {time.perf_counter() - started:.0f} s",
              file=sys.stderr, flush=True)
    text_wall = time.perf_counter() - started
    run_wall, stages = run_and_step_seconds(instance, run_ids)
    after_runs_db = database_bytes()
    figures = {"partitions": len(keys),
               "sensor_tick_s": round(ticks[0], 2), "sensor_tick_again_s": round(ticks[1], 2),
               "text_partitions_run": len(run_ids), "text_wall_s": round(text_wall, 1),
               "overhead_s_per_partition": round((run_wall - sum(stages.values())) / max(1, len(run_ids)), 2),
               "step_s_per_partition": round(sum(stages.values()) / max(1, len(run_ids)), 2),
               "step_s_by_stage": stages,
               "instance_db_empty_mb": round(empty_db / 2**20, 2),
               "instance_db_kb_per_registered_partition": round((registered_db - empty_db) / 1024 / max(1, len(keys)), 2),
               "instance_db_kb_per_run_partition": round((after_runs_db - registered_db) / 1024 / max(1, len(run_ids)), 1)}
    figures.update(graphql(instance, keys))
    figures["instance_db_end_mb"] = round(database_bytes() / 2**20, 2)
    return figures


PARTITION_PAGE = """
query PartitionPage($assetKey: AssetKeyInput!) {
  assetNodeOrError(assetKey: $assetKey) {
    ... on AssetNode {
      partitionKeysByDimension { name partitionKeys }
      partitionStats { numMaterialized numPartitions numFailed numMaterializing }
      assetPartitionStatuses {
        ... on DefaultPartitionStatuses { materializedPartitions failedPartitions unmaterializedPartitions }
      }
    }
  }
}"""

LAUNCH_BACKFILL = """
mutation Launch($params: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $params) {
    __typename
    ... on LaunchBackfillSuccess { backfillId }
    ... on PythonError { message }
  }
}"""


def graphql(instance, keys: list[str]) -> dict:
    """The UI's partition page query and a backfill launch, through the GraphQL schema the
    webserver serves, with the project's code location loaded as the webserver loads it."""
    from dagster_graphql.test.utils import define_out_of_process_context, execute_dagster_graphql

    with define_out_of_process_context(str(ROOT / "synth_assets" / "definitions.py"), None, instance) as context:
        times = []
        for _ in range(3):
            started = time.perf_counter()
            result = execute_dagster_graphql(context, PARTITION_PAGE, {"assetKey": {"path": ["crawl_snapshot"]}})
            times.append(time.perf_counter() - started)
            if result.errors:
                raise SystemExit(f"partition page query failed: {result.errors}")
        stats = result.data["assetNodeOrError"]["partitionStats"]
        started = time.perf_counter()
        launched = execute_dagster_graphql(context, LAUNCH_BACKFILL, {"params": {
            "partitionNames": keys, "assetSelection": [{"path": ["crawl_snapshot"]}, {"path": ["text_segments"]}],
            "fromFailure": False}})
        launch_s = time.perf_counter() - started
        outcome = (launched.data or {}).get("launchPartitionBackfill", {})
        if outcome.get("__typename") != "LaunchBackfillSuccess":
            raise SystemExit(f"backfill launch failed: {launched.errors or outcome}")
        from dagster._core.execution.backfill import BulkActionStatus

        backfill = instance.get_backfill(outcome["backfillId"])
        instance.update_backfill(backfill.with_status(BulkActionStatus.CANCELED))  # launched, not run: no daemon here
    return {"graphql_partition_page_s": round(statistics.median(times), 2),
            "graphql_partition_page_first_s": round(times[0], 2), "graphql_partitions_seen": stats["numPartitions"],
            "backfill_launch_s": round(launch_s, 2)}


# --- 3. release ----------------------------------------------------------------------------------


def synthetic_store(data: Path, samples: int) -> list[str]:
    """speech_dataset rows of ``samples`` clips, written as the asset writes them (bounded parts),
    with lineage rows behind them (document, segment, spoken text, clip); returns the clip ids."""
    import numpy as np

    from synth_assets.core import names, parts
    from synth_assets.core.audio import SAMPLE_RATE, to_flac
    from synth_assets.core.audio_quality import flac_quality
    from synth_assets.core.storage import LocalStore
    from synth_assets.release.rows import RELEASE_SCHEMA

    store, rng = LocalStore(data), np.random.default_rng(3)
    pool = []
    for i in range(40):  # 1.5-4 s clips of noisy tones: FLAC bytes about as large as speech's
        t = np.arange(int(SAMPLE_RATE * (1.5 + 2.5 * i / 40))) / SAMPLE_RATE
        audio = (0.2 * np.sin(2 * np.pi * (120 + 7 * i) * t) + 0.02 * rng.standard_normal(t.size)).astype(np.float32)
        flac = to_flac(audio)
        pool.append((flac, t.size / SAMPLE_RATE, flac_quality(flac)))
    per_partition = 2000
    partition_of = lambda n: f"wikipedia/2026-11-01/dump-{n // per_partition:04d}"
    for first in range(0, samples, per_partition):
        numbers = range(first, min(samples, first + per_partition))
        chain = {names.CRAWL_SNAPSHOT: [(f"doc-{n // 10}", None, "{}", None) for n in numbers
                                        if n % 10 == 0 or n == first],
                 names.TEXT_SEGMENTS: [(f"seg-{n}", f"doc-{n // 10}", "{}", None) for n in numbers],
                 names.SPOKEN_TEXT: [(f"spk-{n}", f"seg-{n}", '{"rewriter": "rules-v1"}', None) for n in numbers],
                 names.TTS_AUDIO: [(f"clip-{n:07d}", f"spk-{n}", '{"speed": 1.0}', "piper-joe") for n in numbers]}
        for asset, chain_rows in chain.items():
            parts.write_parts(store, asset, partition_of(first), [
                {"id": i, "parent_id": p, "stage": asset, "params": params, "code_version": "v", "run_id": "bench",
                 "voice_id": voice, "source": "wikipedia", "snapshot": "2026-11-01", "revision_id": "r1"}
                for i, p, params, voice in chain_rows], fingerprint_value="bench")

    def rows():
        for n in range(samples):
            audio, seconds, quality = pool[n % len(pool)]
            text = f"Sentence number {n} of the synthetic store, about the length of a spoken segment."
            yield {"id": f"clip-{n:07d}", "kind": "clip", "parent_id": f"spk-{n}", "stage": names.SPEECH_DATASET,
                   "partition": partition_of(n), "source": "wikipedia", "snapshot": "2026-11-01",
                   "source_document": f"doc-{n // 10}", "text": text, "transcript": text, "wer": 0.0,
                   "words": "[]", "voice_id": "piper-joe", "text_license": "CC BY-SA 4.0",
                   "sample_rate": SAMPLE_RATE, "channels": 1, "duration_s": seconds, "lineage": "{}",
                   "made_by_run": "bench", "made_by_code": "tts-v1", "audio": audio, **quality}

    parts.write_parts(store, names.SPEECH_DATASET, None, rows(), fingerprint_value="bench", schema=RELEASE_SCHEMA)
    return [f"clip-{n:07d}" for n in range(samples)]


def timed_child(args: list[str], env: dict) -> tuple[float, float, str]:
    """(wall seconds, peak RSS in MB, stdout) of a child process, run on its own so that its peak is its own."""
    wrapper = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
               "p = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
               "w = time.perf_counter() - t; "
               "sys.stderr.write(p.stderr[-2000:]) if p.returncode else None; "
               "print(p.returncode, w, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); "
               "print(p.stdout[-4000:])")
    done = subprocess.run([sys.executable, "-c", wrapper, *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          check=False)
    first, _, rest = done.stdout.partition("\n")
    code, wall, peak_kb = first.split()
    if int(code):
        raise SystemExit(f"{' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return float(wall), int(peak_kb) / 1024, rest


def release(work: Path, samples: int) -> dict:
    from synth_assets.core.storage import LocalStore
    from synth_assets.release.lineage import LineageStore

    data = work / "release-data"
    shutil.rmtree(data, ignore_errors=True)
    started = time.perf_counter()
    ids = synthetic_store(data, samples)
    made_s = time.perf_counter() - started
    dataset_mb = sum(p.stat().st_size for p in (data / "speech_dataset").rglob("*.parquet")) / 2**20
    env = {**os.environ, "SYNTH_MLFLOW": "0", "SYNTH_DEPLOYMENT": "local"}
    synth = [sys.executable, "-m", "synth_assets.cli", "--data", str(data)]
    create_s, create_mb, _ = timed_child([*synth, "release", "create", "bench", "--no-mos", "--no-mlflow"], env)
    out = work / "export"
    shutil.rmtree(out, ignore_errors=True)
    export_s, export_mb, _ = timed_child([*synth, "export", "--release", "bench", "--format", "webdataset",
                                          "--out", str(out)], env)
    started = time.perf_counter()
    rows = LineageStore(data / "lineage.duckdb").rebuild(LocalStore(data))
    rebuild_s = time.perf_counter() - started
    queries = []
    for sample in random.Random(1).sample(ids, 5):
        wall, _, printed = timed_child([*synth, "lineage", sample, "--json"], env)
        assert json.loads(printed)[-1]["id"].startswith("doc-"), printed[:200]
        queries.append(wall)
    return {"release_samples": samples, "dataset_mb": round(dataset_mb, 1), "store_made_s": round(made_s, 1),
            "release_create_s": round(create_s, 1), "release_peak_mb": round(create_mb),
            "export_webdataset_s": round(export_s, 1), "export_peak_mb": round(export_mb),
            "lineage_rows": rows, "lineage_rebuild_s": round(rebuild_s, 1),
            "lineage_query_s": round(statistics.median(queries), 2), "lineage_query_max_s": round(max(queries), 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--partitions", type=int, default=20)
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--text-partitions", type=int, default=None,
                        help="partitions run through the crawl and text stages (default: min(N, 10))")
    parser.add_argument("--mb", type=float, default=0.1, help="compressed MB per partition (slice size)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/synth-crawl-scale-bench"))
    parser.add_argument("--profile", choices=["local", "production"], default="local",
                        help="where the partitions run: local (folders, SQLite, in-process steps) or production "
                        "(moto S3, a fresh PostgreSQL instance database, dagster-celery workers on Redis)")
    parser.add_argument("--celery-workers", type=int, default=2, help="dagster-celery workers (production profile)")
    parser.add_argument("--skip", nargs="*", default=[], choices=["ranged", "partitions", "release"])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    report = {"partitions": args.partitions, "samples": args.samples, "load_average": os.getloadavg()[0]}
    if "ranged" not in args.skip:
        ranged = ranged_reads(args.work)
        report["ranged"] = ranged
        report["bytes_fetched_over_slice_bytes"] = max(f["max_fetched_over_share"] for f in ranged.values())
        print(f"ranged reads: {json.dumps(ranged)}", file=sys.stderr)
    if "release" not in args.skip:
        report.update(release(args.work, args.samples))
        print(f"release: {json.dumps({k: v for k, v in report.items() if 'release' in k or 'lineage' in k})}",
              file=sys.stderr)
    if "partitions" not in args.skip:
        report.update(partitions(args.work, args.partitions, args.mb,
                                 args.text_partitions if args.text_partitions is not None else min(args.partitions, 10),
                                 args.profile, args.celery_workers))
    report["load_average_end"] = os.getloadavg()[0]
    report["peak_rss_mb_bench"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    if not args.json:
        for key, value in report.items():
            print(f"{key:<44} {value}")
    print(json.dumps(report))


if __name__ == "__main__":
    main()
