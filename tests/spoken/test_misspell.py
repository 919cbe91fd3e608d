"""Misspelling augmentation of user-side text: seeded, rate-controlled and recorded."""

from __future__ import annotations

import json
import random

from synth_assets.core.records import Segment
from synth_assets.spoken.misspell import misspell
from synth_assets.spoken.rewrite import spoken_text_record

QUESTION = ("Could you tell me whether their new library will open before the weekend, and which "
            "entrance I should use to reach the reading rooms on the second floor?")


def test_rate_zero_changes_nothing_and_rate_one_changes_most_words():
    assert misspell(QUESTION, random.Random(1), 0.0) == (QUESTION, [])
    changed, operations = misspell(QUESTION, random.Random(1), 1.0)
    assert changed != QUESTION and len(operations) > len(QUESTION.split()) // 2


def test_same_seed_same_misspellings_and_every_change_is_recorded():
    first = misspell(QUESTION, random.Random(7), 0.3)
    assert first == misspell(QUESTION, random.Random(7), 0.3)
    changed, operations = first
    assert operations
    words = changed.split()
    for op in operations:
        kind, edit = op.split(":")[1], op.split(":", 2)[2]
        before, after = edit.rsplit("@", 1)[0].split(">")
        assert kind in {"typo", "drop", "double", "swap", "homophone"}
        assert before != after and any(after in w for w in words)


def test_homophones_appear():
    kinds = {op.split(":")[1] for seed in range(20)
             for op in misspell("their your its whether which", random.Random(seed), 1.0)[1]}
    assert "homophone" in kinds


def test_spoken_text_misspells_user_turns_only_and_records_it():
    def segment(role):
        return Segment(id=f"seg-{role}", parent_id="doc", stage="text_segments", role=role, text=QUESTION,
                       words=len(QUESTION.split()))
    user = spoken_text_record(segment("user"), filler_rate=0.0, misspell_rate=0.5)
    assert user.misspelled and user.misspelled != QUESTION
    assert any(op.startswith("misspell:") for op in user.operations)
    assert json.loads(user.params)["misspell_rate"] == 0.5
    assert "misspell" not in " ".join(user.text)  # TTS reads the clean spoken form
    narration = spoken_text_record(segment("narration"), filler_rate=0.0, misspell_rate=0.5)
    assert narration.misspelled == "" and not any(op.startswith("misspell") for op in narration.operations)
