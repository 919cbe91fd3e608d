"""A partition's conversations render in units side by side in worker processes: the same rows in the
same order whatever the number of workers, and what a unit quarantines reaches the stage."""

from __future__ import annotations

import os

import pytest

from synth_assets.core import names
from synth_assets.core.mix import MixTargets
from synth_assets.core.stage_run import StageRun
from synth_assets.dialogues import render, units
from synth_assets.dialogues.behaviours import NO_BEHAVIOURS
from synth_assets.tts.policy import VoicePolicy
from tests.dialogues.test_conversation_rates import KEY, instruction_documents, stored

MIX = MixTargets(safety=0.2, false_premise=0.2, instruction=0.45, clarification=0.15)


def rendered(store, policy, workers: int, report: units.RenderReport):
    stage = StageRun(names.INSTRUCTION_DIALOGUES, KEY, "run-1", "test")
    rows = list(render.instruction_dialogues(stage, store, KEY, 1.0, policy.__class__(
        **{**policy.__dict__, "workers": workers}), MIX, report=report,
        behaviours=NO_BEHAVIOURS))  # every document one conversation: no long session joins two
    return rows, stage.quarantined


def test_two_workers_render_the_same_conversations_as_one(tmp_path, tone_voices, monkeypatch):
    monkeypatch.setattr(units, "MIN_PARALLEL_UNITS", 5)  # six units of test voices make a pool worth it here
    female, male, assistant = tone_voices
    policy = VoicePolicy(user_voices=(female, male), assistant_voice=assistant)
    docs = instruction_documents(22) + [{**instruction_documents(1)[0], "id": "bad", "text": "USER: \n\nASSISTANT: no"}]
    store = stored(tmp_path, docs)
    one, two = units.RenderReport(), units.RenderReport()
    rows_one, bad_one = rendered(store, policy, 1, one)
    rows_two, bad_two = rendered(store, policy, 2, two)

    # every document one conversation: an instruction, or a clarification asking its own question
    assert (one.workers, two.workers) == (1, 2) and two.units == one.units >= units.MIN_PARALLEL_UNITS
    assert len(rows_one) == 22 and [r["id"] for r in rows_two] == [r["id"] for r in rows_one]
    assert [(r["audio"], r["user_voice"], r["turns"]) for r in rows_two] == \
        [(r["audio"], r["user_voice"], r["turns"]) for r in rows_one]
    assert {r["user_gender"] for r in rows_two} == {"female", "male"}
    assert [q.reason for q in bad_two] == [q.reason for q in bad_one] and len(bad_one) == 1
    assert two.figures()["conversation_hours_per_wall_hour"] > 0


@pytest.mark.slow  # starts three pools of workers
def test_a_unit_whose_worker_dies_is_quarantined_and_the_rest_go_on(tmp_path, tone_voices, monkeypatch):
    monkeypatch.setattr(units, "MIN_PARALLEL_UNITS", 3)  # three units, in workers (in process, the exit is ours)
    female, male, assistant = tone_voices
    policy = VoicePolicy(user_voices=(female, male), assistant_voice=assistant, workers=2)
    stage = StageRun(names.INSTRUCTION_DIALOGUES, KEY, "run-1", "test")
    scripts = list(render.instruction_scripts(stage, stored(tmp_path, instruction_documents(12)), KEY))
    pairs = [(s, s.parent_id) for s in scripts]
    report = units.RenderReport()
    rows = list(units.voiced_in_units(stage, pairs, policy, voiced_rows=render.voiced_rows, slot=0,
                                      extra=_explode_on_doc_5, report=report))

    assert [r["parent_id"] for r in rows] == [f"doc-{i}" for i in range(12) if not 4 <= i < 8]
    assert report.failed_units == [scripts[4].id]
    assert sorted(q.file for q in stage.quarantined) == sorted(s.id for s in scripts[4:8])
    assert "worker process died" in stage.quarantined[0].reason


def _explode_on_doc_5(script, voiced) -> dict:
    if script.parent_id == "doc-5":
        os._exit(3)  # as an engine's segfault would: the worker process is gone
    return {}
