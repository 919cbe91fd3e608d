"""The speech, conversation, recording and release checks judge the columns of their stage's typed row
(core/speech_records.py, core/conversation_records.py, release/rows.py): rows written as the record
writes them pass, and every column an expectation reads is the record's or one the check derives from
the record's."""

from __future__ import annotations

import pandas as pd
import pytest

from quality.base import validate
from quality.suites import _ALL
from synth_assets.core import names
from tests.core.stored_rows import (STORED_AUGMENTED, STORED_CLIP, STORED_LABEL, STORED_RECORDING_LABEL,
                                    STORED_UTTERANCE)

JUDGED = [s for s in _ALL if s.record is not None]


def test_the_speech_conversation_recording_and_release_checks_name_the_record_they_judge():
    assert {(s.asset, s.record.__name__) for s in JUDGED} == {
        (names.TTS_AUDIO, "Clip"), (names.PSEUDO_LABELS, "ClipLabel"), (names.AUGMENTED_CLIPS, "AugmentedClip"),
        (names.SPEECH_DATASET, "ReleaseRow"), (names.SAFETY_DIALOGUES, "Conversation"),
        (names.FALSE_PREMISE_DIALOGUES, "FalsePremiseConversation"),
        (names.INSTRUCTION_DIALOGUES, "InstructionConversation"), (names.RECORDED_SPEECH, "Utterance"),
        (names.RECORDING_LABELS, "RecordingLabel")}


@pytest.mark.parametrize("suite", JUDGED, ids=lambda s: s.name)
def test_every_column_a_check_reads_is_its_records_or_derived_from_them(suite):
    frame = pd.DataFrame([{k: v for k, v in suite.record().to_row().items() if not isinstance(v, bytes)}])
    prepared = suite.prepare(frame.copy()) if suite.prepare else frame
    expectations = suite.build() + (suite.from_frame(prepared) if suite.from_frame else [])
    read = {e.column for e in expectations if getattr(e, "column", None)}
    assert read <= set(prepared.columns), read - set(prepared.columns)


@pytest.mark.parametrize("stored", [STORED_CLIP, STORED_LABEL, STORED_AUGMENTED, STORED_UTTERANCE,
                                    STORED_RECORDING_LABEL], ids=lambda r: r["stage"])
def test_a_partition_of_rows_as_the_record_stores_them_passes_its_stage_check(stored):
    from quality.suites import SUITES

    rows = [{**{k: v for k, v in stored.items() if k != "audio"}, "id": f"{stored['id']}-{i}"} for i in range(12)]
    result = validate(SUITES[stored["stage"]], pd.DataFrame(rows))
    assert result.passed, result.metadata["report"].value
