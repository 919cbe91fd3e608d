"""Speech domain logic without models: packing, the voice policy, text and audio guards, the gender check."""

from __future__ import annotations

import numpy as np
import pytest

from synth_assets.asr.packing import Placed, has_doubtful_segment, join_words, looks_misaligned, pack, split_words

RATE = 16_000


def tone(seconds: float) -> np.ndarray:
    return (0.1 * np.sin(np.arange(int(seconds * RATE)) / 10)).astype(np.float32)


def test_pack_keeps_windows_under_the_limit_and_places_clips_with_gaps():
    clips = [(i, tone(5.0)) for i in range(11)]
    windows = list(pack(clips, RATE, max_seconds=28.0, gap_seconds=1.0))
    assert [len(w.clips) for w in windows] == [4, 4, 3]  # 4 x 5 s + 3 gaps = 23 s; a fifth would make 29 s
    assert all(w.seconds <= 28.0 for w in windows)
    first = windows[0]
    assert [(c.start, c.end) for c in first.clips[:2]] == [(0.0, 5.0), (6.0, 11.0)]
    assert first.audio[int(5.5 * RATE)] == 0.0  # the gap is silence
    assert [c.key for w in windows for c in w.clips] == list(range(11))  # order kept


def test_a_clip_longer_than_the_window_gets_a_window_of_its_own():
    windows = list(pack([("a", tone(2)), ("long", tone(40)), ("b", tone(2))], RATE, max_seconds=28.0))
    assert [[c.key for c in w.clips] for w in windows] == [["a"], ["long"], ["b"]]


def test_words_go_back_to_their_clip_with_clip_relative_times():
    window = next(pack([("a", tone(2.0)), ("b", tone(3.0))], RATE, gap_seconds=1.0))
    words = [{"word": "one", "start": 0.1, "end": 0.5, "probability": 0.9},
             {"word": "two", "start": 1.8, "end": 2.3, "probability": 0.9},  # straddles a's end: mostly in a
             {"word": "three", "start": 2.6, "end": 2.7, "probability": 0.9},  # in the gap, nearer b
             {"word": "four", "start": 3.2, "end": 3.9, "probability": 0.9}]
    a, b = split_words(words, window.clips)
    assert join_words(a) == "one two" and join_words(b) == "three four"
    assert a[1]["end"] == 2.0  # clamped to the clip
    assert b[0]["start"] == 0.0 and b[1]["start"] == pytest.approx(0.2) and b[1]["end"] == pytest.approx(0.9)


def test_collapsed_or_unsure_words_mark_a_packed_clip_for_a_second_look():
    good = [{"word": "w", "start": i, "end": i + 0.3, "probability": 0.9} for i in range(6)]
    collapsed = good[:3] + [{"word": "x", "start": 4.0, "end": 4.0, "probability": 0.9}] * 3
    unsure = [{**w, "probability": 0.2} for w in good]
    assert not looks_misaligned(good)
    assert looks_misaligned(collapsed) and looks_misaligned(unsure) and looks_misaligned([])


def test_a_poorly_decoded_segment_marks_only_the_clip_it_falls_in():
    clips = [Placed("a", 0.0, 4.6), Placed("b", 5.6, 10.2), Placed("c", 11.2, 15.9)]
    word = {"word": "x", "start": 0.0, "end": 0.1, "probability": 0.9}
    segments = [
        {"start": 0.0, "end": 4.4, "avg_logprob": -0.13, "words": [word]},
        {"start": 5.9, "end": 9.8, "avg_logprob": -0.2, "words": [word]},
        {"start": 11.3, "end": 15.4, "avg_logprob": -0.1, "words": [word]},
        # What Whisper tends to add after the last clip of a window: a low-probability "Thank you."
        {"start": 15.4, "end": 15.9, "avg_logprob": -1.31, "words": [word, word]},
        {"start": 16.0, "end": 16.0, "avg_logprob": -3.0, "words": []},  # no words: nothing to doubt
    ]
    assert has_doubtful_segment(segments, clips) == [False, False, True]


