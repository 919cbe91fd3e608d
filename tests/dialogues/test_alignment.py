"""The sampled alignment check: Whisper (the bundled tiny.en) hears turns timed by their voices, and word
edges that drift from the audio are reported with the conversation."""

from __future__ import annotations

import json
import statistics

import pandas as pd
import pytest

from quality.base import validate
from quality.suites import suites_for
from synth_assets.asr.transcriber import Transcriber
from synth_assets.core import names
from synth_assets.core.records import DialogueScript, Turn
from synth_assets.dialogues.alignment import (CHECK_KEY, MISALIGNED_MS, check_clips, sampled, summarize,
                                              turn_median_ms)
from synth_assets.dialogues.conversation import voice_dialogue
from synth_assets.dialogues.turntaking import TurnTakingStyle
from synth_assets.dialogues.words import shifted
from synth_assets.tts.durations import text_word_times
from synth_assets.tts.policy import VoicePolicy

RATE = 24_000
POLICY = VoicePolicy(user_voices=("piper-joe",), assistant_voice="hibari-heart", workers=1)
QUIET = TurnTakingStyle(barge_in_rate=0.0, backchannels_per_s=0.0, hesitation_rate=0.0)
SCRIPT = DialogueScript(
    id="dialogue-aligned", parent_id="doc", stage="test", kind="instruction", source="s", snapshot="x",
    license="Apache-2.0", turns=[
        Turn("user", "Can you tell me how bread rises in a warm kitchen?"),
        Turn("assistant", "Yeast eats the sugar in the dough and breathes out gas. The gas gets trapped by the "
                          "gluten, so the dough puffs up while it rests in a warm place."),
        Turn("user", "Oh, so it needs warmth to work?"),
        Turn("assistant", "Yes, warmth helps the yeast work faster.")])


@pytest.fixture(scope="module")
def transcriber() -> Transcriber:
    return Transcriber(cpu_threads=1)


@pytest.fixture(scope="module")
def checked(transcriber):
    return voice_dialogue(SCRIPT, POLICY, "piper-joe", style=QUIET, transcriber=transcriber, check_alignment=True)


def test_whisper_hears_every_turn_a_voice_timed_within_its_own_error_of_the_labels(checked):
    turns = checked.turns
    assert all(t["word_times"].startswith("engine:") for t in turns)
    for turn in turns:
        check = turn[CHECK_KEY]
        assert check["by"] == "whisper:faster-whisper/tiny.en"
        assert check["of"] == len(turn["spoken"].split()) and check["words"] >= check["of"] - 2
        assert len(check["start_error_ms"]) == len(check["end_error_ms"]) == check["words"]
        assert turn_median_ms(check) < MISALIGNED_MS
    found = summarize([(SCRIPT.id, turns)])
    assert found["conversations"] == 1 and found["turns"] == 4 and found["misaligned"] == []
    assert found["words"] == sum(t[CHECK_KEY]["words"] for t in turns)
    assert 0 < found["median_ms"] <= found["p90_ms"] and found["median_ms"] < MISALIGNED_MS


def test_a_conversation_not_drawn_for_the_check_is_not_heard_by_whisper(transcriber):
    voiced = voice_dialogue(SCRIPT, POLICY, "piper-joe", style=QUIET, transcriber=transcriber)
    assert not any(CHECK_KEY in t for t in voiced.turns)
    assert summarize([(SCRIPT.id, voiced.turns)]) == {"conversations": 0, "turns": 0, "words": 0}


def test_labels_a_third_of_a_second_late_are_a_misaligned_turn_and_the_check_warns_naming_the_conversation(
        transcriber, checked):
    text = SCRIPT.turns[1].text
    audio, timed = POLICY.synthesize_timed("hibari-heart", text, seed=5)
    words, _ = text_word_times(text, timed)
    right, late = check_clips([(words, audio, RATE), (shifted(words, 0.3), audio, RATE)], transcriber)
    assert turn_median_ms(right) < MISALIGNED_MS < 250 < turn_median_ms(late)
    assert statistics.median(late["start_error_ms"]) < -200  # Whisper hears the words before their labels

    drifted = [{**t, CHECK_KEY: late} if t["role"] == "assistant" else t for t in checked.turns]
    frame = pd.DataFrame([{"id": "fine", "turns": json.dumps(checked.turns)},
                          {"id": "drifted", "turns": json.dumps(drifted)},
                          {"id": "unchecked", "turns": json.dumps([{"role": "user", "words": []}])}])
    assert summarize(zip(frame["id"], frame["turns"].map(json.loads)))["misaligned"] == ["drifted"]
    suite = next(s for s in suites_for(names.INSTRUCTION_DIALOGUES) if s.name.endswith("_alignment"))
    result = validate(suite, frame)
    assert not suite.blocking and not result.passed and result.metadata["rows"].value == 2  # the two checked
    assert result.metadata["alignment_check"].value["misaligned"] == ["drifted"]


def test_the_conversations_checked_are_a_seeded_share_the_same_on_every_draw():
    ids = [f"dia-{i}" for i in range(2000)]
    tenth = [i for i in ids if sampled(i, 0.1)]
    assert 150 <= len(tenth) <= 250 and tenth == [i for i in ids if sampled(i, 0.1)]
    assert not any(sampled(i, 0.0) for i in ids) and all(sampled(i, 1.0) for i in ids)
    assert set(tenth) <= {i for i in ids if sampled(i, 0.2)}  # a larger share keeps the ones checked before
