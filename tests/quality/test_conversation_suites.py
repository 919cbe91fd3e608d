"""The conversation suites fail a conversation whose channels share a voice, or a safety conversation
with an assistant turn that does not refuse."""

from __future__ import annotations

import json

import pandas as pd

from quality.base import validate
from quality.suites import SUITES
from synth_assets.core import names


def conversation(user_voice="piper-joe", assistant_voice="hibari-heart", answer="I can't help with that. "
                 "It could hurt someone. I can suggest a safer topic.", **extra) -> dict:
    turns = [{"role": "user", "voice": user_voice, "text": "How do I pick a lock?", "spoken": "How do I pick a lock?"},
             {"role": "assistant", "voice": assistant_voice, "text": answer, "spoken": answer}]
    return {"id": f"d-{user_voice}-{len(answer)}", "stage": "s", "code_version": "v", "run_id": "r", "channels": 2,
            "sample_rate": 24000, "channel_layout": "assistant-left", "turn_count": 2, "duration_s": 4.0,
            "overlap_s": 0.0, "user_voice": user_voice, "assistant_voice": assistant_voice,
            "turns": json.dumps(turns), "backchannels": "[]", "kind": "safety", "user_gender": "male", **extra}


def test_a_conversation_with_two_distinct_voices_and_a_refusal_passes():
    assert validate(SUITES[names.SAFETY_DIALOGUES], pd.DataFrame([conversation()])).passed


def test_a_conversation_whose_channels_share_a_voice_fails():
    frame = pd.DataFrame([conversation(), conversation(user_voice="hibari-heart")])
    assert not validate(SUITES[names.SAFETY_DIALOGUES], frame).passed


def test_a_safety_conversation_whose_assistant_complies_fails():
    frame = pd.DataFrame([conversation(answer="Sure, here's how: first, you insert a tension wrench.")])
    assert not validate(SUITES[names.SAFETY_DIALOGUES], frame).passed


def test_the_user_layout_on_the_left_fails():
    assert not validate(SUITES[names.SAFETY_DIALOGUES],
                        pd.DataFrame([conversation(channel_layout="user-left")])).passed


def premise(answer: str) -> dict:
    return conversation(answer=answer, true_spoken="eighteen eighty-nine", altered_spoken="eighteen ninety-one")


def test_a_false_premise_answer_must_name_the_true_value_and_not_the_altered_one():
    suite = SUITES[names.FALSE_PREMISE_DIALOGUES]
    assert validate(suite, pd.DataFrame([premise("Not quite. It was finished in eighteen eighty-nine.")])).passed
    assert not validate(suite, pd.DataFrame([premise("Yes, it was finished in eighteen ninety-one.")])).passed
    assert not validate(suite, pd.DataFrame([premise(
        "It was eighteen eighty-nine, not eighteen ninety-one.")])).passed


def mixed(kinds: list[str], genders: list[str]) -> pd.DataFrame:
    rows = []
    for index, (kind, gender) in enumerate(zip(kinds, genders)):
        row = conversation(kind=kind, user_gender=gender, question_text="q", answer_text="a")
        row["id"] = f"d{index}"
        rows.append(row)
    return pd.DataFrame(rows)


def test_the_mix_check_holds_the_configured_female_share_and_clarification_share():
    suite = SUITES[names.INSTRUCTION_DIALOGUES]
    kinds = ["instruction", "clarification"] * 6
    balanced = mixed(kinds, ["female", "male"] * 6)
    settings = {"target_female_share": 0.5, "clarification_share": 1.0}
    assert validate(suite, balanced, settings).passed
    assert not validate(suite, mixed(kinds, ["male"] * 12), settings).passed  # all users male
    too_few = mixed(["instruction"] * 10 + ["clarification"] * 2, ["female", "male"] * 6)
    assert not validate(suite, too_few, settings).passed  # 2 clarifications where 10 were configured


def test_light_recipes_must_keep_the_label_less_the_worst_clip():
    suite = SUITES[names.AUGMENTED_CLIPS]

    def clips(gaps):
        return pd.DataFrame([{"id": f"a{i}", "stage": "s", "code_version": "v", "run_id": "r", "sample_rate": 24000,
                              "duration_s": 2.0, "augmentations": "telephone@telephone-v1:telephone",
                              "recipe": "telephone", "recipe_version": "telephone-v1", "clean_wer": 0.0, "wer": g}
                             for i, g in enumerate(gaps)])

    assert validate(suite, clips([0.0, 0.0, 0.9, 0.0])).passed  # one misheard clip is slack
    # Narrowband audio costs tiny.en a few words on a few clips: a healthy telephone partition.
    assert validate(suite, clips([0.0] * 16 + [0.3, 0.5, 0.2, 0.56])).passed
    assert not validate(suite, clips([0.0] * 16 + [1.0] * 4)).passed  # a fifth of the clips silenced
    assert not validate(suite, clips([0.2] * 20)).passed  # every clip loses a fifth of its words


def test_the_clarification_check_judges_from_the_partitions_rotation_start():
    suite = SUITES[names.INSTRUCTION_DIALOGUES]
    # 10 instructions at a third: 3.33 clarifications, rounded up to 4 by a start of 0.9.
    frame = mixed(["instruction"] * 10 + ["clarification"] * 4, ["female", "male"] * 7)
    settings = {"target_female_share": 0.5, "clarification_share": 1 / 3}
    assert validate(suite, frame, {**settings, "clarification_start": 0.9}).passed
    assert validate(suite, frame, settings).passed  # one over the share from no start: still within one
    one_more = mixed(["instruction"] * 10 + ["clarification"] * 5, ["female", "male"] * 7 + ["male"])
    assert not validate(suite, one_more, settings).passed


def timed(words: list[tuple[str, float, float]], *, spoken: str, interrupted: bool = False) -> dict:
    row = conversation()
    turns = json.loads(row["turns"])
    turns[1].update(spoken=spoken, start=1.0, end=3.0, interrupted=interrupted,
                    words=[{"word": w, "start": s, "end": e} for w, s, e in words])
    return {**row, "turns": json.dumps(turns)}


def test_word_times_must_run_in_order_inside_the_turn_and_spell_what_it_was_given():
    suite = SUITES[names.SAFETY_DIALOGUES]
    spoken = "I can't help with that."
    good = [("I", 1.1, 1.2), ("can't", 1.2, 1.5), ("help", 1.5, 1.8), ("with", 1.8, 2.0), ("that.", 2.0, 2.4)]
    assert validate(suite, pd.DataFrame([timed(good, spoken=spoken)])).passed
    assert validate(suite, pd.DataFrame([timed(good[:3], spoken=spoken, interrupted=True)])).passed  # a cut turn
    assert not validate(suite, pd.DataFrame([timed(good[:3], spoken=spoken)])).passed  # words lost
    overlapping = [good[0], ("can't", 1.15, 1.5), *good[2:]]
    assert not validate(suite, pd.DataFrame([timed(overlapping, spoken=spoken)])).passed
    past_the_end = [*good[:4], ("that.", 2.9, 3.4)]
    assert not validate(suite, pd.DataFrame([timed(past_the_end, spoken=spoken)])).passed
