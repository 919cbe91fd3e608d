"""recording_labels' work: every utterance of an audio batch transcribed by Whisper, each channel on
its own, with word times relative to the utterance and absolute in the file. There is no reference
text, so empty transcripts and ASR failures are what gets quarantined."""

from __future__ import annotations

import json
from typing import Iterator

from synth_assets.asr.transcriber import Transcriber
from synth_assets.core import names, parts
from synth_assets.core.audio import from_flac
from synth_assets.core.records import Quarantined, params, stable_id
from synth_assets.core.speech_records import RecordingLabel
from synth_assets.core.stage_run import StageRun
from synth_assets.core.storage import Store

RECORDING_COLUMNS = ("source", "snapshot", "role", "document_id", "license", "collection", "file", "channel",
                     "channel_name", "start_s", "end_s", "duration_s")


def label_utterances(stage: StageRun, store: Store, partition: str, asr: Transcriber) -> Iterator[dict]:
    """The recording_labels rows (RecordingLabel, core/speech_records.py) of the batch's utterances."""
    def clips():
        for row in parts.read_rows(store, names.RECORDED_SPEECH, partition):
            yield (row, *from_flac(row.pop("audio")))

    for row, transcript in asr.transcribe_rows(clips()):
        where = f"{row['channel_name']} {row['start_s']:.2f}-{row['end_s']:.2f} s"
        if transcript.error or not transcript.text.strip():
            reason = (f"ASR failed: {transcript.error}" if transcript.error
                      else "no words heard (empty transcript) in an utterance the VAD marked as speech")
            stage.quarantine(Quarantined(stage=names.RECORDING_LABELS, file=row["file"], position=where,
                                         reason=reason, raw=row["id"]))
            continue
        words = [{**w, "file_start": round(row["start_s"] + w["start"], 3),
                  "file_end": round(row["start_s"] + w["end"], 3)} for w in transcript.words]
        yield RecordingLabel(
            id=stable_id(names.RECORDING_LABELS, row["id"], asr.model_id, asr.beam_size),
            parent_id=row["id"], stage=names.RECORDING_LABELS,
            params=params(model_id=asr.model_id, beam_size=asr.beam_size, packed=transcript.packed),
            **{k: row[k] for k in RECORDING_COLUMNS},
            transcript=transcript.text, words=json.dumps(words), word_count=len(words),
            language=transcript.language, avg_logprob=round(float(transcript.avg_logprob), 4),
            confidence=transcript.confidence, model_id=transcript.model_id,
        ).to_row()
