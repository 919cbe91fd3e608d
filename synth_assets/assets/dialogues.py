"""Dialogue stages: safety refusals, false-premise corrections and instruction dialogues, voiced as
two-channel conversations (synth_assets/dialogues/)."""

import json

from dagster import AssetExecutionContext, Config, MetadataValue
from pydantic import Field

from resources.asr import WhisperASR
from resources.mix import ConversationMix
from resources.storage import Storage
from resources.voices import TTSVoices
from synth_assets.core import names, parts
from synth_assets.core.audio import from_flac
from synth_assets.core.plots import markdown_image
from synth_assets import settings
from synth_assets.dialogues import duplex, render
from synth_assets.dialogues.turntaking import TurnTakingStyle
from synth_assets.dialogues.plot import conversation_png
from synth_assets.orchestration.stage import run_stage, stage_asset, upstream_fingerprint
from synth_assets.tts.voicing import voice_inputs


class InstructionConfig(Config):
    max_per_partition: int = Field(default=20, description="Most instruction conversations per partition "
                                   "(from its Alpaca and UltraChat documents); the share of them that also "
                                   "make a clarification comes from the conversation mix resource.")


class FalsePremiseConfig(Config):
    max_per_partition: int = Field(default=3, description="Most false-premise conversations per partition.")


def dialogue_metadata(store, asset: str, partition: str):
    """Counts, voices, turn-taking figures and a picture of the partition's first conversation."""
    def summarize(frame):
        duration = float(frame["duration_s"].sum())
        return {"conversations": len(frame), "hours": round(duration / 3600, 4),
                "conversations_by_kind": frame["kind"].value_counts().to_dict(),
                "kind_shares": frame["kind"].value_counts(normalize=True).round(3).to_dict(),
                "user_voices": frame["user_voice"].value_counts().to_dict(),
                "user_genders": frame["user_gender"].value_counts().to_dict(),
                "user_female_share": round(float((frame["user_gender"] == "female").mean()), 3),
                "overlap_share": round(float(frame["overlap_s"].sum()) / duration, 4) if duration else 0.0,
                "interruptions": int(frame["interruptions"].sum()),
                "word_times": frame["word_times"].value_counts().to_dict(),
                "clips_with_estimated_word_times": int(frame["word_times_estimated"].sum()),
                "conversation": MetadataValue.md(first_conversation_picture(store, asset, partition)),
                **duplex_metadata(frame)}
    return summarize


def turn_taking_style() -> TurnTakingStyle:
    """The turn-taking conversations draw from: SYNTH_FTO_QUANTILES (a collection of real calls measured by
    synth_assets/dialogues/calibration.py) or the default."""
    quantiles = settings.fto_quantiles()
    return TurnTakingStyle(fto_quantiles=quantiles) if quantiles else TurnTakingStyle()


def duplex_metadata(frame) -> dict:
    """The turn-taking heard in the partition's audio (floor-transfer offsets, overlap, barge-ins heard,
    speech outside the labels) and its FTO histogram."""
    if "duplex" not in frame:
        return {}
    found = duplex.metadata(frame["duplex"])
    return {"duplex": MetadataValue.json(found["duplex"]), "duplex_misses": found["duplex_misses"],
            "fto_histogram": MetadataValue.md(found["fto_histogram"])}


def first_conversation_picture(store, asset: str, partition: str) -> str:
    row = next(parts.read_rows(store, asset, partition, columns=["id", "audio", "turns", "backchannels"]), None)
    if row is None:
        return "no conversation"
    audio, _ = from_flac(row["audio"])
    png = conversation_png(audio, json.loads(row["turns"]), json.loads(row["backchannels"]), row["id"][:40])
    return markdown_image(png, f"waveforms and turns of {row['id']}")


@stage_asset(
    deps=render.SAFETY_BESIDE,
    group_name="dialogues",
    kinds=("python", "parquet", "flac"),
    code_version="safety-v5",  # v5: turns on speech edges with human FTOs, engine word times, duplex stats
    description="Safety refusals: a user asks for something harmful, the assistant declines, says why and "
    "offers a safe alternative. Drawn from a written template bank, as many as the conversation mix's safety "
    "share of the partition's conversations, voiced in stereo (assistant left, user right, as "
    "moshi-finetune reads it).",
)
def safety_dialogues(context: AssetExecutionContext, store: Storage, voices: TTSVoices, mix: ConversationMix,
                     asr: WhisperASR):
    partition, policy, targets, transcriber = context.partition_key, voices.policy(), mix.targets(), asr.transcriber()
    style = turn_taking_style()
    return run_stage(context, store,
                     summarize=dialogue_metadata(store, names.SAFETY_DIALOGUES, partition),
                     produce=lambda stage: render.safety_dialogues(stage, store, partition, targets, policy,
                                                                   transcriber, style),
                     inputs={**{asset: upstream_fingerprint(store, asset, partition) for asset in render.SAFETY_BESIDE},
                             "mix": targets.shares(), **voice_inputs(policy), "asr": transcriber.output_settings,
                             "fto_quantiles": style.fto_quantiles},
                     check_settings={"target_female_share": policy.target_female_share})


@stage_asset(
    deps=(names.TEXT_SEGMENTS,),
    group_name="dialogues",
    kinds=("python", "parquet", "flac"),
    code_version="false-premise-v8",  # v8: turns on speech edges with human FTOs, engine word times, duplex stats
    description="False premises: the user asks a question built on an altered fact from a document, the "
    "assistant corrects it with the original statement. Voiced in stereo (assistant left, user right).",
)
def false_premise_dialogues(context: AssetExecutionContext, config: FalsePremiseConfig, store: Storage,
                            voices: TTSVoices, asr: WhisperASR):
    partition, policy, transcriber = context.partition_key, voices.policy(), asr.transcriber()
    style = turn_taking_style()
    return run_stage(context, store,
                     summarize=dialogue_metadata(store, names.FALSE_PREMISE_DIALOGUES, partition),
                     produce=lambda stage: render.false_premise_dialogues(
                         stage, store, partition, config.max_per_partition, policy, transcriber, style),
                     inputs={names.TEXT_SEGMENTS: upstream_fingerprint(store, names.TEXT_SEGMENTS, partition),
                             "config": config.model_dump(), **voice_inputs(policy), "asr": transcriber.output_settings,
                             "fto_quantiles": style.fto_quantiles},
                     check_settings={"target_female_share": policy.target_female_share})


@stage_asset(
    deps=(names.CRAWL_SNAPSHOT,),
    group_name="dialogues",
    kinds=("python", "parquet", "flac"),
    code_version="instruction-v5",  # v5: turns on speech edges, barge-ins heard, engine word times, duplex stats
    description="Instruction conversations (LLaMA-Omni's InstructS2S recipe) from Alpaca and UltraChat documents: "
    "the instruction asked as a spoken question by a user voice, a short spoken answer by the assistant voice, "
    "UltraChat's turns kept. Stereo with natural turn-taking (assistant left, user right), plus the first "
    "question and answer as mono clips (LLaMA-Omni layout).",
)
def instruction_dialogues(context: AssetExecutionContext, config: InstructionConfig, store: Storage,
                          voices: TTSVoices, mix: ConversationMix, asr: WhisperASR):
    partition, policy, targets, transcriber = context.partition_key, voices.policy(), mix.targets(), asr.transcriber()
    style = turn_taking_style()
    return run_stage(context, store,
                     summarize=dialogue_metadata(store, names.INSTRUCTION_DIALOGUES, partition),
                     produce=lambda stage: render.instruction_dialogues(stage, store, partition,
                                                                        config.max_per_partition, policy, targets,
                                                                        transcriber, style),
                     inputs={names.CRAWL_SNAPSHOT: upstream_fingerprint(store, names.CRAWL_SNAPSHOT, partition),
                             "config": config.model_dump(), "clarifications": targets.clarifications_per_instruction,
                             **voice_inputs(policy), "asr": transcriber.output_settings,
                             "fto_quantiles": style.fto_quantiles},
                     check_settings={"target_female_share": policy.target_female_share,
                                     "clarification_share": targets.clarifications_per_instruction,
                                     "clarification_start": render.clarification_start(partition)})
