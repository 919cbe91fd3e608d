"""What a long command shows while its steps run: plain lines when the output is not a terminal (a log,
a pipe, --json), with the items done out of the total, the audio made and an ETA; never silent for long
while a step runs; and the quarantine summed up at the end."""

from __future__ import annotations

import io
from pathlib import Path

from synth_assets.cli.progress import PlainLines, RichBoard, board_for, describe, watching
from synth_assets.core.progress import DONE, REUSED, RUNNING, ProgressFile, StepProgress, counted
from synth_assets.settings import progress_dir

PART = "wikipedia/2026-11-01/0"


def step(done: int, *, total: int | None = 400, audio_s: float = 0.0, state: str = RUNNING, started: float = 0.0,
         updated: float = 0.0, asset: str = "tts_audio", partition: str = PART) -> StepProgress:
    return StepProgress(asset, partition, "run-1", done=done, total=total, audio_s=audio_s, state=state,
                        started=started, updated=updated)


def lines_of(board_steps: list[tuple[float, list[StepProgress]]], **options) -> list[str]:
    said: list[str] = []
    board = PlainLines(said.append, **options)
    for now, steps in board_steps:
        board.update(steps, now)
    return said


def test_a_running_step_reads_as_done_out_of_total_with_its_audio_and_an_eta():
    # 100 of 400 in 60 s: the other 300 take 180 s at that rate.
    assert describe(step(100, audio_s=312.4), now=60.0) == (
        f"{PART} tts_audio: 100/400, 312 s audio, 1m00s so far, ETA 3m00s")


def test_the_eta_leaves_out_the_time_before_the_first_item_a_model_loading():
    # 45 s to load Whisper and label the first clip, then 10 more clips in 10 s: 389 left take 389 s.
    loaded = StepProgress("pseudo_labels", PART, done=11, total=400, started=0.0, first_at=45.0)
    assert describe(loaded, now=55.0).endswith("55s so far, ETA 6m29s")
    first = StepProgress("pseudo_labels", PART, done=1, total=400, started=0.0, first_at=45.0)
    assert describe(first, now=50.0).endswith("50s so far")  # one item: no rate yet


def test_a_step_without_a_known_total_shows_its_count_and_no_eta():
    assert describe(step(12, total=None), now=5.0) == f"{PART} tts_audio: 12, 5s so far"


def test_finished_and_reused_steps_read_as_such():
    assert describe(step(400, audio_s=900, state=DONE, updated=125.0), now=200.0) == (
        f"{PART} tts_audio: done, 400/400 items, 900 s audio in 2m05s")
    assert describe(step(0, state=REUSED), now=1.0) == f"{PART} tts_audio: unchanged, stored parts reused"


def test_plain_lines_say_a_step_at_its_start_then_at_most_every_few_seconds_then_at_its_end():
    said = lines_of([(0.0, [step(0)]), (1.0, [step(10)]), (2.0, [step(20)]), (5.0, [step(50)]),
                     (6.0, [step(400, state=DONE, updated=6.0)])], every_s=5.0)
    assert said == [f"[progress] {PART} tts_audio: 0/400, 0s so far",
                    f"[progress] {PART} tts_audio: 50/400, 5s so far, ETA 35s",
                    f"[progress] {PART} tts_audio: done, 400/400 items in 6s"]


def test_a_step_that_makes_no_visible_progress_is_still_mentioned_before_half_a_minute_passes():
    # A step between items for a minute (a model loading): a line at 25 s and 50 s, not silence.
    timeline = [(float(t), [step(3)]) for t in range(0, 61)]
    said = lines_of(timeline, every_s=5.0, quiet_s=25.0)
    assert said == [f"[progress] {PART} tts_audio: 3/400, 0s so far",
                    f"[progress] {PART} tts_audio: 3/400, 25s so far, ETA 55m08s",
                    f"[progress] {PART} tts_audio: 3/400, 50s so far, ETA 1h50m"]


def test_steps_reused_unchanged_take_no_line_each():
    assert lines_of([(0.0, [step(0, state=REUSED, asset=f"stage_{i}") for i in range(12)])]) == []


def test_progress_is_plain_lines_when_the_output_is_not_a_terminal_or_json_is_asked():
    assert isinstance(board_for(io.StringIO(), plain=False), PlainLines)  # a StringIO is no terminal
    assert isinstance(board_for(io.StringIO(), plain=True), PlainLines)


def test_the_rich_board_draws_a_bar_per_running_step_and_removes_it_when_done():
    out = io.StringIO()
    board = RichBoard(out)
    board.update([step(100, audio_s=50.0, started=0.0)], now=60.0)
    assert [task.description for task in board.progress.tasks] == ["finished steps", f"{PART} tts_audio"]
    assert board.progress.tasks[1].completed == 100 and board.progress.tasks[1].fields["eta"] == "ETA 3m00s"
    board.close([step(400, state=DONE, audio_s=200.0, updated=70.0)], now=70.0)
    assert [task.description for task in board.progress.tasks] == ["finished steps"]
    assert board.progress.tasks[0].completed == 1


def test_watching_hands_the_steps_a_progress_folder_and_ends_with_the_quarantine_summary(tmp_path):
    out = io.StringIO()
    with watching(tmp_path, plain=True, stream=out, poll_s=60) as folder:
        assert folder.is_dir() and folder.parent.parent == tmp_path
        progress = ProgressFile(folder, "text_segments", PART, "run-1", every_s=0,
                                quarantine_path="data/quarantine/text_segments")
        list(counted([{"id": 1}, {"id": 2}], progress))
        progress.quarantine("fragment of 2 words, under 4")
        progress.finish()
    said = out.getvalue().splitlines()
    assert said[0].startswith(f"[progress] {PART} text_segments: done, 3 items, 1 quarantined in ")
    assert said[1:] == ["[progress] 1 steps: 1 done, 0 unchanged, 0 failed",
                        "text_segments: 1 record quarantined: fragment 1, see data/quarantine/text_segments"]
    assert progress_dir() is None and not folder.exists()  # the command wrote no environment variable


def test_a_command_without_dagster_runs_watches_a_temporary_folder():
    with watching(None, plain=True, stream=io.StringIO(), poll_s=60) as folder:
        assert folder.is_dir() and progress_dir() is None
    assert not folder.exists()


def test_dagster_shows_only_errors_on_the_console_unless_verbose_is_asked(monkeypatch):
    from synth_assets.drivers.instance import quiet
    from synth_assets.orchestration.execution import PROGRESS_TAG, run_tags
    from synth_assets.settings import Overrides

    monkeypatch.delenv("SYNTH_VERBOSE", raising=False)
    assert quiet(Overrides())["loggers"]["console"]["config"]["log_level"] == "ERROR"
    assert quiet(Overrides(verbose=True))["loggers"]["console"]["config"]["log_level"] == "WARNING"  # --verbose
    monkeypatch.setenv("SYNTH_VERBOSE", "1")
    assert quiet(Overrides())["loggers"]["console"]["config"]["log_level"] == "WARNING"
    chosen = Overrides.paths(progress="progress-folder")
    assert run_tags(chosen)[PROGRESS_TAG] == str(Path("progress-folder").resolve())  # how the steps find it
    assert PROGRESS_TAG not in run_tags(Overrides())