"""The release's rows: every finished partition's labelled clips (those under the WER limit), augmented
clips and conversations, and every audio batch's transcribed real recordings, in one table whose
columns are the same whatever the kind."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from dataclasses import dataclass

import pyarrow as pa

from synth_assets.core import names, parts, records
from synth_assets.core.conversation_records import Conversation
from synth_assets.core.speech_records import AugmentedClip, Clip, Utterance, column, released
from synth_assets.core.storage import Store

DIALOGUES = (names.SAFETY_DIALOGUES, names.FALSE_PREMISE_DIALOGUES, names.INSTRUCTION_DIALOGUES)
CONVERSATION_KINDS = ("safety", "false_premise", "instruction", "clarification")  # a conversation row's kind
UPSTREAM = (names.TTS_AUDIO, names.PSEUDO_LABELS, names.AUGMENTED_CLIPS, *DIALOGUES)
RECORDINGS = (names.RECORDED_SPEECH, names.RECORDING_LABELS)  # partitioned by audio batches
MANIFEST = f"{names.SPEECH_DATASET}/manifest.jsonl"


def _col(doc: str, arrow: pa.DataType, not_exported: str | None = None):
    return column(doc, None, arrow=arrow, not_exported=not_exported)


# Why an export (release/export.py) leaves a release column out.
PROVENANCE = ("provenance: in the release's parts, release.json and the lineage store (`synth lineage`), not a "
              "training input")


@dataclass
class ReleaseRow:
    """A speech_dataset row: one sample of the release, the same columns whatever its kind (clip,
    augmented, recording, or a conversation kind: CONVERSATION_KINDS), so the release reads as one table.
    Made from a Clip and its ClipLabel, an AugmentedClip (core/speech_records.py), a Conversation
    (core/conversation_records.py) or an Utterance and its RecordingLabel. Which column of theirs becomes
    which of these, and why the others stay out, is written on those records. The field order is the
    stored column order: ``RELEASE_SCHEMA`` is made from it. A cut release (release/versions.py) adds
    ``content_hash``, the sha256 of ``audio``, which the exports carry too; ``not_exported`` says why an
    export leaves a column out (release/export.py ROW_COLUMNS)."""

    id: str = _col("The sample's id: its clip's, augmented clip's, conversation's or utterance's", pa.string())
    kind: str = _col("clip, augmented, recording, or a conversation kind (CONVERSATION_KINDS)", pa.string())
    parent_id: str = _col("The id of the row the sample was made from", pa.string(), PROVENANCE)
    stage: str = _col("speech_dataset", pa.string(), "the same for every sample")
    partition: str = _col("The crawl shard (or audio batch) it came from", pa.string())
    source: str = _col("Landing-zone source name", pa.string())
    snapshot: str = _col("Crawl snapshot id", pa.string())
    source_document: str = _col("The crawl document (or recording file) the sample came from", pa.string())
    text: str = _col("What was said: a clip's text; a conversation's turns as 'role: spoken / ...'; an "
                     "utterance's transcript", pa.string())
    transcript: str = _col("What Whisper heard (clips, recordings)", pa.string())
    wer: float = _col("The clip's round-trip WER (clips only)", pa.float64())
    words: str = _col("JSON list of the words heard with their times (clips, recordings)", pa.string())
    turns: str = _col("JSON list of a conversation's turns (role, spoken, start, end, labels)", pa.string())
    voice_id: str = _col("The voice (a conversation: the user's)", pa.string())
    assistant_voice: str = _col("A conversation's assistant voice", pa.string())
    text_license: str = _col("The license of the source text", pa.string())
    sample_rate: int = _col("Samples per second of ``audio``", pa.int64())
    channels: int = _col("1, or 2 for a conversation", pa.int64())
    duration_s: float = _col("Seconds of audio", pa.float64())
    channel: str = _col("A recording's channel name", pa.string())
    start_s: float = _col("Where a recorded utterance starts in its file, seconds", pa.float64())
    end_s: float = _col("Where it ends", pa.float64())
    confidence: float = _col("A recorded utterance's transcription confidence", pa.float64(),
                             "not exported yet: in the release's parts")
    lineage: str = _col("JSON object: the ``params`` of the row the sample was made from", pa.string(), PROVENANCE)
    made_by_run: str = _col("The run that made that row", pa.string(), PROVENANCE)
    made_by_code: str = _col("The code version that made it", pa.string(), PROVENANCE)
    audio: bytes = _col("FLAC bytes (a conversation: stereo, channels as ``channel_layout`` says)", pa.binary())
    channel_layout: str = _col('Which role each channel of a conversation holds ("user,assistant" when missing: '
                               'the old layout)', pa.string())
    # Audio quality (core/audio_quality.py, release/quality.py), measured from ``audio`` for every sample.
    peak_dbfs: float = _col("Peak level, dBFS", pa.float64())
    clipping_ratio: float = _col("Share of samples at full scale", pa.float64())
    silence_ratio: float = _col("Share of 20 ms frames without speech", pa.float64())
    snr_db: float = _col("Speech over the background estimate, dB", pa.float64())
    quality_by_channel: str = _col("JSON list: the four figures per channel", pa.string(),
                                   "the exports carry the four figures over all channels; per channel, in the "
                                   "release's parts")
    mos: float = _col("DNSMOS overall, only on the sample a cut release rates", pa.float64())
    words_assistant: str = _col("Conversations: the assistant channel's words with times (JSON)", pa.string())
    words_user: str = _col("Conversations: the user channel's words with times (JSON)", pa.string())
    user_gender: str = _col("Conversations: the user voice's gender", pa.string(),
                            "not exported yet: in the release's parts, and the dataset card reports the mix")
    audio_augmented: bytes = _col("Conversations: the audio with the user channel augmented (FLAC; the assistant "
                                  "channel as in ``audio``)", pa.binary(),
                                  "an export holds one audio per sample, ``audio``; the augmented twin is in the "
                                  "release's parts")
    # Conversations only: every turn-taking label kept (backchannels with word times, the plan drawn, seconds
    # both channels speak and barge-ins, measured from the audio) and the duplex timing heard in the audio
    # (synth_assets/dialogues/duplex.py: floor-transfer offsets, overlap, barge-ins heard, unlabelled speech).
    backchannels: str = _col("Conversations: the backchannels, with word times (JSON)", pa.string())
    turn_taking: str = _col("Conversations: the turn-taking plan drawn (JSON)", pa.string())
    overlap_s: float = _col("Conversations: seconds both channels speak", pa.float64())
    interruptions: int = _col("Conversations: barge-ins", pa.int64())
    duplex: str = _col("Conversations: the duplex timing heard in the audio (JSON)", pa.string())

    def to_row(self) -> dict:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    @classmethod
    def from_row(cls, row: dict) -> ReleaseRow:
        return records.from_row(cls, row)


# One schema whatever the kinds present: a column that only some kinds fill (a recording's channel
# and span) must not take its type from the first rows written, where it may be all null.
RELEASE_SCHEMA = pa.schema([(f.name, f.metadata["arrow"]) for f in dataclasses.fields(ReleaseRow)])


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
            yield speech_sample(Utterance.from_row(row), "recording", batch, text=label["transcript"],
                                transcript=label["transcript"], words=label["words"], confidence=label["confidence"])


def release_rows(store: Store, partitions: list[str], max_wer: float) -> Iterator[dict]:
    for partition in partitions:
        labels = {r["parent_id"]: r for r in parts.read_rows(
            store, names.PSEUDO_LABELS, partition, columns=["parent_id", "transcript", "wer", "words"])}
        for row in parts.read_rows(store, names.TTS_AUDIO, partition):
            label = labels.get(row["id"], {})
            if label.get("wer", 1.0) <= max_wer:
                yield speech_sample(Clip.from_row(row), "clip", partition, transcript=label["transcript"],
                                    wer=label["wer"], words=label["words"])
        for row in parts.read_rows(store, names.AUGMENTED_CLIPS, partition):
            yield speech_sample(AugmentedClip.from_row(row), "augmented", partition)
        for asset in DIALOGUES:
            for row in parts.read_rows(store, asset, partition):
                yield conversation_sample(Conversation.from_row(row), partition)


def speech_sample(record: Clip | AugmentedClip | Utterance, kind: str, partition: str, **extra) -> dict:
    """The release row of a clip, an augmented clip or a recorded utterance: its columns that the record
    says the release carries (core/speech_records.py), under their release names; ``extra``: what comes
    from elsewhere (the clip's or the utterance's label: ClipLabel, RecordingLabel)."""
    return ReleaseRow(kind=kind, stage=names.SPEECH_DATASET, partition=partition, channels=1,
                      **released(record), **extra).to_row()


def conversation_sample(record: Conversation, partition: str) -> dict:
    """The release row of a conversation: its columns that the record says the release carries
    (core/conversation_records.py), under their release names (a column missing from a row stored
    before it: null), and its turns' spoken words as ``text``."""
    text = " / ".join(f"{t['role']}: {t['spoken']}" for t in json.loads(record.turns))
    return ReleaseRow(stage=names.SPEECH_DATASET, partition=partition, text=text, **released(record)).to_row()


def complete(store: Store, partitions: list[str], assets: tuple[str, ...]) -> list[str]:
    """The partitions whose every one of ``assets`` finished (a failed or pending one is left out)."""
    return sorted(p for p in partitions if all(parts.stored_fingerprint(store, a, p) for a in assets))


def upstream_versions(store: Store, partitions: list[str], assets: tuple[str, ...]) -> dict[str, list]:
    """What the release is made from: each partition's stored fingerprints of ``assets``."""
    return {p: [parts.stored_fingerprint(store, a, p) for a in assets] for p in partitions}


def manifest(frame) -> bytes:
    """The release's rows without audio, as JSON lines."""
    return "".join(json.dumps(r, default=str) + "\n" for r in frame.to_dict("records")).encode()
