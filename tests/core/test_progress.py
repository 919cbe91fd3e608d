"""A running step's progress file: what it says, how often it is rewritten, what a reader makes of it,
and the quarantine summed up per stage."""

from __future__ import annotations

from synth_assets.core.progress import (
    DONE,
    REUSED,
    ProgressFile,
    StepProgress,
    counted,
    quarantine_summary,
    read_steps,
    reason_kind,
)
from synth_assets.core.records import Quarantined
from synth_assets.core.stage_run import StageRun


class Clock:
    def __init__(self, now: float = 1000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_a_step_reports_items_done_out_of_its_total_and_the_audio_seconds_of_its_rows(tmp_path):
    progress = ProgressFile(tmp_path, "tts_audio", "wiki/2026-11-01/0", "run-1", total=3, every_s=0)
    rows = list(counted(({"id": i, "duration_s": 1.5} for i in range(3)), progress))
    (step,) = read_steps(tmp_path)
    assert len(rows) == 3
    assert (step.asset, step.partition, step.done, step.total, step.audio_s) == ("tts_audio", "wiki/2026-11-01/0",
                                                                                  3, 3, 4.5)


def test_the_file_is_rewritten_at_most_every_few_seconds_but_always_at_the_end(tmp_path):
    clock = Clock()
    progress = ProgressFile(tmp_path, "pseudo_labels", "p", "run-1", total=10, every_s=2.0, clock=clock)
    progress.advance()
    clock.now += 1.0
    progress.advance()
    assert progress.step.first_at == 1000.0  # the first item's time, for an ETA without the warm-up
    assert read_steps(tmp_path)[0].done == 0  # the start was written; the two items not yet
    clock.now += 1.5
    progress.advance()
    assert read_steps(tmp_path)[0].done == 3
    progress.advance()
    progress.finish()
    (step,) = read_steps(tmp_path)
    assert step.done == 4 and step.state == DONE


def test_without_a_progress_folder_nothing_is_written_and_the_rows_pass_through(tmp_path):
    progress = ProgressFile(None, "tts_audio", "p")
    assert [row["id"] for row in counted([{"id": 1}, {"id": 2}], progress)] == [1, 2]
    progress.finish(REUSED)
    assert progress.path is None and not any(tmp_path.iterdir())


def test_a_quarantined_record_counts_as_an_item_done_under_its_reason_kind(tmp_path):
    stage = StageRun("text_segments", "p", "run-1", "1", progress=ProgressFile(tmp_path, "text_segments", "p",
                                                                                 every_s=0))
    stage.expect(3)
    for reason in ("fragment of 2 words, under 4", "fragment of 1 words, under 4", "heading 'See also'"):
        stage.quarantine(Quarantined(stage="text_segments", file="dump.xml", position="1", reason=reason))
    (step,) = read_steps(tmp_path)
    assert step.done == 3 and step.total == 3 and step.quarantined == {"fragment": 2, "heading": 1}
    assert len(stage.quarantined) == 3


def test_reason_kinds_are_the_first_word_of_the_reason():
    assert reason_kind("fragment of 2 words, under 4") == "fragment"
    assert reason_kind("BadAudio: not a FLAC file") == "BadAudio"
    assert reason_kind("round-trip WER 0.8 over 0.5") == "round-trip"
    assert reason_kind("") == "other"
    assert reason_kind("doc-c3d15af0f4a6b1da2609: instruction too long to say: 73 words") == "instruction"


def test_the_quarantine_is_summed_per_stage_by_kind_most_first_with_where_to_look():
    steps = [StepProgress("text_segments", "a", quarantined={"heading": 9, "fragment": 5},
                          quarantine_path="data/quarantine/text_segments"),
             StepProgress("text_segments", "b", quarantined={"heading": 5, "fragment": 4, "duplicate": 4}),
             StepProgress("tts_audio", "a", quarantined={}),
             StepProgress("augmented_clips", "a", quarantined={"round-trip": 1},
                          quarantine_path="data/quarantine/augmented_clips")]
    assert quarantine_summary(steps) == [
        "augmented_clips: 1 record quarantined: round-trip 1, see data/quarantine/augmented_clips",
        "text_segments: 27 records quarantined: heading 14, fragment 9, duplicate 4, "
        "see data/quarantine/text_segments",
    ]


def test_a_reader_skips_files_that_are_not_progress(tmp_path):
    ProgressFile(tmp_path, "tts_audio", "p", every_s=0)
    (tmp_path / "broken.json").write_text("{not json")
    assert [step.asset for step in read_steps(tmp_path)] == ["tts_audio"]
    assert read_steps(tmp_path / "missing") == []
