"""The dialogue stages' work: scripts drawn (safety) or built from segments (false premises), each
voiced as a two-channel conversation; a conversation that cannot be voiced is quarantined alone."""

from __future__ import annotations

import json
from typing import Any, Callable, Iterable, Iterator

from synth_assets.core import names, parts
from synth_assets.core.audio import SAMPLE_RATE, to_flac
from synth_assets.core.records import DialogueScript, Quarantined, Segment
from synth_assets.core.stage_run import StageRun
from synth_assets.core.storage import Store
from synth_assets.crawl.shards import ShardKey
from synth_assets.dialogues.conversation import voice_dialogue
from synth_assets.dialogues.scripts import false_premise_scripts, safety_scripts
from synth_assets.tts.policy import VoicePolicy


def voiced_rows(stage: StageRun, scripts: Iterable[DialogueScript], voices: VoicePolicy,
                document_of: Callable[[DialogueScript], str]) -> Iterator[dict[str, Any]]:
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


def safety_dialogues(stage: StageRun, partition: str, count: int, voices: VoicePolicy) -> Iterator[dict[str, Any]]:
    """``count`` safety conversations drawn for the partition from the template bank."""
    shard = ShardKey.parse(partition)

    def scripts():
        for script in safety_scripts(partition, count):
            script.source, script.snapshot = shard.source, shard.snapshot
            yield script

    return voiced_rows(stage, scripts(), voices, lambda s: s.parent_id)


def false_premise_dialogues(stage: StageRun, store: Store, partition: str, max_count: int,
                            voices: VoicePolicy) -> Iterator[dict[str, Any]]:
    """Up to ``max_count`` false-premise conversations built from the partition's segments."""
    rows, segments = {}, []
    for row in parts.read_rows(store, names.TEXT_SEGMENTS, partition):
        rows[row["id"]] = row
        segments.append(Segment.from_row(row))
    scripts = false_premise_scripts(segments, max_count=max_count)
    yield from voiced_rows(stage, scripts, voices, lambda s: rows[s.parent_id]["document_id"])
