"""The duplex behaviours of instruction conversations: scripted, voiced, labelled and counted."""

from __future__ import annotations

import dataclasses
import json

import numpy as np

from synth_assets.core.records import DialogueScript, Turn
from synth_assets.dialogues.behaviours import (BehaviourShares, background_speech, behaviours_of, configured_shares,
                                               counts, with_behaviours, with_duplex_behaviours)
from synth_assets.dialogues.conversation import voice_dialogue
from synth_assets.dialogues.duplex import measure_audio
from synth_assets.dialogues.turntaking import TurnTakingStyle
from synth_assets.dialogues.voices import conversation_policy
from synth_assets.tts.policy import VoicePolicy

RATE = 24_000
NONE = BehaviourShares(greeting=0, closing=0, stop=0, side_talk=0, background=0, long_session=0)
QUIET = TurnTakingStyle(barge_in_rate=0.0, backchannels_per_s=0.0, hesitation_rate=0.0)


def script(id_: str = "dialogue-1", kind: str = "instruction") -> DialogueScript:
    return DialogueScript(id=id_, parent_id=f"doc-{id_}", stage="test", kind=kind, source="s", snapshot="x",
                          license="Apache-2.0",
                          turns=[Turn("user", "Can you tell me how bread rises?"),
                                 Turn("assistant", "Yeast eats the sugar in the dough and breathes out gas. The gas "
                                                   "gets trapped by the gluten, so the dough puffs up while it rests "
                                                   "in a warm place, and then it is ready to bake.")])


def labelled(shares: BehaviourShares, base: DialogueScript | None = None) -> tuple[DialogueScript, dict]:
    made = with_behaviours(base or script(), shares)
    return made, {b["kind"]: b for b in behaviours_of(made)}


def test_no_share_leaves_the_script_as_it_was_and_other_kinds_are_never_changed():
    assert with_behaviours(script(), NONE) == script()
    every = dataclasses.replace(NONE, greeting=1.0, closing=1.0, stop=1.0)
    assert with_behaviours(script(kind="clarification"), every) == script(kind="clarification")


def test_greeting_stop_side_talk_and_closing_are_turns_labelled_by_their_place_in_the_script():
    made, found = labelled(dataclasses.replace(NONE, greeting=1.0, closing=1.0, stop=1.0, side_talk=1.0))
    roles = [t.role for t in made.turns]
    assert [t.text for t in made.turns[:2]] == [made.turns[i].text for i in found["greeting"]["turns"]]
    assert roles[:2] == ["user", "assistant"] and made.turns[2].text == script().turns[0].text
    stop, answer = found["stop"]["turns"][0], found["stop"]["turns"][0] - 1
    assert made.turns[answer].text == script().turns[1].text and made.turns[stop].role == "user"
    aside = made.turns[found["side_talk"]["turns"][0]]
    assert aside.role == "user" and found["side_talk"]["addressed"] is False
    assert made.turns[found["side_talk"]["turns"][0] + 1].role == "user"  # back to the assistant, which then replies
    assert found["closing"]["turns"] == [len(made.turns) - 2, len(made.turns) - 1] and roles[-1] == "assistant"


def test_a_long_session_chains_instruction_exchanges_into_one_conversation_until_it_is_long_enough():
    shares = dataclasses.replace(NONE, long_session=1.0, session_exchanges=3, session_s=600.0)
    stream = [script(f"d{i}") for i in range(6)] + [script("c", kind="clarification")]
    made = list(with_duplex_behaviours(stream, shares))
    assert [m.kind for m in made] == ["instruction", "instruction", "clarification"]
    for session in made[:2]:
        assert sum(t.role == "user" for t in session.turns) == 3
        (label,) = behaviours_of(session)
        assert label["kind"] == "long_session" and label["exchanges"] == 3
    assert made[0].id != made[1].id and json.loads(made[0].params)["session"] == ["doc-d0", "doc-d1", "doc-d2"]
    by_length = list(with_duplex_behaviours(stream, dataclasses.replace(shares, session_s=40.0)))
    # Each exchange takes about 17 s to say: a session of 40 s or more holds three.
    assert [sum(t.role == "user" for t in m.turns) for m in by_length] == [3, 3, 1]


def test_shares_are_configured_in_one_setting_and_a_wrong_field_is_refused(monkeypatch):
    monkeypatch.setenv("SYNTH_DUPLEX_BEHAVIOURS", json.dumps({"stop": 0.5}))
    assert configured_shares().stop == 0.5 and configured_shares().greeting == BehaviourShares().greeting
    monkeypatch.setenv("SYNTH_DUPLEX_BEHAVIOURS", json.dumps({"stopp": 0.5}))
    try:
        configured_shares()
    except ValueError as error:
        assert "stopp" in str(error)
    else:
        raise AssertionError("an unknown field was accepted")


def test_voiced_behaviours_are_heard_obeyed_silent_and_labelled_with_no_speech_outside_the_labels():
    policy = conversation_policy(VoicePolicy(workers=1))
    shares = dataclasses.replace(NONE, stop=1.0, side_talk=1.0, background=1.0)
    made, found = labelled(shares)
    voiced = voice_dialogue(made, policy, "piper-joe", style=QUIET)
    turns = voiced.turns
    stop = found["stop"]["turns"][0]
    # The user's "wait" barges in: the assistant is cut at a word end and then answers briefly.
    assert turns[stop]["transition"]["kind"] == "barge_in" and turns[stop - 1]["interrupted"]
    assert turns[stop]["behaviour"] == "stop" and len(turns[stop + 1]["spoken"].split()) <= 5
    aside = found["side_talk"]["turns"][0]
    assert turns[aside]["addressed"] is False and turns[aside + 1]["role"] == "user"
    assistant = voiced.audio[:, 0]
    silent = assistant[int(turns[aside]["speech_start"] * RATE):int(turns[aside]["speech_end"] * RATE)]
    assert np.abs(silent).max(initial=0.0) < 1e-3  # the assistant stays silent over side talk
    plan = voiced.plan.to_dict()
    kinds = {b["kind"]: b for b in plan["behaviours"]}
    assert kinds["stop"]["obeyed"] is True
    (background,) = background_speech(plan)
    assert background["voice"] not in ("piper-joe", policy.assistant_voice)
    user = voiced.audio[:, 1]
    heard = user[int(background["start"] * RATE):int(background["end"] * RATE)]
    assert 0.0 < np.abs(heard).max() < 0.5  # another, quieter voice on the user channel...
    assert all(background["words"][0]["word"] not in " ".join(t["said"] for t in turns if t["role"] == "user")
               for _ in [0])  # ...not the user's words
    stats = measure_audio(voiced.audio, RATE, turns=turns, backchannels=voiced.backchannels,
                          background=voiced.background)
    assert stats.unlabelled_speech_s == 0.0
    unlabelled = measure_audio(voiced.audio, RATE, turns=turns, backchannels=voiced.backchannels)
    assert unlabelled.unlabelled_speech_s > 0.3  # without its label the background would be speech outside them
    assert counts([json.dumps(plan)])["background"] == 1 and counts([json.dumps(plan)])["greeting"] == 0


def test_the_clarification_share_counts_each_exchange_of_a_long_session_as_the_instruction_it_was_made_from():
    import pandas as pd

    from quality.dialogues import conversation_mix

    session = json.dumps({"behaviours": [{"kind": "long_session", "turns": [0, 1], "exchanges": 3}]})
    frame = pd.DataFrame({"kind": ["instruction", "instruction", "clarification", "clarification"],
                          "turn_taking": [session, session, "{}", "{}"], "is_clarification": [0.0, 0.0, 1.0, 1.0]})
    (share,) = conversation_mix(frame, clarification_share=0.34)
    assert share.min_value <= 0.5 <= share.max_value  # 6 instruction scripts made 2 clarifications
