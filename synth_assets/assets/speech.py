"""Speech stages: spoken text voiced by TTS (synth_assets/tts/), transcribed back by Whisper
(synth_assets/asr/), and degraded by augmentation (synth_assets/augment/)."""

import pandas as pd
from dagster import AssetExecutionContext, Config, MetadataValue
from pydantic import Field

from resources.asr import WhisperASR
from resources.storage import Storage
from resources.voices import TTSVoices
from synth_assets.asr.labels import label_clips
from synth_assets.augment.clips import augment_partition
from synth_assets.core import names
from synth_assets.core.limits import WER_THRESHOLD
from synth_assets.orchestration.stage import histogram_md, run_stage, stage_asset, upstream_fingerprint
from synth_assets.tts.voicing import Prosody, VoicingTally, voice_clips, voice_inputs

_PROSODY = Prosody()


class ProsodyConfig(Config):
    min_speed: float = Field(default=_PROSODY.min_speed, description="Slowest speaking rate drawn per clip.")
    max_speed: float = Field(default=_PROSODY.max_speed, description="Fastest speaking rate drawn per clip.")
    # Piper's sampling noise (its defaults are 0.667 and 0.8): drawn per clip for Piper voices.
    min_noise_scale: float = Field(default=_PROSODY.min_noise_scale, description="Piper noise_scale, low end.")
    max_noise_scale: float = Field(default=_PROSODY.max_noise_scale, description="Piper noise_scale, high end.")
    min_noise_w_scale: float = Field(default=_PROSODY.min_noise_w_scale, description="Piper noise_w_scale, low end.")
    max_noise_w_scale: float = Field(default=_PROSODY.max_noise_w_scale, description="Piper noise_w_scale, high end.")

    def prosody(self) -> Prosody:
        return Prosody(**self.model_dump())


class RoundTripConfig(Config):
    max_wer: float = Field(default=WER_THRESHOLD, description="Clips above this round-trip WER are not augmented.")


def clip_metadata(frame: pd.DataFrame) -> dict:
    hours = frame["duration_s"].sum() / 3600
    return {"clips": len(frame), "hours": MetadataValue.float(round(float(hours), 4)),
            "clips_per_voice": frame["voice_id"].value_counts().to_dict() if "voice_id" in frame else {}}


@stage_asset(
    deps=(names.SPOKEN_TEXT,),
    group_name="speech",
    kinds=("python", "parquet", "flac"),
    code_version="tts-v3",
    description="Spoken text voiced at 24 kHz mono FLAC: narration and user turns by a voice drawn "
    "balanced by gender, assistant turns by the one assistant voice. Voice, model hash, seed and "
    "speed are recorded per clip.",
)
def tts_audio(context: AssetExecutionContext, config: ProsodyConfig, store: Storage, voices: TTSVoices):
    partition, policy, tally = context.partition_key, voices.policy(), VoicingTally()

    def summarize(frame):
        users = frame[frame["role"] != "assistant"]
        return {**clip_metadata(frame), **tally.metadata(),
                "female_share": round(float((frame["voice_gender"] == "female").mean()), 3),
                "user_female_share": round(float((users["voice_gender"] == "female").mean()), 3) if len(users) else None,
                "target_female_share": policy.target_female_share,
                "clips_per_accent": frame["voice_accent"].value_counts().to_dict()}

    return run_stage(context, store, summarize=summarize,
                     produce=lambda stage: voice_clips(stage, store, partition, config.prosody(), policy, tally),
                     inputs={names.SPOKEN_TEXT: upstream_fingerprint(store, names.SPOKEN_TEXT, partition),
                             "config": config.model_dump(), **voice_inputs(policy),
                             "target_female_share": policy.target_female_share},
                     check_settings={"target_female_share": policy.target_female_share})


@stage_asset(
    deps=(names.TTS_AUDIO,),
    group_name="speech",
    kinds=("python", "parquet"),
    code_version="labels-v2",
    description="Whisper pseudo-labels for every clip: transcript, word timestamps, average log-prob, and "
    "the round-trip WER / CER against the text the voice was given (Whisper's English normaliser).",
)
def pseudo_labels(context: AssetExecutionContext, store: Storage, asr: WhisperASR):
    partition, transcriber = context.partition_key, asr.transcriber()

    def summarize(frame):
        return {
            "median_wer": MetadataValue.float(round(float(frame["wer"].median()), 4)),
            "mean_wer": MetadataValue.float(round(float(frame["wer"].mean()), 4)),
            "mean_cer": MetadataValue.float(round(float(frame["cer"].mean()), 4)),
            "wer_by_voice": frame.groupby("voice_id")["wer"].mean().round(4).to_dict(),
            "wer_histogram": histogram_md(frame["wer"], [0, 0.001, 0.05, 0.1, 0.2, 0.3, 0.5, 10], "WER"),
        }

    return run_stage(context, store, summarize=summarize,
                     produce=lambda stage: label_clips(stage, store, partition, transcriber),
                     inputs={names.TTS_AUDIO: upstream_fingerprint(store, names.TTS_AUDIO, partition),
                             "asr": transcriber.output_settings})


@stage_asset(
    deps=(names.TTS_AUDIO, names.PSEUDO_LABELS),
    group_name="speech",
    kinds=("python", "parquet", "flac"),
    code_version="augment-v1",
    description="Clips that pass the round-trip WER filter, degraded by an audiomentations chain (colored "
    "noise, gain, echo, telephone band, aliasing, distortion); the transforms that fired and their "
    "values are recorded per clip.",
)
def augmented_clips(context: AssetExecutionContext, config: RoundTripConfig, store: Storage):
    partition = context.partition_key

    def summarize(frame):
        return {**clip_metadata(frame),
                "transforms": frame["augmentations"].str.split(",").explode().value_counts().to_dict()}

    return run_stage(context, store, summarize=summarize,
                     produce=lambda stage: augment_partition(stage, store, partition, config.max_wer),
                     inputs={names.TTS_AUDIO: upstream_fingerprint(store, names.TTS_AUDIO, partition),
                             names.PSEUDO_LABELS: upstream_fingerprint(store, names.PSEUDO_LABELS, partition),
                             "config": config.model_dump()})
