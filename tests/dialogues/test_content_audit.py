"""The content audit reads conversations as a listener would: each defect kind is found where it is
and not where it is not."""

from synth_assets.core.records import DialogueScript, Turn
from synth_assets.dialogues.audit import audit_release, ends_mid_thought, requested_count
from synth_assets.dialogues.clarification import sounds_alike


def _instruction(question: str, answer: str, parent: str = "doc-1") -> DialogueScript:
    return DialogueScript(id=f"dia-{parent}", parent_id=parent, stage="instruction_dialogues", kind="instruction",
                          source="alpaca", snapshot="s", turns=[Turn("user", question), Turn("assistant", answer)],
                          params="{}")


def test_a_request_for_three_tips_is_counted_and_words_like_years_are_not():
    assert requested_count("Give three tips for staying healthy.") == (3, "tips")
    assert requested_count("Name 5 animals that live in the sea.") == (5, "animals")
    assert requested_count("What happened two years ago?") is None


def test_an_answer_that_stops_on_a_colon_or_an_introduction_ends_mid_thought():
    assert ends_mid_thought("Here are some ideas:")
    assert ends_mid_thought("There are several ways. You can try the following.")
    assert ends_mid_thought("Water the plant once a week.") is None


def test_write_and_right_sound_alike_and_tips_and_chips_do_not():
    assert sounds_alike("write", "right")
    assert sounds_alike("sea", "see")
    assert not sounds_alike("tips", "chips")


def test_an_answer_that_drops_a_requested_tip_is_flagged_and_a_whole_one_is_not():
    source = "1. Drink water.\n2. Sleep eight hours.\n3. Walk every day."
    cut = _instruction("Can you give three tips for staying healthy?", "Drink water. Sleep eight hours.")
    whole = _instruction("Can you give three tips for staying healthy?",
                         "There are three. Drink water. Sleep eight hours. And walk every day.", "doc-2")
    audit = audit_release([cut, whole], {"doc-1": source, "doc-2": source}, filler_rate=0.0)
    assert audit.defects["dropped_items"] == 1
    assert audit.defects["mid_thought"] == 1
    assert "said 2" in audit.examples["dropped_items"][0]
