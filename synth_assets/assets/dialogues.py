"""Dialogue stages: safety refusals, false-premise corrections and instruction dialogues, voiced as
two-channel conversations (synth_assets/dialogues/)."""

import dataclasses
import json
from typing import Optional

from dagster import AssetExecutionContext, Config, MetadataValue
from pydantic import Field

from resources.asr import WhisperASR
from resources.mix import ConversationMix
from resources.rewriter import TextRewriter
from resources.storage import Storage
from resources.voices import TTSVoices
from synth_assets import settings
from synth_assets.core import names, parts
from synth_assets.core.audio import from_flac
from synth_assets.core.plots import markdown_image
from synth_assets.dialogues import alignment, behaviours, duplex, render
from synth_assets.dialogues.plot import conversation_png
from synth_assets.dialogues.turntaking import TurnTakingStyle
from synth_assets.dialogues.units import RenderReport
from synth_assets.orchestration.stage import run_stage, stage_asset, upstream_fingerprint
from synth_assets.tts.voicing import voice_inputs


class InstructionConfig(Config):
    rate: float = Field(default=1.0, ge=0.0, le=1.0, description="Share of the partition's valid instruction "
                        "documents (Alpaca, UltraChat) that become conversations, drawn per document (the same "
                        "ones on every rerun); 1: every one. The share of them that also make a clarification "
                        "comes from the conversation mix resource.")
    max_per_partition: Optional[int] = Field(default=None, ge=0, description="An explicit cap on instruction "
                                             "conversations per partition; unset: none, the rate decides.")


class FalsePremiseConfig(Config):
    per_article: float = Field(default=1.0, ge=0.0, description="False-premise conversations from each article "
                               "with an alterable fact; a fraction is a share of articles (0.5: every other one "
                               "on average), 2: two facts of each.")
    max_per_partition: Optional[int] = Field(default=None, ge=0, description="An explicit cap on false-premise "
                                             "conversations per partition; unset: none, the rate decides.")


def dialogue_metadata(store, asset: str, partition: str, report: RenderReport | None = None):
    """Counts, voices, turn-taking figures and a picture of the partition's first conversation, and
    how fast they rendered (conversation hours per wall hour, with how many worker processes)."""
    def summarize(frame):
        duration = float(frame["duration_s"].sum())
        rendering = {"rendering": report.figures()} if report is not None and report.units else {}
        return {**rendering, "conversations": len(frame), "hours": round(duration / 3600, 4),
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
                **duplex_metadata(frame), **behaviour_metadata(frame), **alignment_metadata(frame)}
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


def alignment_metadata(frame) -> dict:
    """The sampled Whisper check of the voices' word times (dialogues/alignment.py): conversations, turns
    and words checked, the median and p90 edge error in ms, and the conversations misaligned."""
    return {"alignment_check": MetadataValue.json(
        alignment.summarize(zip(frame["id"], frame["turns"].map(json.loads))))}


def behaviour_metadata(frame) -> dict:
    """How many conversations show each duplex behaviour (greeting, closing, stop, side talk, background
    speech, long session, barge-in), from their turn-taking plans, and the barge-ins by form (wait,
    actually, correction, new question: labelled, and obeyed by the assistant)."""
    if "turn_taking" not in frame:
        return {}
    return {"behaviours": MetadataValue.json(behaviours.counts(frame["turn_taking"])),
            "barge_ins_by_form": MetadataValue.json(behaviours.barge_in_counts(frame["turn_taking"]))}


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
    # v6: turns on speech edges with human FTOs, engine word times, duplex stats, rendered in units; v7: bank v3
    # (5+ phrasings, fitting offers, varied holds), no request reused
    # v8: pauses, word edges on the speech heard, SYNTH_FTO_QUANTILES; v9: the plan lists behaviours (none here)
    # v10: the duplex column counts barge-ins by form
    code_version="safety-v11",  # v11: Whisper's alignment check on the turns of a sampled share (alignment.py)
    description="Safety refusals: a user asks for something harmful, the assistant declines, says why and "
    "offers a safe alternative. Drawn from a written template bank, as many as the conversation mix's safety "
    "share of the partition's conversations, voiced in stereo (assistant left, user right, as "
    "moshi-finetune reads it).",
)
def safety_dialogues(context: AssetExecutionContext, store: Storage, voices: TTSVoices, mix: ConversationMix,
                     asr: WhisperASR):
    partition, policy, targets, transcriber = context.partition_key, voices.policy(), mix.targets(), asr.transcriber()
    report, earlier, style = RenderReport(), render.earlier_safety(store, partition), turn_taking_style()
    checked = settings.alignment_check_share()
    return run_stage(context, store,
                     summarize=dialogue_metadata(store, names.SAFETY_DIALOGUES, partition, report),
                     produce=lambda stage: render.safety_dialogues(stage, store, partition, targets, policy,
                                                                   transcriber, report, earlier, style=style,
                                                                   alignment_share=checked),
                     inputs={**{asset: upstream_fingerprint(store, asset, partition) for asset in render.SAFETY_BESIDE},
                             "earlier_safety": earlier,
                             "mix": targets.shares(), **voice_inputs(policy), "asr": transcriber.output_settings,
                             "fto_quantiles": style.fto_quantiles, "alignment_check": checked},
                     check_settings={"target_female_share": policy.target_female_share})


@stage_asset(
    deps=(names.TEXT_SEGMENTS,),
    group_name="dialogues",
    kinds=("python", "parquet", "flac"),
    # v9: a rate per article, not a cap, turns on speech edges, duplex stats, units; v10: short questions on a
    # standalone claim, one-breath corrections
    # v11: pauses, word edges on the speech heard, SYNTH_FTO_QUANTILES; v12: the plan lists behaviours (none here)
    # v13: the duplex column counts barge-ins by form
    code_version="false-premise-v14",  # v14: Whisper's alignment check on the turns of a sampled share
    description="False premises: the user asks a short question built on an altered fact from a document, the "
    "assistant corrects the one detail in one breath. Voiced in stereo (assistant left, user right).",
)
def false_premise_dialogues(context: AssetExecutionContext, config: FalsePremiseConfig, store: Storage,
                            voices: TTSVoices, asr: WhisperASR):
    partition, policy, transcriber = context.partition_key, voices.policy(), asr.transcriber()
    report, style, checked = RenderReport(), turn_taking_style(), settings.alignment_check_share()
    return run_stage(context, store,
                     summarize=dialogue_metadata(store, names.FALSE_PREMISE_DIALOGUES, partition, report),
                     produce=lambda stage: render.false_premise_dialogues(
                         stage, store, partition, config.per_article, policy, transcriber,
                         max_count=config.max_per_partition, report=report, style=style, alignment_share=checked),
                     inputs={names.TEXT_SEGMENTS: upstream_fingerprint(store, names.TEXT_SEGMENTS, partition),
                             "config": config.model_dump(), **voice_inputs(policy), "asr": transcriber.output_settings,
                             "fto_quantiles": style.fto_quantiles, "alignment_check": checked},
                     check_settings={"target_female_share": policy.target_female_share})


@stage_asset(
    deps=(names.CRAWL_SNAPSHOT,),
    group_name="dialogues",
    kinds=("python", "parquet", "flac"),
    # v6: every valid instruction (a rate, not a cap), duplicate instructions quarantined, turns on speech edges,
    # barge-ins heard, units; v7: whole answers in a time budget; clarifications of their own, heard, confirmed;
    # v8: pauses, word edges on the speech heard, SYNTH_FTO_QUANTILES; v9: a clarification's key word may be
    # masked by noise or a dropout on the user channel; v10: duplex behaviours (greetings, closings, stop, side
    # talk, background speech, long sessions; SYNTH_DUPLEX_BEHAVIOURS); v11: barge-ins over answers in four forms
    # (wait, actually, correction, new question) that the assistant answers, counted by form from the audio
    code_version="instruction-v12",  # v12: Whisper's alignment check on the turns of a sampled share
    description="Instruction conversations (LLaMA-Omni's InstructS2S recipe) from Alpaca and UltraChat documents: "
    "the instruction asked as a spoken question by a user voice, the answer spoken whole within a time budget "
    "(shortened by the LLM rewriter when one is configured, else quarantined) by the assistant voice, "
    "UltraChat's turns kept. Stereo with natural turn-taking (assistant left, user right), plus the first "
    "question and answer as mono clips (LLaMA-Omni layout).",
)
def instruction_dialogues(context: AssetExecutionContext, config: InstructionConfig, store: Storage,
                          voices: TTSVoices, mix: ConversationMix, asr: WhisperASR, rewriter: TextRewriter):
    partition, policy, targets, transcriber = context.partition_key, voices.policy(), mix.targets(), asr.transcriber()
    tally, report, style = render.InstructionTally(), RenderReport(), turn_taking_style()
    shares, checked = behaviours.configured_shares(), settings.alignment_check_share()
    conversations = dialogue_metadata(store, names.INSTRUCTION_DIALOGUES, partition, report)
    engine = rewriter.rewriter()
    shorten = None if engine.backend == "rules" else engine.short_answer

    def summarize(frame):  # what became of the instruction documents: made now, or kept with the reused parts
        return {**conversations(frame), "instructions": dataclasses.asdict(tally)}

    return run_stage(context, store, summarize=summarize,
                     produce=lambda stage: render.instruction_dialogues(stage, store, partition, config.rate,
                                                                        policy, targets, transcriber,
                                                                        max_count=config.max_per_partition,
                                                                        tally=tally, report=report, shorten=shorten,
                                                                        style=style, behaviours=shares,
                                                                        alignment_share=checked),
                     inputs={names.CRAWL_SNAPSHOT: upstream_fingerprint(store, names.CRAWL_SNAPSHOT, partition),
                             "config": config.model_dump(), "clarifications": targets.clarifications_per_instruction,
                             "answer_seconds": settings.answer_seconds(),
                             "shortener": engine.output_settings() if shorten else "none",
                             **voice_inputs(policy), "asr": transcriber.output_settings,
                             "fto_quantiles": style.fto_quantiles, "behaviours": dataclasses.asdict(shares),
                             "alignment_check": checked},
                     check_settings={"target_female_share": policy.target_female_share,
                                     "clarification_share": targets.clarifications_per_instruction,
                                     "clarification_start": render.clarification_start(partition)})
