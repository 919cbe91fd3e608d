"""The speech and recording stages' typed rows (core/speech_records.py) and the release row (release/rows.py): each
reads a stored row and writes it back unchanged, column for column and in the stored order, so the
stages write the same data as before; and each column says where the release carries it, or why not,
and that is what the release does."""

from __future__ import annotations

import dataclasses

import pyarrow as pa
import pytest

from synth_assets.core import names, parts
from synth_assets.core.speech_records import AugmentedClip, Clip, ClipLabel, RecordingLabel, Utterance, columns
from synth_assets.core.storage import LocalStore
from synth_assets.release.rows import RELEASE_SCHEMA, ReleaseRow, recording_rows, release_rows
from tests.core.stored_rows import (BATCH, CALL, PARTITION, STORED_AUGMENTED, STORED_CLIP, STORED_LABEL,
                                    STORED_RECORDING_LABEL, STORED_UTTERANCE)

RECORDS = [(Clip, STORED_CLIP), (ClipLabel, STORED_LABEL), (AugmentedClip, STORED_AUGMENTED),
           (Utterance, STORED_UTTERANCE), (RecordingLabel, STORED_RECORDING_LABEL)]
SPEECH_RECORDS = [record for record, _ in RECORDS]

# speech_dataset's columns as release-v5 stored them, before the schema was made from ReleaseRow.
STORED_RELEASE_COLUMNS = [
    ("id", pa.string()), ("kind", pa.string()), ("parent_id", pa.string()), ("stage", pa.string()),
    ("partition", pa.string()), ("source", pa.string()), ("snapshot", pa.string()),
    ("source_document", pa.string()), ("text", pa.string()), ("transcript", pa.string()), ("wer", pa.float64()),
    ("words", pa.string()), ("turns", pa.string()), ("voice_id", pa.string()), ("assistant_voice", pa.string()),
    ("text_license", pa.string()), ("sample_rate", pa.int64()), ("channels", pa.int64()),
    ("duration_s", pa.float64()), ("channel", pa.string()), ("start_s", pa.float64()), ("end_s", pa.float64()),
    ("confidence", pa.float64()), ("lineage", pa.string()), ("made_by_run", pa.string()),
    ("made_by_code", pa.string()), ("audio", pa.binary()), ("channel_layout", pa.string()),
    ("peak_dbfs", pa.float64()), ("clipping_ratio", pa.float64()), ("silence_ratio", pa.float64()),
    ("snr_db", pa.float64()), ("quality_by_channel", pa.string()), ("mos", pa.float64()),
    ("words_assistant", pa.string()), ("words_user", pa.string()), ("user_gender", pa.string()),
    ("audio_augmented", pa.binary()), ("backchannels", pa.string()), ("turn_taking", pa.string()),
    ("overlap_s", pa.float64()), ("interruptions", pa.int64()), ("duplex", pa.string()),
]


@pytest.mark.parametrize(("record", "stored"), RECORDS, ids=lambda r: getattr(r, "__name__", ""))
def test_a_speech_record_writes_back_the_stored_row_it_read_column_for_column_in_order(record, stored):
    row = record.from_row(stored).to_row()
    assert row == stored
    assert list(row) == list(stored) == list(columns(record))


def test_a_row_made_before_the_stage_stamps_it_gets_its_code_version_and_run_id_last_as_stored():
    made = Clip.from_row({k: v for k, v in STORED_CLIP.items() if k not in ("code_version", "run_id")}).to_row()
    made.update(code_version="tts-v4", run_id=STORED_CLIP["run_id"])  # what StageRun.stamp does
    assert list(made) == list(STORED_CLIP) and made == STORED_CLIP


def test_the_release_schema_made_from_the_release_row_is_the_one_stored():
    assert RELEASE_SCHEMA.equals(pa.schema(STORED_RELEASE_COLUMNS))


def test_a_release_row_writes_back_the_stored_release_row_it_read():
    stored = {name: None for name, _ in STORED_RELEASE_COLUMNS} | {"id": "tts-1", "kind": "clip", "wer": 0.0,
                                                                    "sample_rate": 24000, "audio": b"fLaC"}
    assert ReleaseRow.from_row(stored).to_row() == stored


@pytest.mark.parametrize("record", [*SPEECH_RECORDS, ReleaseRow], ids=lambda r: r.__name__)
def test_every_column_is_documented(record):
    assert all(doc.strip() for doc in columns(record).values()), [c for c, d in columns(record).items() if not d]


@pytest.mark.parametrize("record", SPEECH_RECORDS, ids=lambda r: r.__name__)
def test_every_column_a_stage_makes_names_the_release_column_that_carries_it_or_why_none_does(record):
    release_columns = {f.name for f in dataclasses.fields(ReleaseRow)}
    for f in dataclasses.fields(record):
        release, why = f.metadata.get("release"), f.metadata.get("not_released")
        assert bool(release) != bool(why), f"{record.__name__}.{f.name}: a release column or a reason, one of them"
        assert release is None or release in release_columns, f"{record.__name__}.{f.name} -> {release}"


def test_the_release_carries_every_column_the_records_say_it_does(tmp_path):
    store = LocalStore(tmp_path / "data")
    for asset, row in ((names.TTS_AUDIO, STORED_CLIP), (names.PSEUDO_LABELS, STORED_LABEL),
                       (names.AUGMENTED_CLIPS, STORED_AUGMENTED)):
        parts.write_parts(store, asset, PARTITION, [row], fingerprint_value="fp")
    released = {r["kind"]: r for r in release_rows(store, [PARTITION], max_wer=0.25)}
    assert set(released) == {"clip", "augmented"}
    for record, stored, kind in ((Clip, STORED_CLIP, "clip"), (ClipLabel, STORED_LABEL, "clip"),
                                 (AugmentedClip, STORED_AUGMENTED, "augmented")):
        for f in dataclasses.fields(record):
            if f.metadata.get("release"):
                assert released[kind][f.metadata["release"]] == stored[f.name], f"{record.__name__}.{f.name}"
    assert released["augmented"]["wer"] is None  # as the record says: the release's wer is the clean clips'


def test_the_release_carries_every_recording_column_the_records_say_it_does(tmp_path):
    store = LocalStore(tmp_path / "data")
    parts.write_parts(store, names.RECORDED_SPEECH, BATCH, [STORED_UTTERANCE], fingerprint_value="fp")
    parts.write_parts(store, names.RECORDING_LABELS, BATCH, [STORED_RECORDING_LABEL], fingerprint_value="fp")
    (released,) = recording_rows(store, [BATCH])
    for record, stored in ((Utterance, STORED_UTTERANCE), (RecordingLabel, STORED_RECORDING_LABEL)):
        for f in dataclasses.fields(record):
            if f.metadata.get("release"):
                assert released[f.metadata["release"]] == stored[f.name], f"{record.__name__}.{f.name}"
    assert (released["kind"], released["text"], released["channels"]) == ("recording", "Hello there.", 1)


def test_an_utterance_row_the_recordings_stage_makes_is_its_records_column_for_column():
    import numpy as np

    from synth_assets.recordings.batches import AudioBatch
    from synth_assets.recordings.decode import Recording
    from synth_assets.recordings.rows import utterance_row
    from synth_assets.recordings.utterances import Segmentation, Span

    call = Recording(8000, 2, 24000, "WAV PCM_16", ("left", "right"),
                     [np.full(300, 0.9, np.float32), np.full(300, 0.2, np.float32)])
    audio = (0.1 * np.sin(np.arange(24000) / 5)).astype(np.float32)
    made = utterance_row(CALL, "ab" * 32, AudioBatch("support-calls/2026-11", 0), {"license": "CC0-1.0"},
                         Segmentation(), call, 1, Span(0.5, 1.5), audio)
    made.update(code_version="recordings-v1", run_id=STORED_UTTERANCE["run_id"])  # what StageRun.stamp does
    assert list(made) == list(STORED_UTTERANCE) == list(columns(Utterance))
    assert Utterance.from_row(made).to_row() == made
    assert {k: made[k] for k in ("id", "channel_name", "start_s", "end_s", "duration_s", "file_duration_s")} == \
        {k: STORED_UTTERANCE[k] for k in ("id", "channel_name", "start_s", "end_s", "duration_s", "file_duration_s")}


def test_the_exports_read_every_release_column_but_those_the_release_row_says_they_leave_out():
    from synth_assets.release.export import ROW_COLUMNS

    kept = {f.name for f in dataclasses.fields(ReleaseRow) if not f.metadata.get("not_exported")}
    assert set(ROW_COLUMNS) == kept | {"content_hash"}
