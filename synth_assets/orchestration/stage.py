"""What every stage asset does around its domain code: skip unchanged work, stamp lineage,
write parts and the quarantine atomically, validate, and report metadata a person reads in the UI.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any, Callable, Iterable

import pandas as pd
import pyarrow as pa
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetKey,
    DagsterExecutionInterruptedError,
    DataVersion,
    Failure,
    MaterializeResult,
    MetadataValue,
    PartitionsDefinition,
    asset,
    deserialize_value,
    serialize_value,
)

from quality.base import validate
from quality.suites import SUITES_VERSION, suites_for
from synth_assets import settings
from synth_assets.core import interrupts, parts
from synth_assets.core.parts import QUARANTINE
from synth_assets.core.plots import bar_chart_png, markdown_image
from synth_assets.core.progress import DONE, FAILED, REUSED, ProgressFile, counted
from synth_assets.core.stage_run import StageError, StageRun
from synth_assets.core.storage import Store
from synth_assets.core.tracking import log_run
from synth_assets.orchestration.execution import (
    MLFLOW_TAG,
    PROGRESS_TAG,
    disk_full,
    permanent,
    pool_for,
    retry_policy,
    step_tags_for,
)
from synth_assets.orchestration.partitions import shards

BINARY_COLUMNS = ("audio", "audio_augmented", "question_audio", "answer_audio")
SUMMARY = "summary.json"  # metadata and check results of the stored parts, reused with them
STAGE_EXPERIMENT = "synth_assets-stages"  # model stages' runs; releases log to their own experiment


def metadata_frame(store: Store, asset: str, partition: str | None) -> pd.DataFrame:
    """The partition's rows without audio bytes: what checks and metadata look at."""
    keys = parts.part_keys(store, asset, partition)
    if not keys:
        return pd.DataFrame()
    schema = parts.part_schema(store, keys[0])
    columns = [name for name in schema.names if name not in BINARY_COLUMNS]
    return parts.read_table(store, asset, partition, columns).to_pandas()


def upstream_fingerprint(store: Store, asset: str, partition: str | None) -> str:
    value = parts.stored_fingerprint(store, asset, partition)
    if value is None:
        raise permanent(f"upstream {asset} has no complete data for partition {partition!r}: "
                        f"materialize it first")
    return value


def stop_if_asked(error: BaseException | None = None) -> None:
    """Once the command was asked to stop (Ctrl-C, SIGTERM; core/interrupts.py), a step ends as a
    failure that is never retried: Dagster turns an interrupt in a step with a retry policy into a retry,
    and the in-process executor would go on to the run's next steps. The run is marked canceling, so
    Dagster records it as canceled."""
    stops = interrupts.active()
    if stops is not None and stops.requested:
        raise Failure(f"{interrupts.Interrupted(stops.signum)} from the command line: the step's unfinished "
                      "output was not published; a rerun makes it", allow_retries=False) from error


def stage_asset(*, group_name: str, code_version: str, description: str, deps: tuple[str, ...] = (),
                kinds: tuple[str, ...] = ("python", "parquet"), partitioned: bool = True,
                partitions_def: PartitionsDefinition | None = None):
    """@asset with what every stage shares: partitions (crawl shards unless ``partitions_def`` names
    another set), kinds, its suite as a blocking check, the model pool for model-heavy groups,
    retries with backoff on transient errors, and a ``StageError`` from the domain code (or a full
    disk) turned into a failed step that says what is wrong and is not retried."""

    def wrap(fn):
        @functools.wraps(fn)
        def body(*args, **kwargs):
            stop_if_asked()  # the in-process executor would start the next step of a canceled run
            try:
                return fn(*args, **kwargs)
            except (DagsterExecutionInterruptedError, KeyboardInterrupt) as error:
                stop_if_asked(error)
                raise
            except StageError as error:
                raise permanent(str(error)) from error
            except OSError as error:
                if disk_full(error):
                    raise permanent(f"{fn.__name__}: no space left on the storage root "
                                    f"({error.filename or 'a write'}); stored parts are untouched") from error
                stop_if_asked(error)
                raise
            except Exception as error:
                stop_if_asked(error)
                raise

        return asset(
            name=fn.__name__, partitions_def=(partitions_def or shards) if partitioned else None, deps=list(deps),
            group_name=group_name, kinds=set(kinds), code_version=code_version, description=description,
            check_specs=[suite.spec() for suite in suites_for(fn.__name__)], pool=pool_for(group_name),
            op_tags=step_tags_for(group_name), retry_policy=retry_policy(),
        )(body)

    return wrap


def run_stage(
    context: AssetExecutionContext,
    store: Store,
    *,
    inputs: dict[str, Any],
    produce: Callable[[StageRun], Iterable[dict[str, Any]]],
    summarize: Callable[[pd.DataFrame], dict[str, Any]] | None = None,
    schema: pa.Schema | None = None,
    require_rows: bool = False,
    cache_summary: bool = True,
    check_settings: dict[str, Any] | None = None,
    track: bool = False,
    publish_with: Callable[[pd.DataFrame], None] | None = None,
    items_from: str | None = None,
) -> MaterializeResult:
    """Materialize one partition of the asset being computed.

    ``inputs`` is everything the output depends on besides code (upstream fingerprints, config);
    when it and the code version match what the stored part was made from, the part is reused, and
    so are the metadata and check results computed from it (the data is byte-identical), so an
    unchanged partition costs a listing and two small reads. ``cache_summary=False`` for a stage whose
    summary has side effects that must happen on every run. ``check_settings`` are the configured
    values the asset's checks judge against (the female share the voices were drawn with).
    ``track``: a model stage; when it makes new parts, its inputs (model ids, voices, settings) and
    numeric figures are logged as one MLflow run, whose id goes into the metadata (and stays with
    the parts, so a reused partition shows the run that made it). ``publish_with(frame)`` writes what
    must change together with the parts (speech_dataset's manifest.jsonl): in the same moment as their
    publish, which a Ctrl-C or SIGTERM cannot cut in half; on reuse, again.

    While it runs, the step tells the command watching it how far it has got (core/progress.py):
    rows made and records quarantined out of the rows of the upstream asset ``items_from`` (a stage
    that makes one row, or quarantines one record, per upstream row), and the audio seconds made.
    """
    asset = context.assets_def.key.to_user_string()
    partition = context.partition_key if context.has_partition_key else None
    code_version = context.assets_def.code_versions_by_key[context.assets_def.key] or ""
    fingerprint_value = parts.fingerprint(asset, code_version, inputs)
    reused = parts.stored_fingerprint(store, asset, partition) == fingerprint_value
    folder = context.run.tags.get(PROGRESS_TAG) or settings.progress_dir()
    progress = ProgressFile(Path(folder) if folder else None, asset, partition, context.run.run_id,
                            quarantine_path=store.uri(f"{QUARANTINE}/{asset}"))
    try:
        result = _run_stage(context, store, asset, partition, code_version, fingerprint_value, reused, progress,
                            inputs=inputs, produce=produce, summarize=summarize, schema=schema,
                            require_rows=require_rows, cache_summary=cache_summary, check_settings=check_settings,
                            track=track, publish_with=publish_with, items_from=items_from)
    except BaseException:
        progress.finish(FAILED)
        raise
    progress.finish(REUSED if reused else DONE)
    return result


def _run_stage(context: AssetExecutionContext, store: Store, asset: str, partition: str | None, code_version: str,
               fingerprint_value: str, reused: bool, progress: ProgressFile, *, inputs, produce, summarize, schema,
               require_rows, cache_summary, check_settings, track, publish_with, items_from) -> MaterializeResult:
    stage = StageRun(asset, partition, context.run.run_id, code_version, progress=progress)
    if reused:
        context.log.info(f"{asset} [{partition}] unchanged since its last run: reusing stored parts")
        cached = load_summary(store, asset, partition, fingerprint_value) if cache_summary else None
        if cached is not None:
            metadata, checks = cached
            return MaterializeResult(metadata={**metadata, "reused_stored_parts": True}, check_results=checks,
                                     data_version=DataVersion(fingerprint_value))
    else:
        if items_from is not None:
            stage.expect(parts.row_count(store, items_from, partition))
        rows = (stage.stamp(row) for row in counted(produce(stage), progress))
        # The quarantine goes in before the parts are published: a run killed between the two leaves
        # the old fingerprint, so the rerun recomputes both (published after, a rerun would reuse the
        # new parts beside the old quarantine).
        parts.write_parts(store, asset, partition, rows, fingerprint_value=fingerprint_value, schema=schema,
                          before_publish=lambda: parts.write_quarantine(store, asset, partition, stage.quarantined),
                          after_publish=None if publish_with is None else (
                              lambda: publish_with(metadata_frame(store, asset, partition))))
        for record in stage.quarantined:
            context.log.info(f"quarantined {record.file} at {record.position}: {record.reason}")
        if stage.quarantined:
            context.log.warning(f"{asset} [{partition}]: {len(stage.quarantined)} records quarantined "
                                f"(reasons in {store.uri(f'{QUARANTINE}/{asset}')})")

    frame = metadata_frame(store, asset, partition)
    if reused and publish_with is not None:
        publish_with(frame)
    quarantined = metadata_frame(store, QUARANTINE, f"{asset}/{partition}" if partition else asset)
    if require_rows and frame.empty:
        raise Failure(
            f"{asset} produced no rows for {partition}; {len(quarantined)} records quarantined",
            metadata={"quarantine": MetadataValue.md(_quarantine_table(quarantined))}, allow_retries=False,
        )
    metadata: dict[str, Any] = {
        "rows": len(frame),
        "quarantined": len(quarantined),
        "reused_stored_parts": reused,
        "path": MetadataValue.path(store.uri(parts.partition_prefix(asset, partition))),
    }
    if not quarantined.empty:
        metadata["quarantine_sample"] = MetadataValue.md(_quarantine_table(quarantined.head(10)))
    if summarize is not None and not frame.empty:
        metadata.update(summarize(frame))
    metadata = {key: plain(value) for key, value in metadata.items()}
    checks = [validate(suite, frame, check_settings) for suite in suites_for(asset)]
    if track and not reused and settings.mlflow_enabled():
        tracking_uri = context.run.tags.get(MLFLOW_TAG) or settings.mlflow_tracking_uri()
        metadata["mlflow_run_id"] = track_stage(asset, partition, context.run.run_id, code_version, inputs, metadata,
                                                checks, tracking_uri)
    if cache_summary:
        save_summary(store, asset, partition, fingerprint_value, metadata, checks)
    return MaterializeResult(metadata=metadata, check_results=checks, data_version=DataVersion(fingerprint_value))


def track_stage(asset: str, partition: str | None, run_id: str, code_version: str, inputs: dict[str, Any],
                metadata: dict[str, Any], checks: list[AssetCheckResult], tracking_uri: str) -> str:
    """One MLflow run for a model stage's materialization: what it was made with, and its figures."""
    params = {"asset": asset, "partition": partition or "", "code_version": code_version,
              **{key: json.dumps(value, sort_keys=True, default=str) for key, value in inputs.items()}}
    metrics = {key: value for key, value in metadata.items()
               if isinstance(value, (int, float)) and not isinstance(value, bool)}
    metrics.update({key: value.value for key, value in metadata.items()
                    if isinstance(value, MetadataValue) and isinstance(getattr(value, "value", None), float)})
    metrics["checks_passed"] = float(all(check.passed for check in checks))
    return log_run(tracking_uri, STAGE_EXPERIMENT, f"{asset} [{partition}]" if partition else asset,
                   params, metrics, tags={"dagster_run_id": run_id, "asset": asset, "partition": partition or ""})


def _summary_key(asset: str, partition: str | None) -> str:
    return f"{parts.partition_prefix(asset, partition)}/{SUMMARY}"


def save_summary(store: Store, asset: str, partition: str | None, fingerprint_value: str,
                 metadata: dict[str, Any], checks: list[AssetCheckResult]) -> None:
    record = {
        "fingerprint": fingerprint_value,
        "suite": suite_signature(asset),
        "metadata": serialize_value(metadata),
        "checks": [{"name": c.check_name, "passed": c.passed, "severity": c.severity.value,
                    "metadata": serialize_value(dict(c.metadata))} for c in checks],
    }
    store.write_bytes(_summary_key(asset, partition), json.dumps(record).encode())


def load_summary(store: Store, asset: str, partition: str | None, fingerprint_value: str):
    """(metadata, check results) saved when the stored parts were made, if they match the fingerprint."""
    key = _summary_key(asset, partition)
    if not store.exists(key):
        return None
    record = json.loads(store.read_bytes(key))
    # Check results are reused only while the rules that made them are the same.
    if record["fingerprint"] != fingerprint_value or record.get("suite") != suite_signature(asset):
        return None
    checks = [AssetCheckResult(check_name=c["name"], asset_key=AssetKey(asset), passed=c["passed"],
                               severity=AssetCheckSeverity(c["severity"]), metadata=deserialize_value(c["metadata"]))
              for c in record["checks"]]
    return deserialize_value(record["metadata"]), checks


def suite_signature(asset: str) -> str | None:
    suites = suites_for(asset)
    return "|".join([str(SUITES_VERSION), *(f"{s.name}|{s.description}" for s in suites)]) if suites else None


def plain(value: Any) -> Any:
    """NumPy scalars (from pandas sums and counts) as Python values, which Dagster can store."""
    if isinstance(value, MetadataValue):
        return value
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value.item() if hasattr(value, "item") and not isinstance(value, (str, bytes)) else value


def _quarantine_table(frame: pd.DataFrame) -> str:
    lines = ["| file | position | reason |", "|---|---|---|"]
    for row in frame.itertuples():
        lines.append(f"| {row.file} | {row.position} | {str(row.reason)[:120]} |")
    return "\n".join(lines)


def histogram_md(values: pd.Series, bins: list[float], label: str) -> MetadataValue:
    """A histogram for the Dagster UI's metadata panel: a bar chart (PNG inside the Markdown) and
    the same counts as a table, which also reads in plain-text views of the metadata."""
    # Values past the last edge still count, in the last bucket ("over 0.5" includes a WER of 3).
    counts = pd.cut(values.clip(upper=bins[-1]), bins=bins, include_lowest=True).value_counts(sort=False)
    peak = max(int(counts.max()), 1)
    edges = list(zip(bins[:-1], bins[1:]))
    names = [f"{lo:g}-{hi:g}" for lo, hi in edges[:-1]] + [f"over {bins[-2]:g}"]
    chart = bar_chart_png(names, [int(c) for c in counts], label)
    lines = [markdown_image(chart, f"{label} histogram"), "",
             f"| {label} | clips | |", "|---|---:|---|"]
    for interval, count in counts.items():
        lines.append(f"| {interval} | {int(count)} | {'█' * round(20 * int(count) / peak)} |")
    return MetadataValue.md("\n".join(lines))
