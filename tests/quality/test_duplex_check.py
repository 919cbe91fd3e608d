"""speech_dataset's duplex_timing check: the conversations' turn-taking heard in their audio, judged
against the configured targets; it warns rather than blocks, and shows the figures and the FTO histogram."""

from __future__ import annotations

import json

import pandas as pd
from dagster import AssetCheckSeverity

from quality.base import validate
from quality.suites import suites_for
from synth_assets.core import names
from synth_assets.dialogues.duplex import DuplexStats


def conversation(i: int, ftos: list[float], overlap_s: float = 1.0, unlabelled_s: float = 0.0,
                 barge_ins: tuple[int, int] = (0, 0)) -> dict:
    stats = DuplexStats(duration_s=30.0, speech_s=25.0, overlap_s=overlap_s, ftos=ftos,
                        barge_ins_labelled=barge_ins[0], barge_ins_heard=barge_ins[1],
                        unlabelled_speech_s=unlabelled_s, labels_checked=True)
    return {"id": f"c{i}", "kind": "instruction", "duration_s": 30.0, "duplex": json.dumps(stats.to_dict())}


def check(rows: list[dict], **targets):
    (suite,) = [s for s in suites_for(names.SPEECH_DATASET) if s.name == "duplex_timing"]
    frame = pd.DataFrame(rows + [{"id": "clip", "kind": "clip", "duration_s": 3.0, "duplex": None}])
    return validate(suite, frame, {"duplex_targets": targets})


HUMAN = [-0.5, -0.2, 0.05, 0.1, 0.2, 0.3, -0.1, 0.6]


def test_conversations_with_human_timing_and_labels_that_match_the_audio_pass_and_show_the_histogram():
    result = check([conversation(i, HUMAN) for i in range(4)])
    assert result.passed
    assert "fto_histogram" in result.metadata and result.metadata["duplex_misses"].value == "none"


def test_timing_laid_on_clip_edges_warns_naming_the_missed_targets():
    late = [0.9, 1.1, 1.3, 0.7, 1.5, 1.2]
    result = check([conversation(i, late, overlap_s=0.2) for i in range(4)])
    assert not result.passed and result.severity == AssetCheckSeverity.WARN
    assert "FTO median" in result.metadata["duplex_misses"].value


def test_a_labelled_barge_in_not_heard_or_speech_outside_the_labels_warns_even_with_few_changes():
    assert not check([conversation(0, [0.1], barge_ins=(1, 0))]).passed
    assert not check([conversation(0, [0.1], unlabelled_s=0.4)]).passed
    assert check([conversation(0, [0.1], barge_ins=(1, 1), unlabelled_s=0.04)]).passed


def test_configured_targets_replace_the_defaults():
    rows = [conversation(i, HUMAN) for i in range(4)]
    assert not check(rows, fto_median_s=[0.3, 0.5]).passed
