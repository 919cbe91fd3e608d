"""Speech stages: spoken text voiced by TTS (synth_assets/tts/), transcribed back by Whisper
(synth_assets/asr/), and degraded by augmentation (synth_assets/augment/)."""

import pandas as pd
from dagster import AssetExecutionContext, Config, MetadataValue
from pydantic import Field

from resources.asr import WhisperASR
from resources.storage import Storage
from resources.voices import TTSVoices
from synth_assets.asr.labels import LabelTally, label_clips
from synth_assets.augment.clips import DEFAULT_RECIPES, augment_partition
from synth_assets.core import names
from synth_assets.core.limits import LIGHT_RECIPE_WER_GAP, WER_THRESHOLD
from synth_assets.orchestration.config import carrying, settings_from
from synth_assets.orchestration.stage import histogram_md, run_stage, stage_asset, upstream_fingerprint
from synth_assets.tts.voicing import Prosody, VoicingTally, voice_clips, voice_inputs

class ProsodyConfig(Config, carrying(Prosody)):
    def prosody(self) -> Prosody:
        return settings_from(Prosody, self)


class RoundTripConfig(Config):
    max_wer: float = Field(default=WER_THRESHOLD, description="Clips above this round-trip WER are not augmented.")
    recipes: list[str] = Field(default=list(DEFAULT_RECIPES), description="Augmentation recipes "
                               "(synth_assets/augment/recipes.py: moshi-user, telephone, clean), one drawn per clip.")
    noise_folder: str = Field(default="", description="A folder of noise recordings to mix in instead of the "
                              "generated noise bank (coloured noise, hum, babble of other clips).")


def clip_metadata(frame: pd.DataFrame) -> dict:
    hours = frame["duration_s"].sum() / 3600
    return {"clips": len(frame), "hours": MetadataValue.float(round(float(hours), 4)),
            "clips_per_voice": frame["voice_id"].value_counts().to_dict() if "voice_id" in frame else {}}


@stage_asset(
    deps=(names.SPOKEN_TEXT,),
    group_name="speech",
    kinds=("python", "parquet", "flac"),
    code_version="tts-v4",  # v3: Piper noise drawn from the clip seed; v4: Kokoro voices in the user pool
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

    return run_stage(context, store, summarize=summarize, track=True, items_from=names.SPOKEN_TEXT,
                     produce=lambda stage: voice_clips(stage, store, partition, config.prosody(), policy, tally),
                     inputs={names.SPOKEN_TEXT: upstream_fingerprint(store, names.SPOKEN_TEXT, partition),
                             "config": config.model_dump(), **voice_inputs(policy),
                             "target_female_share": policy.target_female_share},
                     check_settings={"target_female_share": policy.target_female_share})


@stage_asset(
    deps=(names.TTS_AUDIO,),
    group_name="speech",
    kinds=("python", "parquet"),
    code_version="labels-v4",  # v4: round-trip WER forgives sound-alike names (exact_wer beside it)
    description="Whisper pseudo-labels for every clip: transcript, word timestamps, average log-prob, and "
    "the round-trip WER / CER against the text the voice was given (Whisper's English normaliser; wer forgives "
    "a proper name heard as a sound-alike, exact_wer does not, wer_method says which method).",
)
def pseudo_labels(context: AssetExecutionContext, store: Storage, asr: WhisperASR):
    partition, transcriber, tally = context.partition_key, asr.transcriber(), LabelTally()

    def summarize(frame):
        return {
            **tally.metadata(),
            "median_wer": MetadataValue.float(round(float(frame["wer"].median()), 4)),
            "wer_method": str(frame["wer_method"].iloc[0]) if "wer_method" in frame else "exact",
            "median_exact_wer": MetadataValue.float(round(float(frame.get("exact_wer", frame["wer"]).median()), 4)),
            "clips_under_max_wer": MetadataValue.float(round(float((frame["wer"] <= WER_THRESHOLD).mean()), 4)),
            "mean_wer": MetadataValue.float(round(float(frame["wer"].mean()), 4)),
            "mean_cer": MetadataValue.float(round(float(frame["cer"].mean()), 4)),
            "wer_by_voice": frame.groupby("voice_id")["wer"].mean().round(4).to_dict(),
            "wer_histogram": histogram_md(frame["wer"], [0, 0.001, 0.05, 0.1, 0.2, 0.3, 0.5, 10], "WER"),
        }

    return run_stage(context, store, summarize=summarize, track=True, items_from=names.TTS_AUDIO,
                     produce=lambda stage: label_clips(stage, store, partition, transcriber, tally),
                     inputs={names.TTS_AUDIO: upstream_fingerprint(store, names.TTS_AUDIO, partition),
                             "asr": transcriber.output_settings})


@stage_asset(
    deps=(names.TTS_AUDIO, names.PSEUDO_LABELS),
    group_name="speech",
    kinds=("python", "parquet", "flac"),
    code_version="augment-v5",  # v5: light recipes' WER forgives sound-alike names, as the clean clip's does
    description="Clips that pass the round-trip WER filter, each put through a named, versioned recipe "
    "(moshi-user: gain, noise, echo and reverb; telephone: 300-3400 Hz, 8 kHz, codec; clean); the steps "
    "that fired, their drawn values and the measured SNR are recorded per clip. Clips of light recipes "
    f"(telephone, clean) are transcribed back: their mean WER must stay within {LIGHT_RECIPE_WER_GAP * 100:.0f} points "
    "of the clean clips' (less the worst clip).",
)
def augmented_clips(context: AssetExecutionContext, config: RoundTripConfig, store: Storage, asr: WhisperASR):
    partition, transcriber = context.partition_key, asr.transcriber()

    def summarize(frame):
        steps = frame["augmentations"].str.partition(":")[2].str.split(",").explode()
        gap = (frame["wer"] - frame["clean_wer"]).dropna()
        return {**clip_metadata(frame), "recipes": frame["recipe"].value_counts().to_dict(),
                "light_recipe_wer_gap": round(float(gap.mean()), 4) if len(gap) else None,
                "steps": steps[steps != ""].value_counts().to_dict(),
                "median_snr_db": None if frame["snr_db"].isna().all() else round(float(frame["snr_db"].median()), 2)}

    return run_stage(context, store, summarize=summarize, track=True, items_from=names.TTS_AUDIO,
                     produce=lambda stage: augment_partition(stage, store, partition, config.max_wer,
                                                             tuple(config.recipes), config.noise_folder, transcriber),
                     inputs={names.TTS_AUDIO: upstream_fingerprint(store, names.TTS_AUDIO, partition),
                             names.PSEUDO_LABELS: upstream_fingerprint(store, names.PSEUDO_LABELS, partition),
                             "config": config.model_dump(), "asr": transcriber.output_settings})
