"""Full-duplex conversations: the stereo layout, distinct voices, and turn-taking drawn and recorded."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from synth_assets.core.records import DialogueScript, Turn
from synth_assets.core.stage_run import StageRun
from synth_assets.dialogues.conversation import CHANNEL_LAYOUT, voice_dialogue
from synth_assets.dialogues.render import voiced_rows
from synth_assets.dialogues.turntaking import TurnTakingStyle, draw_plan
from synth_assets.dialogues.voices import NoDistinctVoice, conversation_policy, user_pool
from synth_assets.tts.policy import VoicePolicy
from synth_assets.tts.registry import REGISTRY

RATE = 24_000
POLICY = VoicePolicy(workers=1)


def script(*turns: tuple[str, str], id_: str = "dialogue-1") -> DialogueScript:
    return DialogueScript(id=id_, parent_id="doc", stage="test", kind="instruction", source="s", snapshot="x",
                          turns=[Turn(role, text) for role, text in turns], license="Apache-2.0")


EXCHANGE = script(("user", "Can you tell me how bread rises?"),
                  ("assistant", "Yeast eats the sugar in the dough and breathes out gas. The gas gets trapped by "
                                "the gluten, so the dough puffs up while it rests in a warm place."),
                  ("user", "Oh, so it needs warmth?"),
                  ("assistant", "Yes, warmth helps the yeast work faster."))


def active(channel: np.ndarray, start: float, end: float) -> float:
    return float(np.abs(channel[int(start * RATE):int(end * RATE)]).max(initial=0.0))


def test_the_user_pool_never_holds_the_assistant_voice_and_keeps_both_genders():
    pool = user_pool(POLICY)
    assert POLICY.assistant_voice not in pool
    assert {REGISTRY[v].gender for v in pool} == {"female", "male"}


def test_a_pool_with_only_the_assistant_voice_and_no_fallback_has_no_distinct_voice():
    lonely = dataclasses.replace(POLICY, user_voices=(POLICY.assistant_voice,))
    with pytest.raises(NoDistinctVoice):
        conversation_policy(lonely, fallback_voices=())


def test_the_assistant_speaks_on_the_left_channel_and_the_user_on_the_right():
    policy = conversation_policy(POLICY)
    quiet = TurnTakingStyle(fto_quantiles=((0.0, 0.3), (1.0, 0.6)), barge_in_rate=0.0, backchannels_per_s=0.0, hesitation_rate=0.0)
    voiced = voice_dialogue(EXCHANGE, policy, "piper-joe", style=quiet)
    assert voiced.audio.shape[1] == 2 and CHANNEL_LAYOUT == "assistant-left"
    assistant, user = voiced.audio[:, 0], voiced.audio[:, 1]
    for turn in voiced.turns:
        mine, other = (assistant, user) if turn["role"] == "assistant" else (user, assistant)
        assert turn["channel"] == (0 if turn["role"] == "assistant" else 1)
        assert active(mine, turn["speech_start"], turn["speech_end"]) > 0.05
        assert active(other, turn["speech_start"], turn["speech_end"]) == 0.0
        assert turn["transition"]["kind"] in ("start", "fto")
    assert voiced.overlap_seconds() == 0.0
    assert {t["voice"] for t in voiced.turns if t["role"] == "user"} == {"piper-joe"}
    assert {t["voice"] for t in voiced.turns if t["role"] == "assistant"} == {POLICY.assistant_voice}


def test_a_barge_in_cuts_the_assistant_text_and_word_times_where_it_stopped():
    policy = conversation_policy(POLICY)
    eager = TurnTakingStyle(barge_in_rate=1.0, backchannels_per_s=0.0, hesitation_rate=0.0)
    voiced = voice_dialogue(EXCHANGE, policy, "piper-joe", style=eager)
    cut = voiced.turns[1]
    assert cut["interrupted"] and voiced.turns[2]["transition"]["kind"] == "barge_in"
    said = cut["said"].split()
    assert 0 < len(said) < len(cut["spoken"].split())
    assert cut["spoken"].startswith(cut["said"])
    assert cut["words"][-1]["end"] <= cut["end"]
    # The user started before the assistant stopped, at a word end: both are heard together for >= 0.25 s.
    assert voiced.turns[2]["speech_start"] < cut["speech_end"] <= cut["end"]
    assert cut["end"] == cut["words"][-1]["end"]
    assert voiced.overlap_seconds() >= 0.15
    assert active(voiced.audio[:, 0], cut["end"] + 0.01, voiced.turns[3]["start"] - 0.01) == 0.0


def test_backchannels_are_said_on_the_listeners_channel_during_the_other_turn():
    policy = conversation_policy(POLICY)
    chatty = TurnTakingStyle(barge_in_rate=0.0, backchannels_per_s=1.0, backchannel_min_turn_s=2.0,
                             hesitation_rate=0.0)
    voiced = voice_dialogue(EXCHANGE, policy, "piper-joe", style=chatty)
    assert voiced.backchannels
    for item in voiced.backchannels:
        during = voiced.turns[item["transition"]["during"]]
        assert item["role"] != during["role"]
        phrase_end = during["words"][item["transition"]["after_word"]]["end"]
        assert phrase_end <= item["speech_start"] < during["speech_end"]  # at a phrase end, inside the turn
        assert item["voice"] == (POLICY.assistant_voice if item["role"] == "assistant" else "piper-joe")
    assert any(w["word"] == voiced.backchannels[0]["said"].split()[0]
               for w in voiced.channel_words(voiced.backchannels[0]["role"]))


def test_a_user_who_hesitates_mid_turn_goes_on_after_the_pause_and_the_assistant_keeps_listening():
    policy = conversation_policy(POLICY)
    hesitant = TurnTakingStyle(hesitation_rate=1.0, hesitation_s=(1.2, 1.2), barge_in_rate=0.0,
                               backchannels_per_s=0.0)
    voiced = voice_dialogue(EXCHANGE, policy, "piper-joe", style=hesitant)
    paused = [t for t in voiced.turns if t.get("hesitation")]
    assert paused and all(t["role"] == "user" for t in paused)
    for turn in paused:
        k = turn["hesitation"]["after_word"]
        silence = turn["words"][k + 1]["start"] - turn["words"][k]["end"]
        assert silence >= 1.2
        middle = (turn["words"][k]["end"] + turn["words"][k + 1]["start"]) / 2
        assert active(voiced.audio[:, 1], middle - 0.4, middle + 0.4) < 0.01  # the pause is heard
        # The assistant keeps listening through the pause: it starts only once the user has gone on.
        assert active(voiced.audio[:, 0], turn["words"][k]["end"], turn["words"][k + 1]["start"] + 0.1) == 0.0
    assert [h["turn"] for h in voiced.plan.to_dict()["hesitations"]] == [voiced.turns.index(t) for t in paused]


def test_turn_taking_is_drawn_per_conversation_from_its_seed():
    roles = ["user", "assistant"] * 6
    assert draw_plan(roles, 7) == draw_plan(roles, 7)
    transitions = [t for seed in range(40) for t in draw_plan(roles, seed).transitions]
    assert {t.kind for t in transitions} == {"fto", "barge_in"}
    ftos = [t.seconds for t in transitions if t.kind == "fto"]
    assert 0.3 < sum(f < 0 for f in ftos) / len(ftos) < 0.6 and -0.1 < float(np.median(ftos)) < 0.25
    assert all(t.kind != "barge_in" for t in draw_plan(roles, 3, allow_barge_in=False).transitions)


def test_a_conversation_with_a_turn_that_cannot_be_voiced_is_quarantined_and_the_rest_are_rendered():
    stage = StageRun("instruction_dialogues", "p", "run", "v")
    broken = script(("user", "Tell me a story."), ("assistant", "   "), id_="dialogue-broken")
    good = script(("user", "What is rain?"), ("assistant", "Water falling from clouds."), id_="dialogue-good")
    rows = list(voiced_rows(stage, [broken, good], POLICY, lambda s: "doc"))
    assert [r["id"] for r in rows] == ["dialogue-good"]
    assert [q.file for q in stage.quarantined] == ["dialogue-broken"]
    assert "turn 1" in stage.quarantined[0].reason or "Empty" in stage.quarantined[0].reason
    row = rows[0]
    assert row["channel_layout"] == "assistant-left" and row["user_voice"] != row["assistant_voice"]
    assert json.loads(row["words_user"]) and json.loads(row["words_assistant"])


def test_user_voices_rotate_by_gender_across_a_partitions_conversations():
    stage = StageRun("safety_dialogues", "p", "run", "v")
    scripts = [script(("user", "Hello there."), ("assistant", "Hi."), id_=f"d{i}") for i in range(4)]
    rows = list(voiced_rows(stage, scripts, POLICY, lambda s: "doc"))
    assert [r["user_gender"] for r in rows].count("female") == 2
    assert all(r["user_voice"] != r["assistant_voice"] for r in rows)


def test_the_user_channel_is_augmented_with_moshi_user_and_the_assistant_channel_left_clean():
    import io

    import soundfile as sf

    stage = StageRun("instruction_dialogues", "p", "run", "v")
    scripts = [script(("user", "What is rain made of?"), ("assistant", "Rain is water that fell from clouds."),
                      id_=f"aug-{i}") for i in range(6)]
    rows = list(voiced_rows(stage, scripts, POLICY, lambda s: "doc"))
    for row in rows:
        clean, _ = sf.read(io.BytesIO(row["audio"]), dtype="float32")
        augmented, _ = sf.read(io.BytesIO(row["audio_augmented"]), dtype="float32")
        assert np.array_equal(clean[:, 0], augmented[:, 0])
        recorded = json.loads(row["augmentation"])
        assert recorded["recipe"] == "moshi-user" and recorded["version"] == "moshi-user-v1"
        if recorded["steps"] and {"noise", "echo"} & {s["step"] for s in recorded["steps"]}:
            assert recorded["snr_db"] == row["user_snr_db"]
    assert any(json.loads(r["augmentation"])["steps"] for r in rows)


def test_a_conversation_is_the_same_bytes_whatever_the_global_random_state_and_the_thread_count():
    import random

    import torch

    def render(global_seed: int, threads: int) -> dict:
        random.seed(global_seed)
        np.random.seed(global_seed)
        torch.manual_seed(global_seed)
        policy = VoicePolicy(user_voices=("piper-joe",), workers=1, threads=threads)
        (row,) = voiced_rows(StageRun("instruction_dialogues", "p", "run", "v"), [EXCHANGE], policy, lambda s: "doc")
        return row

    first, again = render(1, threads=1), render(2, threads=2)
    assert first["user_voice"] == "piper-joe" and json.loads(first["augmentation"])["steps"] is not None
    differ = {k for k in first if first[k] != again[k] and not (first[k] != first[k] and again[k] != again[k])}  # NaN
    assert differ == set()  # audio, augmented audio, turns, word times
