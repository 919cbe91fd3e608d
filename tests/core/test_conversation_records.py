"""The dialogue stages' typed rows (core/conversation_records.py): each stage's rows, made by its domain
function on a tiny fixture, read into their record and written back unchanged, column for column and in
the stored order, so the stages write the same data as before; each column says where the release
carries it, or why not, and that is what the release does; and the stage's check passes them."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from synth_assets.core import names, parts
from synth_assets.core.conversation_records import (BY_ASSET, Conversation, FalsePremiseConversation,
                                                    InstructionConversation, columns, conversation_of)
from synth_assets.core.mix import MixTargets
from synth_assets.dialogues import render
from synth_assets.dialogues.behaviours import NO_BEHAVIOURS
from synth_assets.release.rows import ReleaseRow, release_rows
from synth_assets.tts.policy import VoicePolicy
from tests.dialogues.test_conversation_rates import (KEY, article_segments, instruction_documents, stage,
                                                     stored)

RECORDS = (Conversation, FalsePremiseConversation, InstructionConversation)
MIX = MixTargets(safety=0.2, false_premise=0.2, instruction=0.45, clarification=0.15)
# The columns safety-v10 writes, in order (false-premise-v13 and instruction-v11 add their kind's after them).
STORED_CONVERSATION_COLUMNS = [
    "id", "parent_id", "stage", "params", "code_version", "run_id", "kind", "source", "snapshot", "turns", "license",
    "turn_count", "backchannels", "turn_taking", "channels", "channel_layout", "sample_rate", "duration_s",
    "overlap_s", "interruptions", "user_voice", "user_gender", "assistant_voice", "words_assistant", "words_user",
    "word_times", "word_times_estimated", "document_id", "audio", "duplex", "augmentation", "user_snr_db",
    "audio_augmented"]
KIND_COLUMNS = {names.SAFETY_DIALOGUES: [],
                names.FALSE_PREMISE_DIALOGUES: ["detail_kind", "true_spoken", "altered_spoken"],
                names.INSTRUCTION_DIALOGUES: ["question_audio", "answer_audio", "question_text", "answer_text"]}


def made_rows(tmp_path, voices) -> tuple[parts.Store, dict[str, list[dict]]]:
    """Each dialogue stage's rows as it stores them, from two instruction documents (one becomes a
    clarification), one article and one safety conversation, voiced by tone voices, in one store."""
    female, male, assistant = voices
    policy = VoicePolicy(user_voices=(female, male), assistant_voice=assistant, workers=1)
    store = stored(tmp_path, instruction_documents(2))
    parts.write_parts(store, names.TEXT_SEGMENTS, KEY, article_segments(1), fingerprint_value="fixture")
    made = {}
    runs = {names.INSTRUCTION_DIALOGUES: lambda run: render.instruction_dialogues(
                run, store, KEY, 1.0, policy, MIX, behaviours=NO_BEHAVIOURS),
            names.FALSE_PREMISE_DIALOGUES: lambda run: render.false_premise_dialogues(run, store, KEY, 1.0, policy),
            names.SAFETY_DIALOGUES: lambda run: render.safety_dialogues(run, store, KEY, MIX, policy)}
    for asset, produce in runs.items():
        run = stage(asset)
        made[asset] = [run.stamp(r) for r in produce(run)]
        parts.write_parts(store, asset, KEY, made[asset], fingerprint_value="fixture")
    return store, made


@pytest.fixture(name="made")
def made_fixture(tmp_path, tone_voices):
    return made_rows(tmp_path, tone_voices)


def test_each_dialogue_stage_writes_the_rows_its_record_reads_and_writes_back_column_for_column(made):
    _, rows = made
    assert {r["kind"] for r in rows[names.INSTRUCTION_DIALOGUES]} == {"instruction", "clarification"}
    for asset, record in BY_ASSET.items():
        assert rows[asset], asset
        for row in rows[asset]:
            assert list(row) == STORED_CONVERSATION_COLUMNS + KIND_COLUMNS[asset] == list(columns(record))
            assert record.from_row(row).to_row() == row
            assert [type(v) for v in record.from_row(row).to_row().values()] == [type(v) for v in row.values()]


def test_a_conversation_is_given_the_record_of_its_kinds_columns_and_no_other():
    base = Conversation().to_row()
    assert type(conversation_of(base, {})) is Conversation
    assert type(conversation_of(base, {"detail_kind": "year", "true_spoken": "a", "altered_spoken": "b"})) \
        is FalsePremiseConversation
    with pytest.raises(ValueError, match="question_text"):
        conversation_of(base, {"question_text": "why?"})


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: r.__name__)
def test_every_conversation_column_is_documented_and_names_its_release_column_or_why_none(record):
    release_columns = {f.name for f in dataclasses.fields(ReleaseRow)}
    for f in dataclasses.fields(record):
        release, why = f.metadata.get("release"), f.metadata.get("not_released")
        assert f.metadata.get("doc", "").strip(), f"{record.__name__}.{f.name} has no documentation"
        assert bool(release) != bool(why), f"{record.__name__}.{f.name}: a release column or a reason, one of them"
        assert release is None or release in release_columns, f"{record.__name__}.{f.name} -> {release}"


def test_the_release_carries_every_conversation_column_the_records_say_it_does(made):
    store, rows = made
    released = {r["id"]: r for r in release_rows(store, [KEY], max_wer=0.25)}
    for asset, record in BY_ASSET.items():
        for row in rows[asset]:
            sample = released[row["id"]]
            for f in dataclasses.fields(record):
                if f.metadata.get("release"):
                    assert sample[f.metadata["release"]] == row[f.name], f"{record.__name__}.{f.name}"
            assert sample["kind"] == row["kind"] and sample["stage"] == names.SPEECH_DATASET
            assert sample["text"].startswith(("user: ", "assistant: "))


def test_each_dialogue_stages_rows_pass_their_stage_check(made):
    from quality.base import validate
    from quality.suites import SUITES

    _, rows = made
    for asset, made_rows_ in rows.items():
        frame = pd.DataFrame([{k: v for k, v in r.items() if not isinstance(v, bytes)} for r in made_rows_])
        result = validate(SUITES[asset], frame)
        assert result.passed, (asset, result.metadata["report"].value)
