"""Speech stages: spoken text voiced by TTS, transcribed back by Whisper, and degraded by augmentation."""


import json
import random

import numpy as np
import pandas as pd
from dagster import AssetExecutionContext, Config, MetadataValue
from pydantic import Field

from quality.expectations import MAX_CLIP_SECONDS, WER_THRESHOLD
from quality.metrics import cer, wer
from resources.asr import WhisperASR
from resources.storage import Storage
from resources.voices import REGISTRY, TTSVoices, VoiceChoice, model_hash
from synth_assets import parts
from synth_assets.audio import SAMPLE_RATE, from_flac, rms_dbfs, to_flac
from synth_assets.audio_input import BadAudio, check_samples, decode_mono
from synth_assets.augment import CHAIN_VERSION, augment
from synth_assets.records import Quarantined, seed_from_id, stable_id
from synth_assets.speakable import Unspeakable, clean_for_speech
from synth_assets.stage import StageRun, histogram_md, params, run_stage, stage_asset, upstream_fingerprint

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

    def produce(stage: StageRun):
        slot = seed_from_id(partition, "gender-slot") % 1000  # where this partition's rotation starts
        for row in parts.read_rows(store, "spoken_text", partition):
            seed = seed_from_id(row["id"], "voice")
            if row["role"] == "assistant":
                voice = REGISTRY[voices.assistant_voice]
                choice = VoiceChoice(voice.id, voice.gender, voice.accent)
            else:
                choice = voices.choose_user_voice(seed, slot)
                slot += 1
            voice_id = choice.voice_id
            rng = random.Random(seed)
            speed = round(rng.uniform(config.min_speed, config.max_speed), 3)
            variation = ({"noise_scale": round(rng.uniform(config.min_noise_scale, config.max_noise_scale), 3),
                          "noise_w_scale": round(rng.uniform(config.min_noise_w_scale, config.max_noise_w_scale), 3)}
                         if REGISTRY[voice_id].engine == "piper" else {})
            try:
                text = clean_for_speech(row["text"])
                audio = check_samples(voices.synthesize(voice_id, text, seed=seed, speed=speed, **variation),
                                      SAMPLE_RATE)
                if audio.size / SAMPLE_RATE > MAX_CLIP_SECONDS:
                    raise Unspeakable(f"clip is {audio.size / SAMPLE_RATE:.1f} s, over the {MAX_CLIP_SECONDS:.0f} s limit")
            except Exception as error:  # one clip's failure (text, engine crash, bad samples) must not sink the partition
                stage.quarantine(Quarantined(stage="tts_audio", file=row["id"], position=voice_id,
                                             reason=f"{type(error).__name__}: {error}", raw=row["text"][:300]))
                continue
            voice = REGISTRY[voice_id]
            yield {
                "id": stable_id("tts_audio", row["id"], voice_id, model_hash(voice_id), speed, seed, *variation.values()),
                "parent_id": row["id"], "stage": "tts_audio",
                "params": params(voice_id=voice_id, engine=voice.family or voice.engine, model_hash=model_hash(voice_id),
                                 seed=seed, speed=speed, **variation, accent=voice.accent, gender_slot=choice.slot,
                                 cleaned_text=text if text != row["text"] else None),
                **{k: row[k] for k in LINEAGE_COLUMNS},
                "text": text, "voice_id": voice_id, "voice_gender": voice.gender, "voice_accent": voice.accent,
                "voice_license": voice.license, "sample_rate": SAMPLE_RATE,
                "duration_s": round(audio.size / SAMPLE_RATE, 3), "rms_dbfs": round(rms_dbfs(audio), 2),
                "audio": to_flac(audio),
            }

    def summarize(frame):
        users = frame[frame["role"] != "assistant"]
        return {**clip_metadata(frame),
                "female_share": round(float((frame["voice_gender"] == "female").mean()), 3),
                "user_female_share": round(float((users["voice_gender"] == "female").mean()), 3) if len(users) else None,
                "clips_per_accent": frame["voice_accent"].value_counts().to_dict()}

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
        pending: dict[str, dict] = {}  # rows whose clips are in the window being transcribed

        def clips():
            for row in parts.read_rows(store, "tts_audio", partition):
                try:
                    audio, rate = decode_mono(row.pop("audio"))
                except BadAudio as error:
                    stage.quarantine(Quarantined(stage="pseudo_labels", file=row["id"], position="audio",
                                                 reason=f"BadAudio: {error}", raw=row["text"][:300]))
                    continue
                pending[row["id"]] = row
                yield row["id"], audio, rate

        for key, transcript in asr.transcribe_many(clips()):
            row = pending.pop(key)
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
                             "asr": [asr.model_id, asr.beam_size, asr.pack_seconds, asr.gap_seconds]})


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
