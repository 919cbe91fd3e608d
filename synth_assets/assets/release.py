"""The release: every partition's labelled clips, augmented clips and conversations, and every audio
batch's transcribed real recordings, in one dataset (synth_assets/release/).

Written as Parquet parts with the audio inside (FLAC bytes) plus a JSONL manifest of the same rows
without audio; the lineage store is rebuilt and the release's figures go to MLflow.
"""

import dataclasses
import itertools

from dagster import (
    AssetCheckResult,
    AssetCheckSpec,
    AssetExecutionContext,
    Config,
    MaterializeResult,
    MetadataValue,
    asset,
)
from pydantic import Field

from resources.lineage import LineageStore
from resources.mix import ConversationMix
from resources.storage import Storage
from resources.tracking import ExperimentTracker
from resources.voices import TTSVoices
from synth_assets import settings
from synth_assets.core import names
from synth_assets.core.audio_quality import Thresholds
from synth_assets.core.mix import MixTargets
from synth_assets.core.limits import (
    CONVERSATION_MIX_TOLERANCE,
    MIN_CONVERSATION_HOURS_SHARE,
    WER_THRESHOLD,
)
from synth_assets.core.plots import markdown_image
from synth_assets.orchestration.config import carrying, settings_from
from synth_assets.orchestration.execution import permanent, retry_policy
from synth_assets.orchestration.partitions import audio_batches, shards
from synth_assets.orchestration.stage import run_stage, stage_asset
from synth_assets.release.card import quality_plot_png
from synth_assets.release.mix import measure_mix
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
from synth_assets.release.versions import (
    CARD_FILE,
    RELEASES,
    ReleaseError,
    Selection,
    create_release,
    verify_release,
)


class ReleaseConfig(Config, carrying(Thresholds)):
    max_wer: float = Field(default=WER_THRESHOLD, description="Clean clips above this round-trip WER stay out.")
    min_conversation_hours_share: float = Field(default=MIN_CONVERSATION_HOURS_SHARE, ge=0.0, le=1.0,
                                                description="The least share of the release's hours its "
                                                "conversations should hold before the conversation_mix check "
                                                "warns (0: not judged).")
    mix_tolerance: float = Field(default=CONVERSATION_MIX_TOLERANCE, description="How far each conversation "
                                 "kind's share (and the female user share) may be from its target, besides one "
                                 "conversation, before the conversation_mix check warns.")

    def thresholds(self) -> Thresholds:
        return settings_from(Thresholds, self)


@stage_asset(
    deps=UPSTREAM + RECORDINGS,
    partitioned=False,
    group_name="release",
    kinds=("parquet", "duckdb", "mlflow"),
    code_version="release-v5",  # v2: recordings, fixed schema; v3: audio quality; v4: conversations' words,
    # augmented; v5: every turn-taking label (backchannels, turn_taking, overlap_s, interruptions, duplex)
    description="The dataset to train on: clean clips that pass the round-trip filter (with Whisper "
    "transcripts and word timestamps), their augmented versions, the stereo conversations, and the "
    "transcribed utterances of real recordings (kind 'recording', with file, channel and span), in "
    "Parquet parts with FLAC audio plus a JSONL manifest. Conversations also carry each channel's word times, "
    "the user voice's gender and the audio with the user channel augmented; their mix by kind is shown beside "
    "its targets (SYNTH_CONVERSATION_MIX) and checked. Every sample's peak, clipping, silence and SNR are "
    "columns; a sample failing the configured gates is quarantined with the reason. Rebuilds the lineage store; "
    "logs to MLflow. Named, frozen releases are cut from it with `synth release create` or dataset_release.",
)
def speech_dataset(context: AssetExecutionContext, config: ReleaseConfig, store: Storage,
                   lineage: LineageStore, tracker: ExperimentTracker, voices: TTSVoices, mix: ConversationMix):
    # Partitions whose every upstream stage finished (a failed or pending one is left out).
    partitions = complete(store, context.instance.get_dynamic_partitions(shards.name), UPSTREAM)
    batches = complete(store, context.instance.get_dynamic_partitions(audio_batches.name), RECORDINGS)
    mix_settings = {"conversation_mix": mix.targets().shares(), "mix_tolerance": config.mix_tolerance,
                    "target_female_share": voices.target_female_share}

    def summarize(frame):
        # Runs after the parts are in place: the lineage store describes what was written.
        run_id = tracker.log_release(
            context.run.run_id,
            params={"partitions": len(partitions), "audio_batches": len(batches), "max_wer": config.max_wer,
                    "dataset": store.uri(names.SPEECH_DATASET)},
            metrics={"samples": len(frame), "hours": float(frame["duration_s"].sum() / 3600)},
        )
        return {**release_metadata(frame, partitions + batches), **quality_metadata(frame),
                **mix_metadata(frame, **mix_settings), "manifest": MetadataValue.path(store.uri(MANIFEST)),
                "lineage_rows": lineage.rebuild(store), "mlflow_run_id": run_id or "tracking disabled"}

    # The summary rebuilds the lineage store and logs to MLflow: run it every time.
    return run_stage(context, store, summarize=summarize, cache_summary=False, schema=RELEASE_SCHEMA,
                     publish_with=lambda frame: store.write_bytes(MANIFEST, manifest(frame)),
                     produce=lambda stage: gate(stage, itertools.chain(
                         release_rows(store, partitions, config.max_wer), recording_rows(store, batches)),
                         config.thresholds()),
                     check_settings={**dataclasses.asdict(config.thresholds()), **mix_settings,
                                     "min_conversation_hours_share": config.min_conversation_hours_share,
                                     "duplex_targets": settings.duplex_targets()},
                     inputs={"partitions": upstream_versions(store, partitions, UPSTREAM),
                             "audio_batches": upstream_versions(store, batches, RECORDINGS),
                             # The mix is judged, not made: a new target or tolerance keeps the stored parts.
                             **config.model_dump(exclude={"mix_tolerance", "min_conversation_hours_share"})})


def release_metadata(frame, partitions: list[str]) -> dict:
    return {
        "samples": len(frame),
        "hours": MetadataValue.float(round(float(frame["duration_s"].sum()) / 3600, 4)),
        "samples_by_kind": frame["kind"].value_counts().to_dict(),
        "partitions": MetadataValue.md("\n".join(f"- {p}" for p in partitions)),
        "licenses": ", ".join(sorted(frame["text_license"].dropna().unique())),
    }


def mix_metadata(frame, conversation_mix: dict, target_female_share: float, mix_tolerance: float) -> dict:
    """The conversations by kind against their targets, by count and by hours, and the user voices' genders."""
    conversations = frame.reindex(columns=["kind", "duration_s", "user_gender"])
    report = measure_mix(conversations.itertuples(index=False), MixTargets(**conversation_mix), target_female_share,
                         mix_tolerance)
    total_seconds = float(frame["duration_s"].sum()) if len(frame) else 0.0
    return {"conversation_mix": MetadataValue.md(report.markdown()), "conversation_shares": report.shares(),
            "user_female_share": round(report.female.count_share, 4),
            # Conversations grow with the data now: their share of everything the release holds.
            "conversation_hours_share": round(report.hours * 3600 / total_seconds, 4) if total_seconds else 0.0}


def quality_metadata(frame) -> dict:
    """The quality distributions in the UI: medians, and histograms of every figure."""
    figures = [c for c in ("peak_dbfs", "clipping_ratio", "silence_ratio", "snr_db") if c in frame]
    return {f"median_{c}": MetadataValue.float(round(float(frame[c].median()), 4)) for c in figures} | {
        "quality_distributions": MetadataValue.md(markdown_image(quality_plot_png(frame.to_dict("records")),
                                                                 "quality distributions"))}


class DatasetReleaseConfig(Config, carrying(Selection)):
    name: str = Field(description="The release's name (letters, digits, '.', '_', '-'); a taken name is refused.")
    rate_mos: bool = Field(default=True, description="Rate a seeded sample with DNSMOS (~0.6 s a clip).")


@asset(
    name=names.DATASET_RELEASE, deps=[names.SPEECH_DATASET], group_name="release", kinds={"parquet", "mlflow"},
    code_version="dataset-release-v1",
    retry_policy=retry_policy(),  # transient storage errors retry like every stage
    description="A named, frozen release cut from speech_dataset (the same as `synth release create`): the "
    "chosen partitions and kinds with content hashes, a dataset card and the diff against the previous release, "
    "under releases/<name>/; logged to MLflow. Launch it with a config naming the release.",
    check_specs=[AssetCheckSpec("release_verified", asset=names.DATASET_RELEASE, blocking=True,
                                description="Every part and sample of the new release hashes to what it recorded.")],
)
def dataset_release(context: AssetExecutionContext, config: DatasetReleaseConfig, store: Storage,
                    tracker: ExperimentTracker):
    selection = settings_from(Selection, config)
    try:
        release = create_release(store, config.name, selection, track=tracker.release_tracker(),
                                 rate_mos=config.rate_mos)
    except ReleaseError as error:
        raise permanent(str(error)) from error
    verified = verify_release(store, release.name)
    card = store.read_bytes(f"{RELEASES}/{release.name}/{CARD_FILE}").decode()
    return MaterializeResult(
        metadata={"release": release.name, "samples": release.samples, "hours": MetadataValue.float(release.hours),
                  "samples_by_kind": release.counts_by_kind, "previous": release.previous or "none",
                  "diff": {k: release.diff.get(k, 0) for k in ("added", "removed", "changed")},
                  "path": MetadataValue.path(store.uri(f"{RELEASES}/{release.name}")),
                  "card": MetadataValue.md(card.split("---", 2)[-1]),
                  "mlflow_run_id": release.mlflow_run_id or "tracking disabled"},
        check_results=[AssetCheckResult(check_name="release_verified", passed=verified.ok,
                                        metadata={"samples": verified.samples, "mismatched": len(verified.mismatched),
                                                  "bad_parts": ", ".join(verified.bad_parts) or "none"})],
    )
