"""pseudo_labels' work: every clip of a partition transcribed back by Whisper (packed), with word
timestamps and the round-trip WER / CER against the text the voice was given. ``wer`` forgives a proper
name heard as a sound-alike (quality/metrics.py round_trip; ``wer_method`` names the method), ``exact_wer``
does not, and ``names_forgiven`` lists what was forgiven ("telephus=telafus"). A label's columns are
those of ClipLabel (core/speech_records.py)."""

from __future__ import annotations

import json
from collections import deque
from dataclasses import dataclass
from typing import Any, Iterator

from quality.metrics import cer, round_trip
from synth_assets.asr.reuse import PreviousLabels, audio_hash, settings_hash
from synth_assets.asr.transcriber import Transcriber
from synth_assets.core import names, parts
from synth_assets.core.audio_input import BadAudio, decode_mono
from synth_assets.core.records import LINEAGE_COLUMNS, Quarantined, params, stable_id
from synth_assets.core.speech_records import Clip, ClipLabel
from synth_assets.core.stage_run import StageRun
from synth_assets.core.storage import Store


@dataclass
class LabelTally:
    """How a partition's labels came to be, for the asset's metadata."""

    transcribed: int = 0
    kept: int = 0  # stored labels of unchanged clips, kept with their release decision

    def metadata(self) -> dict[str, int]:
        return {"clips_transcribed": self.transcribed, "labels_kept": self.kept}


def label_clips(stage: StageRun, store: Store, partition: str, asr: Transcriber,
                tally: LabelTally | None = None) -> Iterator[dict[str, Any]]:
    """A label row per clip of the partition, in clip order. A clip whose label is stored already
    (same clip, audio, text, ASR settings and code) keeps it; the others are transcribed."""
    tally = tally if tally is not None else LabelTally()
    previous = PreviousLabels(store, partition, stage.code_version)
    settings = settings_hash(asr.output_settings)
    queue: deque[dict[str, Any] | str] = deque()  # clip order: a kept label row, or the id of a clip to transcribe

    def clips():
        for row in parts.read_rows(store, names.TTS_AUDIO, partition):
            audio = row.pop("audio")
            row["audio_sha256"] = audio_hash(audio)
            kept = previous.find(label_id(row, asr), row["audio_sha256"], row["text"], settings)
            if kept is not None:
                tally.kept += 1
                queue.append(kept)
                continue
            try:
                samples = decode_mono(audio)
            except BadAudio as error:
                stage.quarantine(Quarantined(stage=names.PSEUDO_LABELS, file=row["id"], position="audio",
                                             reason=f"BadAudio: {error}", raw=row["text"][:300]))
                continue
            tally.transcribed += 1
            queue.append(row["id"])
            yield (row, *samples)

    def kept_before(clip_id: str | None) -> Iterator[dict[str, Any]]:
        while queue and queue[0] != clip_id:
            yield queue.popleft()
        if queue:
            queue.popleft()

    for row, transcript in asr.transcribe_rows(clips()):
        yield from kept_before(row["id"])
        if transcript.error:
            stage.quarantine(Quarantined(stage=names.PSEUDO_LABELS, file=row["id"], position=asr.model_id,
                                         reason=f"ASR failed: {transcript.error}", raw=row["text"][:300]))
            continue
        yield label_row(row, transcript, asr, settings)
    yield from kept_before(None)


def label_id(clip: dict[str, Any], asr: Transcriber) -> str:
    return stable_id(names.PSEUDO_LABELS, clip["id"], asr.model_id, asr.beam_size)


def label_row(row: dict[str, Any], transcript, asr: Transcriber, settings: str) -> dict[str, Any]:
    """The pseudo_labels row of a clip (``row``: its tts_audio row, with ``audio_sha256``) and what was heard."""
    clip = Clip.from_row(row)
    heard = round_trip(clip.text, transcript.text)
    return ClipLabel(
        id=label_id(row, asr), parent_id=clip.id, stage=names.PSEUDO_LABELS,
        params=params(model_id=asr.model_id, beam_size=asr.beam_size, packed=transcript.packed,
                      audio_sha256=row["audio_sha256"], asr_settings=settings),
        **{k: row[k] for k in LINEAGE_COLUMNS},
        voice_id=clip.voice_id, duration_s=clip.duration_s,
        reference=clip.text, transcript=transcript.text,
        words=json.dumps(transcript.words), language=transcript.language,
        avg_logprob=round(transcript.avg_logprob, 4), confidence=transcript.confidence,
        model_id=transcript.model_id,
        wer=round(heard.wer, 4), exact_wer=round(heard.exact_wer, 4), wer_method=heard.method,
        names_forgiven=json.dumps(heard.names_forgiven),
        cer=round(cer(clip.text, transcript.text), 4),
    ).to_row()
