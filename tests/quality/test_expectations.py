"""Speech domain logic without models: packing, the voice policy, text and audio guards, the gender check."""

from __future__ import annotations

import pandas as pd

from quality.expectations import SUITES, validate


def tts_frame(female: int, male: int, assistants: int = 5) -> pd.DataFrame:
    rows = ([("user", "female")] * female + [("narration", "male")] * male
            + [("assistant", "female")] * assistants)
    return pd.DataFrame({
        "id": [f"c{i}" for i in range(len(rows))], "stage": "tts_audio", "code_version": "v", "run_id": "r",
        "sample_rate": 24000, "duration_s": 3.0, "rms_dbfs": -20.0, "voice_id": "v",
        "role": [r for r, _ in rows], "voice_gender": [g for _, g in rows]})


def test_gender_balance_check_fails_beyond_five_points_once_there_are_enough_clips():
    suite = SUITES["tts_audio"]
    assert validate(suite, tts_frame(25, 25)).passed
    assert validate(suite, tts_frame(26, 24)).passed  # 52 %: within 5 points (+ one clip)
    failed = validate(suite, tts_frame(32, 18))  # 64 %
    assert not failed.passed and "user_female" in failed.metadata["report"].value
    assert validate(suite, tts_frame(7, 3)).passed  # 10 user clips: too few to judge


def labels_frame(good: int, bad: int) -> pd.DataFrame:
    wers = [0.0] * good + [0.6] * bad
    return pd.DataFrame({"id": [f"l{i}" for i in range(len(wers))], "stage": "pseudo_labels", "code_version": "v",
                         "run_id": "r", "wer": wers, "transcript": "heard"})


def test_round_trip_check_allows_one_clip_of_slack_and_no_more():
    suite = SUITES["pseudo_labels"]
    assert validate(suite, labels_frame(5, 2)).passed  # 71 % of 7: one clip short of 80 %
    assert not validate(suite, labels_frame(4, 3)).passed  # 57 %: more than one clip short
    assert validate(suite, labels_frame(80, 20)).passed
    assert not validate(suite, labels_frame(75, 25)).passed  # 75 % of 100 is under 79 %


def test_gender_balance_is_judged_against_the_configured_share():
    suite = SUITES["tts_audio"]
    thirty_percent = tts_frame(15, 35)
    assert not validate(suite, thirty_percent).passed  # the default target is 50 %
    assert validate(suite, thirty_percent, {"target_female_share": 0.3}).passed
    assert not validate(suite, tts_frame(25, 25), {"target_female_share": 0.3}).passed


def spoken_frame(clean: int, unspeakable: list[str]) -> pd.DataFrame:
    texts = ["A plain sentence anyone can say."] * clean + unspeakable
    return pd.DataFrame({"id": [f"s{i}" for i in range(len(texts))], "stage": "spoken_text", "code_version": "v",
                         "run_id": "r", "parent_id": "p", "text": texts})


def test_spoken_text_check_fails_beyond_half_a_percent_of_unspeakable_rows_and_shows_them():
    suite = SUITES["spoken_text"]
    assert validate(suite, spoken_frame(1000, ["This period [the nineties] was calm."] * 5)).passed  # 0.5 %
    failed = validate(suite, spoken_frame(1000, ["This period [the nineties] was calm.",
                                                 "From the Greek ἀναρχία.", "In 1998 it rose.",
                                                 "See <b>this</b> now.", "A {b} c d.", "A | b c d."]))
    assert not failed.passed
    report = failed.metadata["report"].value
    assert "unspeakable" in report and "'['" in report  # an example of what is left


def segments_frame(whole: int, cut: list[str]) -> pd.DataFrame:
    texts = ["A whole sentence, with its end."] * whole + cut
    return pd.DataFrame({"id": [f"g{i}" for i in range(len(texts))], "stage": "text_segments", "code_version": "v",
                         "run_id": "r", "parent_id": "p", "text": texts, "words": 6})


def test_segments_check_fails_beyond_one_percent_of_segments_cut_mid_sentence_and_shows_them():
    suite = SUITES["text_segments"]
    assert validate(suite, segments_frame(99, ["such as William Godwin and Wilhelm Weitling,"])).passed
    failed = validate(suite, segments_frame(98, ["but they did not use the word anarchist.",
                                                 "The list goes on with such as William Godwin,"]))
    assert not failed.passed and "but they did" in failed.metadata["report"].value
