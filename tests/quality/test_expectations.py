"""Speech domain logic without models: packing, the voice policy, text and audio guards, the gender check."""

from __future__ import annotations

import pandas as pd

from quality.base import validate
from quality.suites import SUITES


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


def labels_frame(wers: list[float], voices: list[str] | None = None) -> pd.DataFrame:
    return pd.DataFrame({"id": [f"l{i}" for i in range(len(wers))], "stage": "pseudo_labels", "code_version": "v",
                         "run_id": "r", "wer": wers, "transcript": "heard",
                         "voice_id": voices or ["piper-joe"] * len(wers)})


def test_round_trip_check_passes_hard_text_and_fails_a_median_only_breakage_explains():
    suite = SUITES["pseudo_labels"]
    hard_names = [0.05] * 60 + [0.3] * 40  # 40 % of clips over the clip threshold: filtered, not failed
    assert validate(suite, labels_frame(hard_names)).passed
    silent_asr = [1.0] * 60 + [0.0] * 40
    failed = validate(suite, labels_frame(silent_asr))
    assert not failed.passed and "median" in failed.metadata["report"].value


def test_round_trip_check_names_the_voice_that_broke():
    suite = SUITES["pseudo_labels"]
    voices = ["piper-joe"] * 20 + ["kokoro-kumo-deep"] * 20 + ["hibari-heart"] * 20
    wers = [0.05] * 20 + [0.9] * 20 + [0.1] * 20  # the partition's median is fine; one voice is not
    failed = validate(suite, labels_frame(wers, voices))
    assert not failed.passed
    assert "kokoro-kumo-deep: median round-trip WER 90%" in failed.metadata["report"].value
    assert "piper-joe" not in failed.metadata["report"].value
    few = labels_frame([0.05] * 20 + [1.0] * 4, ["piper-joe"] * 20 + ["flite-slt"] * 4)
    assert validate(suite, few).passed  # four clips are too few to call a voice broken


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


def test_tts_check_fails_a_voice_gone_silent_and_names_it_but_not_one_odd_clip():
    suite = SUITES["tts_audio"]
    frame = tts_frame(25, 25)
    one_odd = frame.assign(rms_dbfs=[-180.0] + [-20.0] * (len(frame) - 1))
    assert validate(suite, one_odd).passed
    voices = frame["voice_id"].tolist()
    frame = frame.assign(voice_id=["piper-joe" if i % 2 else "flite-slt" for i in range(len(voices))])
    silent = frame.assign(rms_dbfs=[-180.0 if v == "piper-joe" and i > 20 else -20.0
                                    for i, v in enumerate(frame["voice_id"])])
    failed = validate(suite, silent)
    assert not failed.passed
    assert "piper-joe: " in failed.metadata["report"].value and "flite-slt" not in failed.metadata["report"].value
