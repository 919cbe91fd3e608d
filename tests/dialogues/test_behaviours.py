"""The duplex behaviours of instruction conversations: scripted, voiced, labelled and counted."""

from __future__ import annotations

import dataclasses
import json

import numpy as np

from synth_assets.core.records import DialogueScript, Turn
from synth_assets.dialogues.behaviours import (FINISHED, RESUMES, WAITS, BehaviourShares, background_speech,
                                               barge_in_counts, behaviours_of, configured_shares, counts,
                                               with_behaviours, with_duplex_behaviours)
from synth_assets.dialogues.conversation import resumed_text, voice_dialogue
from synth_assets.dialogues.duplex import measure_audio
from synth_assets.dialogues.turntaking import TurnTakingStyle
from synth_assets.dialogues.voices import conversation_policy
from synth_assets.tts.policy import VoicePolicy

RATE = 24_000
NONE = BehaviourShares(greeting=0, closing=0, stop=0, side_talk=0, background=0, long_session=0, barge_in=0)
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


def other_script(id_: str = "dialogue-2") -> DialogueScript:
    return dataclasses.replace(script(id_), turns=[
        Turn("user", "What is the capital of Norway?"),
        Turn("assistant", "The capital of Norway is Oslo. It sits at the end of a long fjord in the south of the "
                          "country, and about seven hundred thousand people live there.")])


def barging(*forms: str) -> BehaviourShares:
    return dataclasses.replace(NONE, barge_in=1.0, barge_in_forms=forms)


def test_a_wait_barge_in_is_followed_by_the_assistants_acknowledgement_the_users_go_on_and_the_answer_again():
    made, found = labelled(barging("wait"))
    said, reply, go_on = (made.turns[i].text for i in found["barge_in"]["turns"][:3])
    assert found["barge_in"]["form"] == "wait" and found["barge_in"]["turns"] == [2, 3, 4, 5]
    assert (said, reply, go_on) in WAITS and [t.role for t in made.turns[2:6]] == ["user", "assistant"] * 2
    assert made.turns[5].text == script().turns[1].text  # resumed at voicing from where it was cut


def test_a_question_barge_in_says_the_next_documents_request_over_the_answer_and_the_assistant_answers_that():
    for form in ("actually", "correction", "new_question"):
        made = list(with_duplex_behaviours([script("d1"), other_script("d2")], barging(form)))
        assert len(made) == 1  # the second document's request is the interruption: one conversation
        (first, *_) = [b for b in behaviours_of(made[0]) if b["kind"] == "barge_in"]
        request, answer = (made[0].turns[i] for i in first["turns"])
        assert first == {**first, "form": form, "turns": [2, 3], "chained": 1}
        assert request.role == "user" and request.text.endswith(other_script().turns[0].text)
        assert request.text != other_script().turns[0].text  # said with the form's opener...
        assert answer.role == "assistant" and answer.text.endswith(other_script().turns[1].text)  # ...and answered
    alone = with_behaviours(script(), barging("correction"))  # nothing follows: the assistant is told to wait
    assert [b["form"] for b in behaviours_of(alone)] == ["wait"]


def test_the_resumed_answer_starts_at_the_sentence_the_assistant_was_cut_in():
    answer = "Yeast eats the sugar. The gas gets trapped, so the dough puffs up. Then bake it.".split()
    assert resumed_text(answer, 2, "So,") == "So, yeast eats the sugar. The gas gets trapped, so the dough puffs up. " \
                                             "Then bake it."
    assert resumed_text(answer, 6, "So,") == "So, the gas gets trapped, so the dough puffs up. Then bake it."
    assert resumed_text(answer, len(answer), "So,") == FINISHED
    assert resumed_text("I think so. Oslo is big.".split(), 1, "So,") == "So, I think so. Oslo is big."
    assert resumed_text(answer, 6, "Right, where was I?") == "Right, where was I? The gas gets trapped, so the " \
                                                             "dough puffs up. Then bake it."


def test_voiced_barge_ins_are_heard_cut_at_a_word_end_answered_and_counted_by_form():
    policy = conversation_policy(VoicePolicy(workers=1))
    waited, _ = labelled(barging("wait"))
    corrected = next(iter(with_duplex_behaviours([script("d1"), other_script("d2")], barging("correction"))))
    for made, form in ((waited, "wait"), (corrected, "correction")):
        voiced = voice_dialogue(made, policy, "piper-joe", style=QUIET)
        turns, label = voiced.turns, next(b for b in behaviours_of(made) if b["kind"] == "barge_in")
        user = label["turns"][0]
        cut = turns[user - 1]
        assert turns[user]["transition"]["kind"] == "barge_in" and cut["interrupted"]
        assert turns[user]["barge_in"] == form
        assert cut["said"] and cut["spoken"].startswith(cut["said"]) and cut["said"] != cut["spoken"]
        assert cut["words"][-1]["end"] <= cut["end"] + 1e-3  # its word times end where it stopped
        stats = measure_audio(voiced.audio, RATE, turns=turns, backchannels=voiced.backchannels)
        assert stats.barge_in_forms[form] == [1, 1] and min(stats.barge_in_overlaps) >= 0.15
        assert stats.unlabelled_speech_s == 0.0
        plan = voiced.plan.to_dict()
        assert barge_in_counts([json.dumps(plan)])[form] == {"labelled": 1, "obeyed": 1}
        if form == "wait":  # the answer goes on from the sentence it was cut in
            resumed, spoken = turns[label["turns"][3]]["text"].lower(), cut["spoken"].split()
            reached = len(cut["words"])
            starts = [k for k in range(reached + 1) if k == 0 or spoken[k - 1].endswith(".")]
            assert any(resumed.endswith(" " + " ".join(spoken[k:]).lower()) for k in starts)
            assert resumed.split()[0] in ("as", "so,", "right,")  # "As I was saying, ..."
        else:
            assert turns[user + 1]["text"].endswith(other_script().turns[1].text)


def test_a_wait_resumes_the_answer_from_the_sentence_its_audio_reached():
    # The cut is found once, before the layout moves the turns: found again on the moved turns (times
    # rounded to the ms) it could land a word later or earlier than the one the resume was written from.
    policy = conversation_policy(VoicePolicy(workers=1))
    for i in range(8):
        made, found = labelled(barging("wait"), script(f"wait-{i}") if i % 2 else other_script(f"wait-{i}"))
        voiced = voice_dialogue(made, policy, "piper-joe", style=QUIET)
        label = found["barge_in"]
        cut, resumed = voiced.turns[label["turns"][0] - 1], voiced.turns[label["turns"][3]]["text"]
        said = len(cut["words"])  # the words the audio holds, up to the cut
        resumed_from = next(b for b in voiced.plan.behaviours if b["kind"] == "barge_in")["resumed_from_word"]
        assert resumed_from == said and cut["interrupted"] == (said < len(cut["spoken"].split()))
        opener = max((o for o in RESUMES if resumed.startswith(o)), key=len, default=RESUMES[0])
        assert resumed == resumed_text(cut["spoken"].split(), said, opener)
