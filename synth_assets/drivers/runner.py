"""Running the graph on a landing zone from the command line, against a real Dagster instance.

Each partition runs as its own run of the `synth_pipeline` job (so one bad dump fails alone), each
audio batch of an audio landing zone (when one is given) as a run of `recordings_pipeline`, then
the `release` job gathers the finished ones. Runs execute in this process, so each model loads once
for all partitions, and they are recorded in the instance that `dagster dev` shows.
"""

from __future__ import annotations

import statistics
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from dagster import DagsterInstance

from resources.storage import LocalStorage
from synth_assets import settings
from synth_assets.core import names, parts
from synth_assets.crawl.shards import landing_shards
from synth_assets.orchestration.execution import run_tags
from synth_assets.drivers.instance import ensure_instance, quiet
from synth_assets.drivers.instance import failure_message as _failure_message
from synth_assets.orchestration.partitions import audio_batches, shards
from synth_assets.orchestration.stage import metadata_frame
from synth_assets.drivers.stopping import canceled_on_stop, stop_point
from synth_assets.recordings.batches import landing_audio_batches

INVOCATION_TAG = "synth/invocation"  # one command's runs (to cancel them together when it is stopped)


@dataclass
class RunSummary:
    clips: int = 0
    audio_seconds: float = 0.0
    clips_per_voice: dict[str, int] = field(default_factory=dict)
    median_wer: float | None = None
    checks_passed: int = 0
    checks_failed: int = 0
    failed_checks: list[str] = field(default_factory=list)
    dataset_path: str = ""
    dataset_samples: int = 0
    dataset_hours: float = 0.0
    partitions: int = 0
    failed_partitions: dict[str, str] = field(default_factory=dict)
    quarantined: int = 0
    quarantine_path: str = ""
    dagster_home: str = ""
    run_ids: list[str] = field(default_factory=list)
    ui_command: str = ""
    recording_batches: int = 0
    recording_files: int = 0
    recording_utterances: int = 0  # transcribed
    recording_speech_seconds: float = 0.0
    recording_mean_confidence: float | None = None
    conversations_by_kind: dict[str, int] = field(default_factory=dict)
    conversation_hours: float = 0.0
    workers: int = 1
    wall_seconds: float = 0.0
    # What `synth plan` expected before the run (wall seconds, audio hours, where its rates came from).
    estimate: dict = field(default_factory=dict)


def materialize_landing(landing: Path, data_root: Path, log: Callable[[str], None] = print,
                        audio_landing: Path | None = None, workers: int = 1,
                        dagster_home: Path | None = None, progress: Path | None = None,
                        verbose: bool | None = None) -> RunSummary:
    """Run every crawl shard of ``landing`` (and every audio batch of ``audio_landing``), then the release.
    With ``workers`` over 1 the crawl shards go through the backfill's unit scheduler, side by side in
    that many worker processes (each loads its models once); with 1, here, one partition after another.
    The paths travel as arguments (to the definitions, the worker processes and the runs' tags), and
    the instance is ``dagster_home``'s (default: DAGSTER_HOME's). The steps write their progress to
    ``progress`` (cli/progress.py shows it); ``verbose`` puts Dagster's warnings on the console."""
    overrides = settings.Overrides.paths(landing=landing, data=data_root, audio_landing=audio_landing,
                                         home=dagster_home, progress=progress, verbose=verbose)
    from synth_assets.definitions import make_defs

    defs = make_defs(overrides)
    instance = ensure_instance(overrides.dagster_home())
    keys = landing_shards(LocalStorage(root=str(landing)), settings.slice_bytes())
    if not keys:
        raise SystemExit(f"no dump files found in {landing} (expected <source>/<snapshot>/<file>)")
    known = set(instance.get_dynamic_partitions(shards.name))
    instance.add_dynamic_partitions(shards.name, [k for k in keys if k not in known])

    summary = RunSummary(partitions=len(keys), dagster_home=str(overrides.dagster_home()), workers=workers)
    started = time.perf_counter()
    summary.estimate = _estimate(landing, data_root, audio_landing, workers, instance, log)
    invocation = {INVOCATION_TAG: uuid.uuid4().hex[:12]}
    tags = run_tags(overrides, **invocation)
    with canceled_on_stop(instance, invocation):
        if workers > 1:
            _run_side_by_side(instance, summary, keys, workers, log, overrides)
        else:
            pipeline = defs.resolve_job_def("synth_pipeline")
            for index, key in enumerate(keys, 1):
                stop_point()
                log(f"[{index}/{len(keys)}] {key}")
                result = pipeline.execute_in_process(partition_key=key, instance=instance, raise_on_error=False,
                                                     run_config=quiet(overrides), tags=tags)
                stop_point()
                _count_checks(summary, result)
                if not result.success:
                    summary.failed_partitions[key] = _failure_message(result)
                    log(f"    failed: {summary.failed_partitions[key]}")
        batches = (_run_recordings(defs, instance, summary, Path(audio_landing), log, tags, quiet(overrides))
                   if audio_landing is not None else {})
        stop_point()
        log("[release] gathering finished partitions")
        release = defs.resolve_job_def("release").execute_in_process(instance=instance, raise_on_error=False,
                                                                     run_config=quiet(overrides), tags=tags)
        stop_point()
    _count_checks(summary, release)
    if not release.success:
        summary.failed_partitions["release"] = _failure_message(release)
    summary.wall_seconds = round(time.perf_counter() - started, 1)
    _add_figures(summary, LocalStorage(root=str(data_root)), keys)
    _add_conversation_figures(summary, LocalStorage(root=str(data_root)), keys)
    _add_recording_figures(summary, LocalStorage(root=str(data_root)), batches)
    audio = f"SYNTH_AUDIO_LANDING={Path(audio_landing).resolve()} " if audio_landing is not None else ""
    summary.ui_command = (f"DAGSTER_HOME={summary.dagster_home} SYNTH_DATA_ROOT={Path(data_root).resolve()} "
                          f"SYNTH_LANDING={Path(landing).resolve()} {audio}.venv/bin/dagster dev -w workspace.yaml "
                          f"-h {settings.webserver_host()} -p 3000")
    return summary


def _run_recordings(defs, instance: DagsterInstance, summary: RunSummary, audio_landing: Path,
                    log: Callable[[str], None], tags: dict[str, str], run_config: dict) -> dict[str, list[str]]:
    """One `recordings_pipeline` run per audio batch; returns the batches and their files."""
    batches = landing_audio_batches(LocalStorage(root=str(audio_landing)), settings.audio_files_per_partition())
    known = set(instance.get_dynamic_partitions(audio_batches.name))
    instance.add_dynamic_partitions(audio_batches.name, [k for k in batches if k not in known])
    summary.recording_batches = len(batches)
    job = defs.resolve_job_def("recordings_pipeline")
    for index, key in enumerate(batches, 1):
        stop_point()
        log(f"[recordings {index}/{len(batches)}] {key} ({len(batches[key])} files)")
        result = job.execute_in_process(partition_key=key, instance=instance, raise_on_error=False,
                                        run_config=run_config, tags=tags)
        stop_point()
        _count_checks(summary, result)
        if not result.success:
            summary.failed_partitions[key] = _failure_message(result)
            log(f"    failed: {summary.failed_partitions[key]}")
    return batches


def _add_recording_figures(summary: RunSummary, store: LocalStorage, batches: dict[str, list[str]]) -> None:
    confidences: list[float] = []
    for key, files in batches.items():
        if key in summary.failed_partitions:
            continue
        summary.recording_files += len(files)
        summary.recording_speech_seconds += sum(
            r["duration_s"] for r in parts.read_rows(store, names.RECORDED_SPEECH, key, columns=["duration_s"]))
        confidences += [r["confidence"]
                        for r in parts.read_rows(store, names.RECORDING_LABELS, key, columns=["confidence"])]
    summary.recording_utterances = len(confidences)
    summary.recording_speech_seconds = round(summary.recording_speech_seconds, 1)
    summary.recording_mean_confidence = round(statistics.fmean(confidences), 4) if confidences else None


def _add_conversation_figures(summary: RunSummary, store: LocalStorage, keys: list[str]) -> None:
    """Conversations per kind and their hours, over the partitions that finished."""
    seconds = 0.0
    for key in keys:
        if key in summary.failed_partitions:
            continue
        for asset in names.CONVERSATION_ASSETS:
            frame = metadata_frame(store, asset, key)  # a partition without conversations has no columns
            if frame.empty:
                continue
            for kind, count in frame["kind"].value_counts().items():
                summary.conversations_by_kind[kind] = summary.conversations_by_kind.get(kind, 0) + int(count)
            seconds += float(frame["duration_s"].sum())
    summary.conversations_by_kind = dict(sorted(summary.conversations_by_kind.items()))
    summary.conversation_hours = round(seconds / 3600, 4)


def _estimate(landing: Path, data_root: Path, audio_landing: Path | None, workers: int, instance: DagsterInstance,
              log: Callable[[str], None]) -> dict:
    """`synth plan`'s figures for this run, to print beside what it took."""
    from synth_assets.drivers.plan import plan_landing

    try:
        found = plan_landing(LocalStorage(root=str(landing)), LocalStorage(root=str(data_root)), instance=instance,
                             audio_landing=LocalStorage(root=str(audio_landing)) if audio_landing else None,
                             workers=workers)
    except Exception as error:  # an estimate never stops the run it is about  # noqa: BLE001
        log(f"no estimate: {error}")
        return {}
    sources = sorted({info["from"].split(" (")[0] for info in found["rates"].values()})
    estimate = {"wall_s": found["wall_s"][str(workers)], "audio_hours": found["audio_hours"],
                "clips": found["clips"], "partitions_to_run": found["to_run"], "rates": "/".join(sources)}
    log(f"estimate: {estimate['partitions_to_run']} partitions to run, {estimate['clips']} clips, "
        f"{estimate['audio_hours']:.2f} h of audio, {estimate['wall_s'] / 60:.1f} min on {workers} worker(s) "
        f"({estimate['rates']} rates)")
    return estimate


def _run_side_by_side(instance: DagsterInstance, summary: RunSummary, keys: list[str], workers: int,
                      log: Callable[[str], None], overrides: settings.Overrides) -> None:
    """The crawl shards through the backfill's unit scheduler (each partition's speech and its dialogues
    are units, the largest first), the checks and failures read back from the instance."""
    from dagster import DagsterEventType

    from synth_assets.drivers.backfill import run_backfill

    log(f"{len(keys)} partitions on {workers} workers")
    result = run_backfill(keys, workers=workers, release=False, selection="materialize", log=log,
                          overrides=overrides)
    for run in result.runs:
        records = instance.all_logs(run.run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION)
        _count_check_evaluations(summary, run.run_id, run.partition,
                                 [r.dagster_event.event_specific_data for r in records])
        if not run.success:
            summary.failed_partitions.setdefault(run.partition, f"{run.unit}: {run.message}")


def _count_checks(summary: RunSummary, result) -> None:
    _count_check_evaluations(summary, result.run_id, result.dagster_run.tags.get("dagster/partition"),
                             result.get_asset_check_evaluations())


def _count_check_evaluations(summary: RunSummary, run_id: str, partition: str | None, evaluations) -> None:
    summary.run_ids.append(run_id)
    for evaluation in evaluations:
        if evaluation.passed:
            summary.checks_passed += 1
            continue
        summary.checks_failed += 1
        name = f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}"
        summary.failed_checks.append(f"{name} [{partition}]" if partition else name)


def _add_figures(summary: RunSummary, store: LocalStorage, keys: list[str]) -> None:
    voices: dict[str, int] = {}
    wers: list[float] = []
    for key in keys:
        if key in summary.failed_partitions:
            continue
        for row in parts.read_rows(store, names.TTS_AUDIO, key, columns=["voice_id", "duration_s"]):
            summary.clips += 1
            summary.audio_seconds += row["duration_s"]
            voices[row["voice_id"]] = voices.get(row["voice_id"], 0) + 1
        wers += [r["wer"] for r in parts.read_rows(store, names.PSEUDO_LABELS, key, columns=["wer"])]
    for partition in parts.stored_partitions(store, parts.QUARANTINE):
        keys = parts.part_keys(store, parts.QUARANTINE, partition)
        summary.quarantined += sum(_row_count(store, key) for key in keys)
    summary.clips_per_voice = dict(sorted(voices.items()))
    summary.audio_seconds = round(summary.audio_seconds, 1)
    summary.median_wer = round(statistics.median(wers), 4) if wers else None
    summary.dataset_path = store.uri(names.SPEECH_DATASET)
    summary.quarantine_path = store.uri(parts.QUARANTINE)
    for row in parts.read_rows(store, names.SPEECH_DATASET, None, columns=["duration_s"]):
        summary.dataset_samples += 1
        summary.dataset_hours += row["duration_s"] / 3600
    summary.dataset_hours = round(summary.dataset_hours, 3)


def _row_count(store: LocalStorage, key: str) -> int:
    import io

    import pyarrow.parquet as pq

    return pq.read_metadata(io.BytesIO(store.read_bytes(key))).num_rows
