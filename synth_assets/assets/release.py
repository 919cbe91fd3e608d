"""The release: every partition's labelled clips, augmented clips and conversations, and every audio
batch's transcribed real recordings, in one dataset.

Written as Parquet parts with the audio inside (FLAC bytes) plus a JSONL manifest of the same rows
without audio; the lineage store is rebuilt and the release's figures go to MLflow.
"""


import json
from typing import Iterator

import pyarrow as pa
from dagster import AssetExecutionContext, Config, MetadataValue
from pydantic import Field

from quality.expectations import WER_THRESHOLD
from resources.lineage import LineageStore
from resources.storage import Storage
from resources.tracking import ExperimentTracker
from synth_assets.core import parts
from synth_assets.orchestration.stage import StageRun, run_stage, stage_asset

DATASET = "speech_dataset"
UPSTREAM = ("tts_audio", "pseudo_labels", "augmented_clips", "safety_dialogues", "false_premise_dialogues")
RECORDINGS = ("recorded_speech", "recording_labels")  # partitioned by audio batches

# One schema whatever the kinds present: a column that only some kinds fill (a recording's channel
# and span) must not take its type from the first rows written, where it may be all null.
RELEASE_SCHEMA = pa.schema([
    ("id", pa.string()), ("kind", pa.string()), ("parent_id", pa.string()), ("stage", pa.string()),
    ("partition", pa.string()), ("source", pa.string()), ("snapshot", pa.string()),
    ("source_document", pa.string()), ("text", pa.string()), ("transcript", pa.string()), ("wer", pa.float64()),
    ("words", pa.string()), ("turns", pa.string()), ("voice_id", pa.string()), ("assistant_voice", pa.string()),
    ("text_license", pa.string()), ("sample_rate", pa.int64()), ("channels", pa.int64()),
    ("duration_s", pa.float64()), ("channel", pa.string()), ("start_s", pa.float64()), ("end_s", pa.float64()),
    ("confidence", pa.float64()), ("lineage", pa.string()), ("made_by_run", pa.string()),
    ("made_by_code", pa.string()), ("audio", pa.binary()),
])


class ReleaseConfig(Config):
    max_wer: float = Field(default=WER_THRESHOLD, description="Clean clips above this round-trip WER stay out.")


def complete_partitions(context: AssetExecutionContext, store: Storage) -> list[str]:
    """Partitions whose every upstream stage finished (a failed or pending one is left out)."""
    keys = context.instance.get_dynamic_partitions("crawl_shards")
    return sorted(k for k in keys if all(parts.stored_fingerprint(store, a, k) for a in UPSTREAM))


def complete_recording_batches(context: AssetExecutionContext, store: Storage) -> list[str]:
    """Audio batches whose utterances and transcripts both finished (none at all is fine)."""
    keys = context.instance.get_dynamic_partitions("audio_batches")
    return sorted(k for k in keys if all(parts.stored_fingerprint(store, a, k) for a in RECORDINGS))


def recording_rows(store: Storage, batches: list[str]) -> Iterator[dict]:
    """Each transcribed utterance of the real recordings, once: a file seen by two batches (a folder
    regrouped after new recordings arrived) gives the same ids, and the first one is kept."""
    seen: set[str] = set()
    for batch in batches:
        labels = {r["parent_id"]: r for r in parts.read_rows(
            store, "recording_labels", batch, columns=["parent_id", "transcript", "words", "confidence"])}
        for row in parts.read_rows(store, "recorded_speech", batch):
            label = labels.get(row["id"])
            if label is None or row["id"] in seen:  # quarantined by the labeller, or released already
                continue
            seen.add(row["id"])
            yield sample(row, "recording", batch, text=label["transcript"], transcript=label["transcript"],
                         words=label["words"], confidence=label["confidence"], channel=row["channel_name"],
                         start_s=row["start_s"], end_s=row["end_s"])


def release_rows(store: Storage, partitions: list[str], max_wer: float) -> Iterator[dict]:
    for partition in partitions:
        labels = {r["parent_id"]: r for r in parts.read_rows(
            store, "pseudo_labels", partition, columns=["parent_id", "transcript", "wer", "words"])}
        for row in parts.read_rows(store, "tts_audio", partition):
            label = labels.get(row["id"], {})
            if label.get("wer", 1.0) <= max_wer:
                yield sample(row, "clip", partition, transcript=label["transcript"], wer=label["wer"],
                             words=label["words"])
        for row in parts.read_rows(store, "augmented_clips", partition):
            yield sample(row, "augmented", partition)
        for asset in ("safety_dialogues", "false_premise_dialogues"):
            for row in parts.read_rows(store, asset, partition):
                yield sample(row, row["kind"], partition, voice_id=row["user_voice"],
                             assistant_voice=row["assistant_voice"], turns=row["turns"])


def sample(row: dict, kind: str, partition: str, **extra) -> dict:
    """One dataset row: the same columns whatever the kind, so the release reads as one table."""
    base = {
        "id": row["id"], "kind": kind, "parent_id": row["parent_id"], "stage": "speech_dataset",
        "partition": partition, "source": row["source"], "snapshot": row["snapshot"],
        "source_document": row["document_id"], "text": row.get("text") or "",
        "transcript": None, "wer": None, "words": None, "turns": None,
        "voice_id": row.get("voice_id"), "assistant_voice": None,
        "text_license": row["license"], "sample_rate": row["sample_rate"],
        "channels": row.get("channels", 1), "duration_s": row["duration_s"],
        "channel": None, "start_s": None, "end_s": None, "confidence": None,
        "lineage": row["params"], "made_by_run": row["run_id"], "made_by_code": row["code_version"],
        "audio": row["audio"],
    }
    if kind in ("safety", "false_premise"):
        base["text"] = " / ".join(f"{t['role']}: {t['spoken']}" for t in json.loads(row["turns"]))
    base.update(extra)
    return base


@stage_asset(
    deps=UPSTREAM + RECORDINGS,
    partitioned=False,
    group_name="release",
    kinds=("parquet", "duckdb", "mlflow"),
    code_version="release-v2",  # v2: recordings, and a fixed schema
    description="The dataset to train on: clean clips that pass the round-trip filter (with Whisper "
    "transcripts and word timestamps), their augmented versions, the stereo conversations, and the "
    "transcribed utterances of real recordings (kind 'recording', with file, channel and span), in "
    "Parquet parts with FLAC audio plus a JSONL manifest. Rebuilds the lineage store; logs to MLflow.",
)
def speech_dataset(context: AssetExecutionContext, config: ReleaseConfig, store: Storage,
                   lineage: LineageStore, tracker: ExperimentTracker):
    partitions = complete_partitions(context, store)
    batches = complete_recording_batches(context, store)
    inputs = {p: [parts.stored_fingerprint(store, a, p) for a in UPSTREAM] for p in partitions}
    recordings = {b: [parts.stored_fingerprint(store, a, b) for a in RECORDINGS] for b in batches}

    def produce(stage: StageRun):
        yield from release_rows(store, partitions, config.max_wer)
        yield from recording_rows(store, batches)

    def summarize(frame):
        # Runs after the parts are in place: the manifest and lineage store describe what was written.
        manifest = "".join(json.dumps(r, default=str) + "\n" for r in frame.to_dict("records"))
        store.write_bytes(f"{DATASET}/manifest.jsonl", manifest.encode())
        metadata = release_metadata(frame, partitions + batches)
        run_id = tracker.log_release(
            context.run.run_id,
            params={"partitions": len(partitions), "audio_batches": len(batches), "max_wer": config.max_wer,
                    "dataset": store.uri(DATASET)},
            metrics={"samples": len(frame), "hours": float(frame["duration_s"].sum() / 3600)},
        )
        return {**metadata, "manifest": MetadataValue.path(store.uri(f"{DATASET}/manifest.jsonl")),
                "lineage_rows": lineage.rebuild(store), "mlflow_run_id": run_id or "tracking disabled"}

    # The summary writes the manifest, rebuilds the lineage store and logs to MLflow: run it every time.
    return run_stage(context, store, produce=produce, summarize=summarize, cache_summary=False, schema=RELEASE_SCHEMA,
                     inputs={"partitions": inputs, "audio_batches": recordings, **config.model_dump()})


def release_metadata(frame, partitions: list[str]) -> dict:
    return {
        "samples": len(frame),
        "hours": MetadataValue.float(round(float(frame["duration_s"].sum()) / 3600, 4)),
        "samples_by_kind": frame["kind"].value_counts().to_dict(),
        "partitions": MetadataValue.md("\n".join(f"- {p}" for p in partitions)),
        "licenses": ", ".join(sorted(frame["text_license"].dropna().unique())),
    }
