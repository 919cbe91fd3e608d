"""The release's rows: a conversation carries each channel's word times, the user voice's gender and the
audio with the user channel augmented, as its dialogue stage stored them; other kinds leave them null."""

from __future__ import annotations

import pytest

from synth_assets.core import names, parts
from synth_assets.core.storage import LocalStore
from synth_assets.release.rows import RELEASE_SCHEMA, release_rows
from synth_assets.tts.policy import VoicePolicy
from tests.release.samples import clip, voiced_conversations, write_dataset

NEW_COLUMNS = ("words_assistant", "words_user", "user_gender", "audio_augmented")
LABELS = ("backchannels", "turn_taking", "overlap_s", "interruptions", "duplex")


@pytest.fixture
def policy(tone_voices):
    female, male, assistant = tone_voices
    return VoicePolicy(user_voices=(female, male), assistant_voice=assistant, workers=1)


def test_a_released_conversation_carries_its_stored_word_times_gender_and_augmented_audio(tmp_path, policy):
    store = LocalStore(tmp_path / "data")
    stored = {r["id"]: r for r in voiced_conversations(store, policy)}
    released = list(release_rows(store, ["wikipedia/2026-11-01/a"], max_wer=0.25))
    assert {r["id"] for r in released} == set(stored) and {r["kind"] for r in released} == {"safety"}
    for row in released:
        for column in NEW_COLUMNS:
            assert row[column] == stored[row["id"]][column] and row[column], column
    assert {r["user_gender"] for r in released} == {"female", "male"}


def test_a_released_conversation_keeps_every_turn_taking_label_and_its_duplex_timing(tmp_path, policy):
    import json

    store = LocalStore(tmp_path / "data")
    stored = {r["id"]: r for r in voiced_conversations(store, policy, count=2)}
    conversation = next(release_rows(store, ["wikipedia/2026-11-01/a"], max_wer=0.25))
    write_dataset(store, [clip("clip-a"), conversation])
    rows = {r["id"]: r for r in parts.read_table(store, names.SPEECH_DATASET, None).to_pylist()}
    released = rows[conversation["id"]]
    for column in LABELS:
        assert released[column] == stored[conversation["id"]][column] and released[column] is not None, column
        assert rows["clip-a"][column] is None
    assert "transitions" in json.loads(released["turn_taking"])
    assert json.loads(released["duplex"])["speech_s"] > 0


def test_the_release_table_keeps_the_new_columns_and_leaves_them_null_for_a_clip(tmp_path, policy):
    store = LocalStore(tmp_path / "data")
    voiced_conversations(store, policy, count=1)
    conversation = next(release_rows(store, ["wikipedia/2026-11-01/a"], max_wer=0.25))
    write_dataset(store, [clip("clip-a"), conversation])
    table = parts.read_table(store, names.SPEECH_DATASET, None)
    assert table.schema.equals(RELEASE_SCHEMA)
    rows = {r["id"]: r for r in table.to_pylist()}
    assert all(rows["clip-a"][column] is None for column in NEW_COLUMNS)
    assert all(rows[conversation["id"]][column] == conversation[column] for column in NEW_COLUMNS)
