"""The release's rows: every finished partition's labelled clips (those under the WER limit), augmented
clips and conversations, and every audio batch's transcribed real recordings, in one table whose
columns are the same whatever the kind."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pyarrow as pa

from synth_assets.core import names, parts
from synth_assets.core.storage import Store

DIALOGUES = (names.SAFETY_DIALOGUES, names.FALSE_PREMISE_DIALOGUES, names.INSTRUCTION_DIALOGUES)
CONVERSATION_KINDS = ("safety", "false_premise", "instruction", "clarification")  # a conversation row's kind
UPSTREAM = (names.TTS_AUDIO, names.PSEUDO_LABELS, names.AUGMENTED_CLIPS, *DIALOGUES)
RECORDINGS = (names.RECORDED_SPEECH, names.RECORDING_LABELS)  # partitioned by audio batches
MANIFEST = f"{names.SPEECH_DATASET}/manifest.jsonl"
# Taken as they are from a conversation row (null for other kinds, and in rows stored before them).
CONVERSATION_COLUMNS = ("channel_layout", "words_assistant", "words_user", "user_gender", "audio_augmented",
                        "backchannels", "turn_taking", "overlap_s", "interruptions", "duplex")

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
    # Which role each channel of a conversation holds ("user,assistant" when missing: the old layout).
    ("channel_layout", pa.string()),
    # Audio quality (core/audio_quality.py, release/quality.py); mos only on the sample a release rates.
    ("peak_dbfs", pa.float64()), ("clipping_ratio", pa.float64()), ("silence_ratio", pa.float64()),
    ("snr_db", pa.float64()), ("quality_by_channel", pa.string()), ("mos", pa.float64()),
    # Conversations only: each channel's words with times (JSON), the user voice's gender, and the
    # audio with the user channel augmented (FLAC; the assistant channel as in `audio`).
    ("words_assistant", pa.string()), ("words_user", pa.string()), ("user_gender", pa.string()),
    ("audio_augmented", pa.binary()),
    # Conversations only: every turn-taking label kept (backchannels with word times, the plan drawn, seconds
    # both channels speak and barge-ins, measured from the audio) and the duplex timing heard in the audio
    # (synth_assets/dialogues/duplex.py: floor-transfer offsets, overlap, barge-ins heard, unlabelled speech).
    ("backchannels", pa.string()), ("turn_taking", pa.string()), ("overlap_s", pa.float64()),
    ("interruptions", pa.int64()), ("duplex", pa.string()),
])



def recording_rows(store: Store, batches: list[str]) -> Iterator[dict]:
    """Each transcribed utterance of the real recordings, once: a file seen by two batches (a folder
    regrouped after new recordings arrived) gives the same ids, and the first one is kept."""
    seen: set[str] = set()
    for batch in batches:
        labels = {r["parent_id"]: r for r in parts.read_rows(
            store, names.RECORDING_LABELS, batch, columns=["parent_id", "transcript", "words", "confidence"])}
        for row in parts.read_rows(store, names.RECORDED_SPEECH, batch):
            label = labels.get(row["id"])
            if label is None or row["id"] in seen:  # quarantined by the labeller, or released already
                continue
            seen.add(row["id"])
            yield sample(row, "recording", batch, text=label["transcript"], transcript=label["transcript"],
                         words=label["words"], confidence=label["confidence"], channel=row["channel_name"],
                         start_s=row["start_s"], end_s=row["end_s"])


def release_rows(store: Store, partitions: list[str], max_wer: float) -> Iterator[dict]:
    for partition in partitions:
        labels = {r["parent_id"]: r for r in parts.read_rows(
            store, names.PSEUDO_LABELS, partition, columns=["parent_id", "transcript", "wer", "words"])}
        for row in parts.read_rows(store, names.TTS_AUDIO, partition):
            label = labels.get(row["id"], {})
            if label.get("wer", 1.0) <= max_wer:
                yield sample(row, "clip", partition, transcript=label["transcript"], wer=label["wer"],
                             words=label["words"])
        for row in parts.read_rows(store, names.AUGMENTED_CLIPS, partition):
            yield sample(row, "augmented", partition)
        for asset in DIALOGUES:
            for row in parts.read_rows(store, asset, partition):
                yield sample(row, row["kind"], partition, voice_id=row["user_voice"],
                             assistant_voice=row["assistant_voice"], turns=row["turns"],
                             **{column: row.get(column) for column in CONVERSATION_COLUMNS})


def sample(row: dict, kind: str, partition: str, **extra) -> dict:
    """One dataset row: the same columns whatever the kind, so the release reads as one table."""
    base = {
        "id": row["id"], "kind": kind, "parent_id": row["parent_id"], "stage": names.SPEECH_DATASET,
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
    if kind in CONVERSATION_KINDS:
        base["text"] = " / ".join(f"{t['role']}: {t['spoken']}" for t in json.loads(row["turns"]))
    base.update(extra)
    return base


def complete(store: Store, partitions: list[str], assets: tuple[str, ...]) -> list[str]:
    """The partitions whose every one of ``assets`` finished (a failed or pending one is left out)."""
    return sorted(p for p in partitions if all(parts.stored_fingerprint(store, a, p) for a in assets))


def upstream_versions(store: Store, partitions: list[str], assets: tuple[str, ...]) -> dict[str, list]:
    """What the release is made from: each partition's stored fingerprints of ``assets``."""
    return {p: [parts.stored_fingerprint(store, a, p) for a in assets] for p in partitions}


def manifest(frame) -> bytes:
    """The release's rows without audio, as JSON lines."""
    return "".join(json.dumps(r, default=str) + "\n" for r in frame.to_dict("records")).encode()
