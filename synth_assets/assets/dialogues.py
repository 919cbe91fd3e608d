"""Dialogue stages: safety refusals and false-premise corrections, voiced as two-channel conversations."""


import json
from typing import Callable, Iterable

from dagster import AssetExecutionContext, Config
from pydantic import Field

from resources.storage import Storage
from resources.voices import TTSVoices, model_hash
from synth_assets.core import parts
from synth_assets.core.audio import SAMPLE_RATE, to_flac
from synth_assets.dialogues.conversation import voice_dialogue
from synth_assets.dialogues.scripts import false_premise_scripts, safety_scripts
from synth_assets.orchestration.partitions import ShardKey
from synth_assets.core.records import DialogueScript, Quarantined, Segment
from synth_assets.orchestration.stage import StageRun, run_stage, stage_asset, upstream_fingerprint


class SafetyConfig(Config):
    per_partition: int = Field(default=2, description="Safety conversations drawn for each partition.")


class FalsePremiseConfig(Config):
    max_per_partition: int = Field(default=3, description="Most false-premise conversations per partition.")


def voiced_rows(stage: StageRun, scripts: Iterable[DialogueScript], voices: TTSVoices,
                document_of: Callable[[DialogueScript], str]):
    for script in scripts:
        try:
            voiced = voice_dialogue(script, voices)
        except Exception as error:  # one conversation's failure must not sink the partition
            stage.quarantine(Quarantined(stage=stage.asset, file=script.id, position="voicing",
                                         reason=f"{type(error).__name__}: {error}"))
            continue
        row = script.to_row()
        row.update(
            stage=stage.asset, turns=json.dumps(voiced.turns), turn_count=len(voiced.turns), channels=2,
            sample_rate=SAMPLE_RATE, duration_s=round(voiced.audio.shape[0] / SAMPLE_RATE, 3),
            user_voice=voiced.user_voice, assistant_voice=voiced.assistant_voice,
            document_id=document_of(script), audio=to_flac(voiced.audio),
        )
        yield row


def dialogue_metadata(frame):
    return {"conversations": len(frame), "hours": round(frame["duration_s"].sum() / 3600, 4),
            "user_voices": frame["user_voice"].value_counts().to_dict()}


def voice_inputs(voices: TTSVoices) -> dict:
    return {"voices": {v: model_hash(v) for v in voices.available_user_voices()},
            "assistant_voice": voices.assistant_voice}


@stage_asset(
    group_name="dialogues",
    kinds=("python", "parquet", "flac"),
    code_version="safety-v1",
    description="Safety refusals: a user asks for something harmful, the assistant declines, says why and "
    "offers a safe alternative. Drawn from a written template bank, voiced in stereo (user left, "
    "assistant right).",
)
def safety_dialogues(context: AssetExecutionContext, config: SafetyConfig, store: Storage, voices: TTSVoices):
    partition = context.partition_key
    shard = ShardKey.parse(partition)

    def scripts():
        for script in safety_scripts(partition, config.per_partition):
            script.source, script.snapshot = shard.source, shard.snapshot
            yield script

    return run_stage(context, store, summarize=dialogue_metadata,
                     produce=lambda stage: voiced_rows(stage, scripts(), voices, lambda s: s.parent_id),
                     inputs={"config": config.model_dump(), **voice_inputs(voices)})


@stage_asset(
    deps=("text_segments",),
    group_name="dialogues",
    kinds=("python", "parquet", "flac"),
    code_version="false-premise-v1",
    description="False premises: the user asks a question built on an altered fact from a document, the "
    "assistant corrects it with the original statement. Voiced in stereo (user left, assistant right).",
)
def false_premise_dialogues(context: AssetExecutionContext, config: FalsePremiseConfig, store: Storage,
                            voices: TTSVoices):
    partition = context.partition_key
    rows = {}

    def produce(stage: StageRun):
        segments = []
        for row in parts.read_rows(store, "text_segments", partition):
            rows[row["id"]] = row
            segments.append(Segment.from_row(row))
        scripts = false_premise_scripts(segments, max_count=config.max_per_partition)
        yield from voiced_rows(stage, scripts, voices, lambda s: rows[s.parent_id]["document_id"])

    return run_stage(context, store, produce=produce, summarize=dialogue_metadata,
                     inputs={"text_segments": upstream_fingerprint(store, "text_segments", partition),
                             "config": config.model_dump(), **voice_inputs(voices)})
