"""Clarification conversations: a misheard or cut-off question, then a check or a request to repeat,
the user's confirmation or repeat, then the answer; each asks its own question."""

from __future__ import annotations

import json

import pytest

from synth_assets.core.mix import MixTargets
from synth_assets.dialogues.clarification import clarification_script
from synth_assets.dialogues.instructions import instruction_script
from synth_assets.dialogues.render import clarification_start, rotation_pick, with_clarifications


def instruction(question: str, answer: str, id_: str):
    return instruction_script({"id": id_, "kind": "ultrachat", "text": f"USER: {question}\n\nASSISTANT: {answer}",
                               "source": "ultrachat", "snapshot": "2026-11-01", "license": "MIT"})


def test_a_misheard_word_is_checked_and_the_answer_waits_for_the_users_confirmation():
    seen = set()
    for index in range(20):
        source = instruction("How do I keep bread fresh?", "Keep it in a cloth bag.", f"doc-{index}")
        script = clarification_script(source)
        detail = json.loads(script.params)["clarification"]
        seen.add(detail["garble"])
        assert script.kind == "clarification" and script.parent_id == source.parent_id
        if detail["garble"] == "misheard":
            question, check, confirm, answer = (t.text for t in script.turns)
            assert "bed" in question and "bread" not in question
            assert "bread" in check and check.endswith("?")
            assert "bread" in confirm and [t.role for t in script.turns] == ["user", "assistant"] * 2
            assert answer == "Keep it in a cloth bag."
        elif detail["garble"] == "masked":  # said whole; the rendering covers "bread" with noise or a dropout
            said, ask, again, answer = (t.text for t in script.turns)
            assert said == again == "How do I keep bread fresh?" and "?" in ask
            assert detail["said"] == "bread" and detail["mask"] in ("noise", "dropout") and detail["turn"] == 0
        else:
            heard, ask, again, answer = (t.text for t in script.turns)
            assert heard.endswith("...") and len(heard.split()) < len(again.split())
            assert "?" in ask and again == "How do I keep bread fresh?" and answer == "Keep it in a cloth bag."
    assert seen == {"misheard", "masked", "cut_off"}


def test_a_wrong_name_is_corrected():
    for index in range(8):
        script = clarification_script(instruction("What is the best season to visit Paris?", "Spring is lovely.",
                                                  f"doc-{index}"))
        if json.loads(script.params)["clarification"]["garble"] == "wrong_name":
            assert "Harris" in script.turns[0].text and "Paris" in script.turns[1].text
            assert "Paris" in script.turns[2].text and script.turns[3].text == "Spring is lovely."
            return
    raise AssertionError("no wrong-name clarification drawn in 8 tries")


def test_the_clarification_share_is_a_rotation_within_one_of_the_target():
    scripts = [instruction("What is rain?", "Water from clouds.", f"doc-{i}") for i in range(14)]
    made = list(with_clarifications(iter(scripts), 10, 0.3))
    assert sum(s.kind == "clarification" for s in made) == 3
    assert sum(s.kind == "instruction" for s in made) == 10
    asked = {s.parent_id for s in made if s.kind == "instruction"}
    assert not asked & {s.parent_id for s in made if s.kind == "clarification"}  # its own question
    assert [rotation_pick(i, 0.5) for i in range(4)] == [False, True, False, True]


def test_a_start_drawn_per_partition_keeps_the_clarification_share_across_many_small_partitions():
    scripts = [instruction("What is rain?", "Water from clouds.", f"doc-{i}") for i in range(4)]
    share = MixTargets().clarifications_per_instruction  # a third: a two-instruction partition rounds down alone
    made = [sum(s.kind == "clarification" for s in with_clarifications(
                iter(scripts), 2, share, clarification_start(f"alpaca/2026-11-01/part-{p}.json")))
            for p in range(300)]
    assert set(made) == {0, 1}
    assert sum(made) / (2 * len(made)) == pytest.approx(share, abs=0.04)


def test_sound_alike_pairs_are_refused_and_the_table_holds_none():
    from synth_assets.dialogues.clarification import MISHEARD, WRONG_NAMES, _swap, sounds_alike

    assert _swap("Can you write a poem?", {"write": "right"}) is None
    assert not [pair for table in (MISHEARD, WRONG_NAMES) for pair in table.items() if sounds_alike(*pair)]


def test_a_masked_word_is_covered_in_the_audio_over_its_time_span():
    import numpy as np

    from synth_assets.core.audio import SAMPLE_RATE
    from synth_assets.dialogues.mask import mask_turn

    t = np.arange(2 * SAMPLE_RATE) / SAMPLE_RATE
    audio = (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
    words = [{"word": "keep", "start": 0.2, "end": 0.6}, {"word": "bread,", "start": 0.7, "end": 1.1}]
    dropped, span = mask_turn(audio, words, "bread", "dropout", seed=1)
    assert span == {"kind": "dropout", "start": 0.66, "end": 1.14}  # the word and 40 ms either side
    a, b = int((0.7 - 0.04) * SAMPLE_RATE), int((1.1 + 0.04) * SAMPLE_RATE)
    assert not dropped[a:b].any() and np.array_equal(dropped[:a], audio[:a]) and np.array_equal(dropped[b:], audio[b:])
    noisy, span = mask_turn(audio, words, "Bread", "noise", seed=1)
    assert span["kind"] == "noise" and not np.allclose(noisy[a:b], audio[a:b]) and np.abs(noisy).max() < 1.0
    assert mask_turn(audio, words, "butter", "noise", seed=1) == (audio, {})


def test_the_rendering_drops_the_masked_word_out_of_the_users_turn_and_nothing_else():
    import numpy as np

    from synth_assets.core.records import DialogueScript, Turn
    from synth_assets.dialogues.conversation import voice_dialogue
    from synth_assets.dialogues.turntaking import TurnTakingStyle
    from synth_assets.dialogues.voices import conversation_policy
    from synth_assets.tts.policy import VoicePolicy

    def clarification(params: dict) -> DialogueScript:
        return DialogueScript(id="clar-1", parent_id="doc", stage="test", kind="clarification", source="s",
                              snapshot="x", license="Apache-2.0", params=json.dumps(params), turns=[
                                  Turn("user", "Can you tell me how bread rises?"),
                                  Turn("assistant", "Sorry, I missed a word. Could you repeat the question?"),
                                  Turn("user", "Can you tell me how bread rises?"),
                                  Turn("assistant", "Yeast makes gas, and the dough puffs up.")])

    policy = conversation_policy(VoicePolicy(workers=1))
    quiet = TurnTakingStyle(barge_in_rate=0.0, backchannels_per_s=0.0)
    masked = voice_dialogue(clarification({"clarification": {"garble": "masked", "said": "bread", "turn": 0,
                                                             "mask": "dropout"}}), policy, "piper-joe", style=quiet)
    plain = voice_dialogue(clarification({}), policy, "piper-joe", style=quiet)
    cut, whole = masked.turn_audio[0], plain.turn_audio[0]
    changed = np.nonzero(cut != whole)[0]
    assert changed.size and 0.15 < (changed[-1] - changed[0]) / 24_000 < 1.0  # about one word's time
    assert not cut[changed[0]:changed[-1] + 1].any()  # dropped out
    assert np.array_equal(masked.turn_audio[2], plain.turn_audio[2])  # the repeat is whole
