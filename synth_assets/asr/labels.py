"""pseudo_labels' work: every clip of a partition transcribed back by Whisper (packed), with word
timestamps and the round-trip WER / CER against the text the voice was given."""

from __future__ import annotations

import json
from typing import Any, Iterator

from quality.metrics import cer, wer
from synth_assets.asr.transcriber import Transcriber
from synth_assets.core import names, parts
from synth_assets.core.audio_input import BadAudio, decode_mono
from synth_assets.core.records import LINEAGE_COLUMNS, Quarantined, params, stable_id
from synth_assets.core.stage_run import StageRun
from synth_assets.core.storage import Store


def label_clips(stage: StageRun, store: Store, partition: str, asr: Transcriber) -> Iterator[dict[str, Any]]:
    def clips():
        for row in parts.read_rows(store, names.TTS_AUDIO, partition):
            try:
                yield (row, *decode_mono(row.pop("audio")))
            except BadAudio as error:
                stage.quarantine(Quarantined(stage=names.PSEUDO_LABELS, file=row["id"], position="audio",
                                             reason=f"BadAudio: {error}", raw=row["text"][:300]))

    for row, transcript in asr.transcribe_rows(clips()):
        if transcript.error:
            stage.quarantine(Quarantined(stage=names.PSEUDO_LABELS, file=row["id"], position=asr.model_id,
                                         reason=f"ASR failed: {transcript.error}", raw=row["text"][:300]))
            continue
        yield {
            "id": stable_id(names.PSEUDO_LABELS, row["id"], asr.model_id, asr.beam_size),
            "parent_id": row["id"], "stage": names.PSEUDO_LABELS,
            "params": params(model_id=asr.model_id, beam_size=asr.beam_size, packed=transcript.packed),
            **{k: row[k] for k in LINEAGE_COLUMNS},
            "voice_id": row["voice_id"], "duration_s": row["duration_s"],
            "reference": row["text"], "transcript": transcript.text,
            "words": json.dumps(transcript.words), "language": transcript.language,
            "avg_logprob": round(transcript.avg_logprob, 4), "confidence": transcript.confidence,
            "model_id": transcript.model_id,
            "wer": round(wer(row["text"], transcript.text), 4),
            "cer": round(cer(row["text"], transcript.text), 4),
        }
