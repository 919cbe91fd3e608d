"""Real recordings: one folder group of the audio landing zone becomes utterances (``recorded_speech``)
and their Whisper transcripts (``recording_labels``), partitioned by ``audio_batches``."""


from dataclasses import asdict

from dagster import AssetExecutionContext, Config, MetadataValue

from resources.asr import WhisperASR
from resources.storage import Storage
from synth_assets import settings
from synth_assets.core import names
from synth_assets.core.stage_run import StageError
from synth_assets.orchestration.config import carrying, settings_from
from synth_assets.orchestration.partitions import audio_batches
from synth_assets.orchestration.stage import histogram_md, run_stage, stage_asset, upstream_fingerprint
from synth_assets.recordings.batches import AudioBatch, batch_files, collection_options
from synth_assets.recordings.labels import label_utterances
from synth_assets.recordings.rows import batch_utterances, file_sha256, pipeline_versions
from synth_assets.recordings.utterances import Segmentation


_NAMES = {"threshold": "vad_threshold"}  # the run config's name of Segmentation.threshold


class SegmentationConfig(Config, carrying(Segmentation, names=_NAMES)):
    def segmentation(self) -> Segmentation:
        return settings_from(Segmentation, self, names=_NAMES)


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
        raise StageError(f"{batch}: no recordings for this group in {audio_landing.uri(batch.folder)} "
                      "(were they moved or deleted?)")
    try:
        options = collection_options(audio_landing, batch.collection)
    except ValueError as error:
        raise StageError(str(error)) from error
    digests = {key: file_sha256(audio_landing, key) for key in files}
    segmentation = config.segmentation()
    seen: list[dict] = []  # one entry per file read: what the UI's file table shows

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

    return run_stage(context, store, summarize=summarize,
                     produce=lambda stage: batch_utterances(stage, audio_landing, files, digests, batch, options,
                                                            segmentation, seen),
                     inputs={"files": digests, "options": options, "segmentation": asdict(segmentation),
                             "versions": pipeline_versions()})


@stage_asset(
    deps=(names.RECORDED_SPEECH,),
    group_name="recordings",
    kinds=("python", "parquet"),
    code_version="recording-labels-v1",
    partitions_def=audio_batches,
    description="Whisper transcripts of every utterance of the real recordings (each channel on its own), "
    "with word timestamps relative to the utterance and absolute in the file, language, log-prob and "
    "confidence. There is no reference text, so no WER; empty transcripts and ASR failures are quarantined.",
)
def recording_labels(context: AssetExecutionContext, store: Storage, asr: WhisperASR):
    partition, transcriber = context.partition_key, asr.transcriber()

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

    return run_stage(context, store, summarize=summarize,
                     produce=lambda stage: label_utterances(stage, store, partition, transcriber),
                     inputs={names.RECORDED_SPEECH: upstream_fingerprint(store, names.RECORDED_SPEECH, partition),
                             "asr": transcriber.output_settings})
