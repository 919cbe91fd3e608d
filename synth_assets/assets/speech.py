"""Speech stages: spoken text voiced by TTS, transcribed back by Whisper, and degraded by augmentation."""


import json

import numpy as np
import pandas as pd
from dagster import AssetExecutionContext, Config, MetadataValue
from pydantic import Field

from quality.expectations import MAX_CLIP_SECONDS, WER_THRESHOLD
from quality.metrics import cer, wer
from resources.asr import WhisperASR
from resources.storage import Storage
from resources.voices import TTSVoices, model_hash
from synth_assets.core import parts
from synth_assets.core.audio import SAMPLE_RATE, from_flac, to_flac
from synth_assets.core.audio_input import BadAudio, decode_mono
from synth_assets.augment.chain import CHAIN_VERSION, augment
from synth_assets.tts.reuse import PreviousClips
from synth_assets.core.records import Quarantined, seed_from_id, stable_id
from synth_assets.orchestration.stage import StageRun, histogram_md, params, run_stage, stage_asset, upstream_fingerprint
from synth_assets.tts.clips import ClipFailed
from synth_assets.tts.voicing import VoicingTally, clip_row, plan_clips, voice_partition

LINEAGE_COLUMNS = ("source", "snapshot", "role", "document_id", "license")


class ProsodyConfig(Config):
    min_speed: float = Field(default=0.95, description="Slowest speaking rate drawn per clip.")
    max_speed: float = Field(default=1.05, description="Fastest speaking rate drawn per clip.")
    # Piper's sampling noise (its defaults are 0.667 and 0.8): drawn per clip for Piper voices.
    min_noise_scale: float = Field(default=0.6, description="Piper noise_scale, low end.")
    max_noise_scale: float = Field(default=0.75, description="Piper noise_scale, high end.")
    min_noise_w_scale: float = Field(default=0.7, description="Piper noise_w_scale, low end.")
    max_noise_w_scale: float = Field(default=0.9, description="Piper noise_w_scale, high end.")


class RoundTripConfig(Config):
    max_wer: float = Field(default=WER_THRESHOLD, description="Clips above this round-trip WER are not augmented.")


def clip_metadata(frame: pd.DataFrame) -> dict:
    hours = frame["duration_s"].sum() / 3600
    return {"clips": len(frame), "hours": MetadataValue.float(round(float(hours), 4)),
            "clips_per_voice": frame["voice_id"].value_counts().to_dict() if "voice_id" in frame else {}}


@stage_asset(
    deps=("spoken_text",),
    group_name="speech",
    kinds=("python", "parquet", "flac"),
    code_version="tts-v2",
    description="Spoken text voiced at 24 kHz mono FLAC: narration and user turns by a voice drawn "
    "balanced by gender, assistant turns by the one assistant voice. Voice, model hash, seed and "
    "speed are recorded per clip.",
)
def tts_audio(context: AssetExecutionContext, config: ProsodyConfig, store: Storage, voices: TTSVoices):
    partition = context.partition_key
    tally = VoicingTally()

    def produce(stage: StageRun):
        def plans():
            return plan_clips(parts.read_rows(store, "spoken_text", partition), partition, config, voices)

        # Opened before the first new part replaces an old one: clips already made are copied, not remade.
        with PreviousClips(store, "tts_audio", partition, stage.code_version) as previous:
            for plan, outcome in voice_partition(plans, previous, voices, max_seconds=MAX_CLIP_SECONDS, tally=tally):
                if isinstance(outcome, ClipFailed):  # text, engine crash or bad samples: this clip only
                    stage.quarantine(Quarantined(stage="tts_audio", file=plan.row["id"], position=plan.choice.voice_id,
                                                 reason=outcome.reason, raw=plan.row["text"][:300]))
                    continue
                yield clip_row(plan, outcome, LINEAGE_COLUMNS)

    def summarize(frame):
        users = frame[frame["role"] != "assistant"]
        return {**clip_metadata(frame), **tally.metadata(),
                "female_share": round(float((frame["voice_gender"] == "female").mean()), 3),
                "user_female_share": round(float((users["voice_gender"] == "female").mean()), 3) if len(users) else None,
                "clips_per_accent": frame["voice_accent"].value_counts().to_dict()}

    # Workers and threads are left out: they change how fast clips are made, never their bytes.
    return run_stage(context, store, produce=produce, summarize=summarize,
                     inputs={"spoken_text": upstream_fingerprint(store, "spoken_text", partition),
                             "config": config.model_dump(),
                             "voices": {v: model_hash(v) for v in voices.available_user_voices()},
                             "assistant_voice": voices.assistant_voice,
                             "target_female_share": voices.target_female_share})


@stage_asset(
    deps=("tts_audio",),
    group_name="speech",
    kinds=("python", "parquet"),
    code_version="labels-v2",
    description="Whisper pseudo-labels for every clip: transcript, word timestamps, average log-prob, and "
    "the round-trip WER / CER against the text the voice was given (Whisper's English normaliser).",
)
def pseudo_labels(context: AssetExecutionContext, store: Storage, asr: WhisperASR):
    partition = context.partition_key

    def produce(stage: StageRun):
        def clips():
            for row in parts.read_rows(store, "tts_audio", partition):
                try:
                    yield (row, *decode_mono(row.pop("audio")))
                except BadAudio as error:
                    stage.quarantine(Quarantined(stage="pseudo_labels", file=row["id"], position="audio",
                                                 reason=f"BadAudio: {error}", raw=row["text"][:300]))

        for row, transcript in asr.transcribe_rows(clips()):
            if transcript.error:
                stage.quarantine(Quarantined(stage="pseudo_labels", file=row["id"], position=asr.model_id,
                                             reason=f"ASR failed: {transcript.error}", raw=row["text"][:300]))
                continue
            yield {
                "id": stable_id("pseudo_labels", row["id"], asr.model_id, asr.beam_size),
                "parent_id": row["id"], "stage": "pseudo_labels",
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

    def summarize(frame):
        return {
            "median_wer": MetadataValue.float(round(float(frame["wer"].median()), 4)),
            "mean_wer": MetadataValue.float(round(float(frame["wer"].mean()), 4)),
            "mean_cer": MetadataValue.float(round(float(frame["cer"].mean()), 4)),
            "wer_by_voice": frame.groupby("voice_id")["wer"].mean().round(4).to_dict(),
            "wer_histogram": histogram_md(frame["wer"], [0, 0.001, 0.05, 0.1, 0.2, 0.3, 0.5, 10], "WER"),
        }

    return run_stage(context, store, produce=produce, summarize=summarize,
                     inputs={"tts_audio": upstream_fingerprint(store, "tts_audio", partition),
                             "asr": asr.output_settings})


@stage_asset(
    deps=("tts_audio", "pseudo_labels"),
    group_name="speech",
    kinds=("python", "parquet", "flac"),
    code_version="augment-v1",
    description="Clips that pass the round-trip WER filter, degraded by an audiomentations chain (colored "
    "noise, gain, echo, telephone band, aliasing, distortion); the transforms that fired and their "
    "values are recorded per clip.",
)
def augmented_clips(context: AssetExecutionContext, config: RoundTripConfig, store: Storage):
    partition = context.partition_key

    def produce(stage: StageRun):
        labels = {r["parent_id"]: r for r in parts.read_rows(store, "pseudo_labels", partition,
                                                           columns=["parent_id", "wer", "transcript"])}
        for row in parts.read_rows(store, "tts_audio", partition):
            label = labels.get(row["id"])
            if label is None or label["wer"] > config.max_wer:
                stage.quarantine(Quarantined(
                    stage="augmented_clips", file=row["id"], position="round trip",
                    reason=f"round-trip WER {label['wer'] if label else 'missing'} over {config.max_wer}",
                    raw=f"said: {row['text'][:140]} | heard: {(label or {}).get('transcript', '')[:140]}"))
                continue
            seed = seed_from_id(row["id"], CHAIN_VERSION)
            audio, chain = augment(from_flac(row["audio"])[0], seed)
            yield {
                "id": stable_id("augmented_clips", row["id"], CHAIN_VERSION, seed),
                "parent_id": row["id"], "stage": "augmented_clips",
                "params": params(chain_version=CHAIN_VERSION, seed=seed, chain=chain),
                **{k: row[k] for k in LINEAGE_COLUMNS},
                "text": row["text"], "voice_id": row["voice_id"], "sample_rate": SAMPLE_RATE,
                "duration_s": round(audio.size / SAMPLE_RATE, 3),
                "augmentations": ",".join(step["transform"] for step in chain),
                "audio": to_flac(audio),
            }

    def summarize(frame):
        return {**clip_metadata(frame),
                "transforms": frame["augmentations"].str.split(",").explode().value_counts().to_dict()}

    return run_stage(context, store, produce=produce, summarize=summarize,
                     inputs={"tts_audio": upstream_fingerprint(store, "tts_audio", partition),
                             "pseudo_labels": upstream_fingerprint(store, "pseudo_labels", partition),
                             "config": config.model_dump()})
