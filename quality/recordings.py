"""The real recordings' checks: utterances cut from their files (recorded_speech) and Whisper's
transcripts of them (recording_labels). The columns they judge are those of the stages' records
(Utterance, RecordingLabel: core/speech_records.py), documented there."""

from __future__ import annotations

from quality.base import Suite, between, gxe, lineage, nonempty_text, not_null
from synth_assets.core import names
from synth_assets.core.limits import MAX_CLIP_SECONDS, RECORDING_MIN_CONFIDENCE
from synth_assets.core.speech_records import RecordingLabel, Utterance

STAGE_SUITES = (
    Suite("recorded_speech_valid", names.RECORDED_SPEECH,
          "Utterances of real recordings are 24 kHz, 0.3-30 s long, lie inside their file, come from a mono, "
          "left or right channel, and name the file (and its content hash) they were cut from.",
          lambda: [*lineage(), gxe.ExpectColumnValuesToBeInSet(column="sample_rate", value_set=[24000]),
                   between("duration_s", 0.3, MAX_CLIP_SECONDS), between("start_s", 0.0),
                   gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A="end_s", column_B="start_s"),
                   gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A="file_duration_s", column_B="end_s",
                                                               or_equal=True),
                   gxe.ExpectColumnValuesToBeInSet(column="channel_name", value_set=["mono", "left", "right"]),
                   between("source_rate", 8000, 192000), not_null("file"), not_null("file_sha256")],
          record=Utterance),
    Suite("recording_labels_valid", names.RECORDING_LABELS,
          "Every transcribed utterance has text and word timestamps; confidence (mean word probability) lies in "
          f"[0, 1] and is at least {RECORDING_MIN_CONFIDENCE} for half of a partition's utterances (else the audio "
          "is probably not English speech Whisper can hear).",
          lambda: [*lineage(), nonempty_text("transcript"), between("word_count", 1),
                   between("confidence", 0.0, 1.0),
                   between("confidence", RECORDING_MIN_CONFIDENCE, 1.0, mostly=0.5), not_null("parent_id")],
          record=RecordingLabel),
)
