"""spoken_text's work: a partition's segments rewritten into what a person would say. With an LLM
rewriter, an instruction document's written answer is replaced by a new spoken answer to the
rewritten instruction (LLaMA-Omni's step two)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Iterator

from synth_assets.core import names, parts
from synth_assets.core.fields import setting
from synth_assets.core.records import Quarantined, Segment
from synth_assets.core.stage_run import StageRun
from synth_assets.core.storage import Store
from synth_assets.spoken.llm import Rewriter
from synth_assets.spoken.rewrite import DropText, new_response_record, single_exchange, spoken_text_record


@dataclass(frozen=True)
class SpokenSettings:
    filler_rate: float = setting(0.15, "Chance that a sentence gets a filler word.")
    new_responses: bool = setting(True, "With an LLM rewriter: instruction documents get a new spoken answer to "
                                  "the rewritten instruction (LLaMA-Omni's step two) instead of a rewrite of the "
                                  "dataset's written one.")
    misspell_rate: float = setting(0.05, "User turns: chance that a word is misspelled in the written copy "
                                   "(column `misspelled`); each change is recorded.")
    hesitation_rate: float = setting(0.0, "User turns, rule-based rewrite: chance that a sentence hesitates and "
                                     "repairs itself at a clause start ('the, the', 'the, uh, the'); each one is "
                                     "recorded.", ge=0.0, le=1.0)


def speak_partition(stage: StageRun, store: Store, partition: str, settings: SpokenSettings,
                    rewriter: Rewriter) -> Iterator[dict]:
    engine = None if rewriter.backend == "rules" else rewriter
    rows = parts.read_rows(store, names.TEXT_SEGMENTS, partition)
    for document_id, group in itertools.groupby(rows, key=lambda row: row["document_id"]):
        segments = [Segment.from_row(row) for row in group]
        regenerate = engine is not None and settings.new_responses and single_exchange(segments)
        instruction = []
        for segment in segments:
            if regenerate and segment.role == "assistant":
                continue  # replaced below by a new spoken answer
            try:
                spoken = spoken_text_record(segment, filler_rate=settings.filler_rate,
                                            misspell_rate=settings.misspell_rate, rewriter=engine,
                                            hesitation_rate=settings.hesitation_rate)
            except DropText as error:
                stage.quarantine(Quarantined(stage=names.SPOKEN_TEXT, file=segment.id, position="",
                                             reason=str(error), raw=segment.text[:300]))
                continue
            instruction.append(spoken)
            yield {**spoken.to_row(), "document_id": document_id}
        if regenerate and instruction:
            replaced = [s for s in segments if s.role == "assistant"]
            try:
                response = new_response_record(instruction, replaced, engine)
            except DropText as error:
                stage.quarantine(Quarantined(stage=names.SPOKEN_TEXT, file=replaced[0].id, position="response",
                                             reason=f"new response unusable: {error}"))
                continue
            yield {**response.to_row(), "document_id": document_id}
