"""The release: every partition's labelled clips, augmented clips and conversations, and every audio
batch's transcribed real recordings, in one dataset (synth_assets/release/).

Written as Parquet parts with the audio inside (FLAC bytes) plus a JSONL manifest of the same rows
without audio; the lineage store is rebuilt and the release's figures go to MLflow.
"""

import dataclasses
import itertools

from dagster import AssetExecutionContext, Config, MetadataValue
from pydantic import Field

from resources.lineage import LineageStore
from resources.storage import Storage
from resources.tracking import ExperimentTracker
from synth_assets.core import names
from synth_assets.core.audio_quality import Thresholds
from synth_assets.core.limits import (
    MAX_CLIPPING_RATIO,
    MAX_SILENCE_RATIO,
    MIN_PEAK_DBFS,
    MIN_SNR_DB,
    WER_THRESHOLD,
)
from synth_assets.core.plots import markdown_image
from synth_assets.orchestration.partitions import audio_batches, shards
from synth_assets.orchestration.stage import run_stage, stage_asset
from synth_assets.release.card import quality_plot_png
from synth_assets.release.quality import gate
from synth_assets.release.rows import (
    MANIFEST,
    RECORDINGS,
    RELEASE_SCHEMA,
    UPSTREAM,
    complete,
    manifest,
    recording_rows,
    release_rows,
    upstream_versions,
)


class ReleaseConfig(Config):
    max_wer: float = Field(default=WER_THRESHOLD, description="Clean clips above this round-trip WER stay out.")
    min_peak_dbfs: float = Field(default=MIN_PEAK_DBFS, description="A quieter peak is quarantined as near silent.")
    max_clipping_ratio: float = Field(default=MAX_CLIPPING_RATIO, description="Share of samples at full scale.")
    max_silence_ratio: float = Field(default=MAX_SILENCE_RATIO,
                                     description="Share of 20 ms frames without speech (conversations: both channels).")
    min_snr_db: float = Field(default=MIN_SNR_DB, description="Speech over background estimate, dB.")

    def thresholds(self) -> Thresholds:
        return Thresholds(self.min_peak_dbfs, self.max_clipping_ratio, self.max_silence_ratio, self.min_snr_db)


@stage_asset(
    deps=UPSTREAM + RECORDINGS,
    partitioned=False,
    group_name="release",
    kinds=("parquet", "duckdb", "mlflow"),
    code_version="release-v3",  # v2: recordings, and a fixed schema; v3: audio quality gates and columns
    description="The dataset to train on: clean clips that pass the round-trip filter (with Whisper "
    "transcripts and word timestamps), their augmented versions, the stereo conversations, and the "
    "transcribed utterances of real recordings (kind 'recording', with file, channel and span), in "
    "Parquet parts with FLAC audio plus a JSONL manifest. Every sample's peak, clipping, silence and SNR are "
    "columns; a sample failing the configured gates is quarantined with the reason. Rebuilds the lineage store; "
    "logs to MLflow. Named, frozen releases are cut from it with `synth release create` or dataset_release.",
)
def speech_dataset(context: AssetExecutionContext, config: ReleaseConfig, store: Storage,
                   lineage: LineageStore, tracker: ExperimentTracker):
    # Partitions whose every upstream stage finished (a failed or pending one is left out).
    partitions = complete(store, context.instance.get_dynamic_partitions(shards.name), UPSTREAM)
    batches = complete(store, context.instance.get_dynamic_partitions(audio_batches.name), RECORDINGS)

    def summarize(frame):
        # Runs after the parts are in place: the manifest and lineage store describe what was written.
        store.write_bytes(MANIFEST, manifest(frame))
        run_id = tracker.log_release(
            context.run.run_id,
            params={"partitions": len(partitions), "audio_batches": len(batches), "max_wer": config.max_wer,
                    "dataset": store.uri(names.SPEECH_DATASET)},
            metrics={"samples": len(frame), "hours": float(frame["duration_s"].sum() / 3600)},
        )
        return {**release_metadata(frame, partitions + batches), **quality_metadata(frame), "manifest": MetadataValue.path(store.uri(MANIFEST)),
                "lineage_rows": lineage.rebuild(store), "mlflow_run_id": run_id or "tracking disabled"}

    # The summary writes the manifest, rebuilds the lineage store and logs to MLflow: run it every time.
    return run_stage(context, store, summarize=summarize, cache_summary=False, schema=RELEASE_SCHEMA,
                     produce=lambda stage: gate(stage, itertools.chain(
                         release_rows(store, partitions, config.max_wer), recording_rows(store, batches)),
                         config.thresholds()),
                     check_settings=dataclasses.asdict(config.thresholds()),
                     inputs={"partitions": upstream_versions(store, partitions, UPSTREAM),
                             "audio_batches": upstream_versions(store, batches, RECORDINGS), **config.model_dump()})


def release_metadata(frame, partitions: list[str]) -> dict:
    return {
        "samples": len(frame),
        "hours": MetadataValue.float(round(float(frame["duration_s"].sum()) / 3600, 4)),
        "samples_by_kind": frame["kind"].value_counts().to_dict(),
        "partitions": MetadataValue.md("\n".join(f"- {p}" for p in partitions)),
        "licenses": ", ".join(sorted(frame["text_license"].dropna().unique())),
    }


def quality_metadata(frame) -> dict:
    """The quality distributions in the UI: medians, and histograms of every figure."""
    figures = [c for c in ("peak_dbfs", "clipping_ratio", "silence_ratio", "snr_db") if c in frame]
    return {f"median_{c}": MetadataValue.float(round(float(frame[c].median()), 4)) for c in figures} | {
        "quality_distributions": MetadataValue.md(markdown_image(quality_plot_png(frame.to_dict("records")),
                                                                 "quality distributions"))}
