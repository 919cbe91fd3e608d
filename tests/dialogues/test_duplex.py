"""The duplex measurement: turn-taking heard in two-channel audio, on stereo signals written here."""

from __future__ import annotations

import numpy as np
import pytest

from synth_assets.dialogues import duplex

RATE = 8_000


def stereo(seconds: float, speech: list[tuple[int, float, float]]) -> np.ndarray:
    """Silence with a tone on ``channel`` over each (channel, start, end)."""
    audio = np.zeros((int(seconds * RATE), 2), np.float32)
    for channel, start, end in speech:
        t = np.arange(int(start * RATE), int(end * RATE))
        audio[t, channel] = 0.1 * np.sin(2 * np.pi * 220 * t / RATE)
    return audio


def test_a_gap_and_an_overlap_between_speakers_give_their_floor_transfer_offsets():
    audio = stereo(8, [(1, 0.5, 2.0), (0, 2.3, 4.0), (1, 3.6, 5.5)])
    stats = duplex.measure_audio(audio, RATE)
    assert stats.ftos == pytest.approx([0.3, -0.4], abs=0.011)
    assert stats.overlap_s == pytest.approx(0.4, abs=0.02)


def test_a_short_word_inside_the_other_speakers_speech_is_a_backchannel_not_a_turn():
    audio = stereo(8, [(0, 0.5, 2.0), (0, 2.6, 4.5), (1, 2.1, 2.5), (1, 4.7, 6.0)])
    stats = duplex.measure_audio(audio, RATE)
    assert stats.backchannels_heard == 1
    assert stats.ftos == pytest.approx([0.2], abs=0.011)


def test_a_pause_shorter_than_the_merge_gap_does_not_end_a_turn():
    audio = stereo(6, [(0, 0.5, 1.5), (0, 1.65, 3.0), (1, 3.1, 4.0)])
    spans = duplex.runs(duplex.speech_frames(audio[:, 0], RATE), 0.01, 0.2)
    assert len(spans) == 1 and spans[0] == pytest.approx((0.5, 3.0), abs=0.011)


def test_speech_outside_every_labelled_word_is_found_and_labelled_speech_is_not():
    audio = stereo(6, [(0, 0.5, 1.5), (1, 2.0, 3.0), (1, 4.0, 4.5)])
    turns = [{"role": "assistant", "start": 0.5, "end": 1.5, "words": [{"word": "hello", "start": 0.5, "end": 1.5}]},
             {"role": "user", "start": 2.0, "end": 3.0, "words": [{"word": "hi", "start": 2.02, "end": 2.98}]}]
    stats = duplex.measure_audio(audio, RATE, turns=turns)
    assert stats.unlabelled_speech_s == pytest.approx(0.5, abs=0.011)


def test_a_labelled_barge_in_is_heard_only_when_both_channels_speak_long_enough():
    def turns(user_start: float) -> list[dict]:
        return [{"role": "assistant", "start": 0.5, "end": 2.0, "interrupted": True, "words": []},
                {"role": "user", "start": user_start, "end": 3.0, "words": []}]

    heard = duplex.measure_audio(stereo(4, [(0, 0.5, 2.0), (1, 1.7, 3.0)]), RATE, turns=turns(1.7))
    missed = duplex.measure_audio(stereo(4, [(0, 0.5, 2.0), (1, 1.95, 3.0)]), RATE, turns=turns(1.95))
    assert (heard.barge_ins_heard, missed.barge_ins_heard) == (1, 0)
    assert missed.barge_ins_labelled == 1


def test_the_judgement_names_each_missed_target():
    stats = [duplex.measure_audio(stereo(30, [(i % 2, 1.0 + 1.5 * i, 2.0 + 1.5 * i) for i in range(18)]), RATE)]
    summary = duplex.summarize(stats * 2)
    misses = duplex.judge(summary)
    assert summary["fto_median_s"] == pytest.approx(0.5, abs=0.011)
    assert any("FTO median" in m for m in misses) and any("overlap" in m for m in misses)


def test_a_mono_recording_is_refused_with_its_shape():
    with pytest.raises(ValueError, match="two channels"):
        duplex.measure_audio(np.zeros(800, np.float32), RATE)
