"""The speech stages' checks: clips (tts_audio), their round trip through the ASR (pseudo_labels) and
the augmented clips (augmented_clips). The columns they judge are those of the stages' records
(Clip, ClipLabel, AugmentedClip: core/speech_records.py), documented there."""

from __future__ import annotations

import functools
from typing import Callable

import pandas as pd
from dagster import MetadataValue

from quality.base import Suite, between, gxe, lineage, nonempty_text, not_null
from synth_assets.augment.recipes import RECIPES
from synth_assets.core import names
from synth_assets.core.limits import (
    GENDER_MIN_CLIPS,
    GENDER_TOLERANCE,
    LIGHT_RECIPE_WER_GAP,
    LOUD_RMS_DBFS,
    MAX_CLIP_SECONDS,
    MAX_MEDIAN_WER,
    SILENT_RMS_DBFS,
    TARGET_FEMALE_SHARE,
    VOICE_MAX_BAD_AUDIO_SHARE,
    VOICE_MIN_CLIPS,
    VOICE_RATE_FACTOR,
    VOICE_WER_MARGIN,
    WER_THRESHOLD,
)
from synth_assets.core.speech_records import AugmentedClip, Clip, ClipLabel
from synth_assets.tts.gate import load_cards

# Speech: the blocking checks look for breakage (a voice gone silent, racing or unintelligible; an ASR
# that hears nothing), not for hard text. A clip that misses is filtered out by augmented_clips and the
# release (WER_THRESHOLD); its partition goes on. Each fault names its voice, and the report shows it.

@functools.lru_cache(maxsize=1)
def _cards() -> dict:
    return load_cards()


def _faults_by_voice(frame: pd.DataFrame, judge: Callable[[str, pd.DataFrame], str]) -> pd.DataFrame:
    """A ``voice_fault`` column: per row, what is wrong with its voice ('' when nothing is)."""
    if "voice_id" not in frame:
        return frame.assign(voice_fault="")
    faults = {voice: judge(voice, clips) for voice, clips in frame.groupby("voice_id")}
    return frame.assign(voice_fault=frame["voice_id"].map(faults).fillna(""))


def _audio_fault(voice: str, clips: pd.DataFrame) -> str:
    """Silent or overloud clips beyond a few, or a speaking rate far off the voice's card."""
    bad = int(((clips["rms_dbfs"] < SILENT_RMS_DBFS) | (clips["rms_dbfs"] > LOUD_RMS_DBFS)).sum())
    if bad > 1 and bad > VOICE_MAX_BAD_AUDIO_SHARE * len(clips):
        return f"{voice}: {bad} of {len(clips)} clips silent or overloud (RMS outside {SILENT_RMS_DBFS:g} to {LOUD_RMS_DBFS:g} dBFS)"
    card_rate = getattr(_cards().get(voice), "words_per_second", None)
    if card_rate and len(clips) >= VOICE_MIN_CLIPS and "text" in clips:
        rate = float((clips["text"].str.split().str.len() / clips["duration_s"].clip(lower=0.01)).median())
        if not card_rate / VOICE_RATE_FACTOR <= rate <= card_rate * VOICE_RATE_FACTOR:
            return f"{voice}: speaks {rate:.2f} words/s, its card {card_rate:.2f} (allowed a factor of {VOICE_RATE_FACTOR:g})"
    return ""


def _voice_audio(frame: pd.DataFrame) -> pd.DataFrame:
    return _faults_by_voice(_voice_excess(frame), _audio_fault)


def voice_wer_allowed(voice: str) -> float:
    """The median round-trip WER above which a voice is broken: its card's plus VOICE_WER_MARGIN."""
    card_wer = getattr(_cards().get(voice), "median_wer", None) or 0.0
    return card_wer + VOICE_WER_MARGIN


def _wer_fault(voice: str, clips: pd.DataFrame) -> str:
    median = float(clips["wer"].median())
    allowed = voice_wer_allowed(voice)
    if len(clips) >= VOICE_MIN_CLIPS and median > allowed:
        return f"{voice}: median round-trip WER {median:.0%} over {allowed:.0%} (its card plus {VOICE_WER_MARGIN:.0%})"
    return ""


def _voice_wer(frame: pd.DataFrame) -> pd.DataFrame:
    return _faults_by_voice(frame, _wer_fault)


def voice_wer_table(frame: pd.DataFrame, **_) -> dict:
    """Per voice: clips, median WER against what it is allowed, and the share kept by the per-clip filter."""
    lines = ["| voice | clips | median WER | allowed | clips under the clip threshold |", "|---|---|---|---|---|"]
    for voice, clips in frame.groupby("voice_id"):
        lines.append(f"| {voice} | {len(clips)} | {clips['wer'].median():.1%} | {voice_wer_allowed(voice):.0%} | "
                     f"{(clips['wer'] <= WER_THRESHOLD).mean():.0%} |")
    return {"voices": MetadataValue.md("\n".join(lines))}


def _no_fault():
    return gxe.ExpectColumnValuesToBeInSet(column="voice_fault", value_set=[""])


# Gender balance of user / narration voices (assistant turns all use the one assistant voice).


def _user_female(frame: pd.DataFrame) -> pd.DataFrame:
    """1.0 for a female user/narration clip, 0.0 for a male one, NaN (skipped by the mean) for assistant turns."""
    if "voice_gender" not in frame or "role" not in frame:
        return frame
    female = (frame["voice_gender"] == "female").astype(float)
    return frame.assign(user_female=female.where(frame["role"] != "assistant"))


def gender_balance(frame: pd.DataFrame, target_female_share: float = TARGET_FEMALE_SHARE,
                   tolerance: float = GENDER_TOLERANCE, min_clips: int = GENDER_MIN_CLIPS) -> list:
    """The female share of user clips within ``tolerance`` of ``target``, plus one clip's worth.

    The voice policy assigns genders by a rotation over a partition's user clips (not a coin flip
    per clip), so a healthy partition sits within one clip of the target whatever its size; drift
    means clips of one gender were lost (an engine failing, a voice missing). The one-clip
    allowance keeps an odd count from failing, and partitions under ``min_clips`` user clips are
    not judged: there, a single quarantined clip moves the share by more than 5 points.
    """
    if "user_female" not in frame:
        return []
    users = int(frame["user_female"].notna().sum())
    if users < min_clips:
        return []
    slack = tolerance + 1.0 / users
    return [gxe.ExpectColumnMeanToBeBetween(column="user_female", min_value=round(target_female_share - slack, 4),
                                            max_value=round(target_female_share + slack, 4))]


# Spread of user clips over the voices of each gender (the policy takes them in turn).


def _voice_excess(frame: pd.DataFrame) -> pd.DataFrame:
    """Per user clip: how many clips its voice has beyond an even split of its gender's user clips
    (rounded up) among the voices of that gender in the partition; NaN for assistant turns."""
    frame = _user_female(frame)
    if "user_female" not in frame or "voice_id" not in frame:
        return frame
    users = frame[frame["role"] != "assistant"]
    per_voice = users.groupby(["voice_gender", "voice_id"])["voice_id"].transform("size")
    per_gender = users.groupby("voice_gender")["voice_id"].agg(["size", "nunique"])
    fair = {g: -(-row["size"] // row["nunique"]) for g, row in per_gender.iterrows()}
    excess = per_voice - users["voice_gender"].map(fair)
    return frame.assign(user_voice_excess=excess.reindex(frame.index).astype(float))


def voice_spread(frame: pd.DataFrame, min_clips: int = GENDER_MIN_CLIPS) -> list:
    """No user voice takes more than its share of its gender's clips, plus one clip."""
    if "user_voice_excess" not in frame or int(frame["user_voice_excess"].notna().sum()) < min_clips:
        return []
    return [gxe.ExpectColumnMaxToBeBetween(column="user_voice_excess", max_value=1)]


def tts_balance(frame: pd.DataFrame, **settings) -> list:
    return gender_balance(frame, **settings) + voice_spread(frame)


def _light_wer_gap(frame: pd.DataFrame) -> pd.DataFrame:
    """How much worse Whisper hears a light recipe's clip than the clean one (NaN for other recipes:
    the mean skips them). The worst clip is left out, one clip of slack as in the round-trip check:
    on a few short clips one misheard word is 10 points. 0 when nothing is left to judge."""
    if "wer" not in frame:
        return frame.assign(light_wer_gap=0.0)
    gap = frame["wer"] - frame["clean_wer"]
    if gap.notna().sum() > 1:
        gap[gap.idxmax()] = float("nan")
    return frame.assign(light_wer_gap=gap if gap.notna().any() else 0.0)


STAGE_SUITES = (
    Suite("tts_audio_valid", names.TTS_AUDIO, "Clips are 24 kHz mono and 0.3-30 s long; no voice is broken: "
          f"more than one and over {VOICE_MAX_BAD_AUDIO_SHARE:.0%} of its clips silent or overloud, or (from "
          f"{VOICE_MIN_CLIPS} clips) a speaking rate off its card by a factor of {VOICE_RATE_FACTOR:g} (the report "
          "names the voice); the female share "
          f"of user voices is the configured target (TTSVoices.target_female_share, default {TARGET_FEMALE_SHARE:.0%}) "
          f"within {GENDER_TOLERANCE:.0%} (judged from {GENDER_MIN_CLIPS} user clips), and no user voice takes more "
          "than its share of its gender's clips plus one.",
          lambda: [*lineage(), gxe.ExpectColumnValuesToBeInSet(column="sample_rate", value_set=[24000]),
                   between("duration_s", 0.3, MAX_CLIP_SECONDS), not_null("voice_id"), _no_fault()],
          from_frame=tts_balance, prepare=_voice_audio, record=Clip),
    Suite("round_trip_wer", names.PSEUDO_LABELS,
          "Nothing is broken: the partition's median round-trip WER (sound-alike names forgiven, quality/metrics.py) "
          f"is at most {MAX_MEDIAN_WER:.0%}, and no voice's median is over its card's by more than "
          f"{VOICE_WER_MARGIN:.0%} (judged from {VOICE_MIN_CLIPS} clips; the report names the voice). Clips of hard "
          f"text over {WER_THRESHOLD:.0%} are filtered out downstream, not failed here.",
          lambda: [*lineage(), gxe.ExpectColumnMedianToBeBetween(column="wer", min_value=0.0, max_value=MAX_MEDIAN_WER),
                   _no_fault()],
          prepare=_voice_wer, explain=voice_wer_table, record=ClipLabel),
    Suite("augmented_valid", names.AUGMENTED_CLIPS, "Augmented clips are 24 kHz, finite and record their named, "
          "versioned recipe and its steps; light recipes keep the label: their round-trip WER is on average within "
          f"{LIGHT_RECIPE_WER_GAP:.0%} of the clean clip's (less the worst clip).",
          lambda: [*lineage(), gxe.ExpectColumnValuesToBeInSet(column="sample_rate", value_set=[24000]),
                   between("duration_s", 0.3, MAX_CLIP_SECONDS + 1), nonempty_text("augmentations"),
                   gxe.ExpectColumnValuesToBeInSet(column="recipe", value_set=list(RECIPES)),
                   not_null("recipe_version"),
                   gxe.ExpectColumnMeanToBeBetween(column="light_wer_gap", max_value=LIGHT_RECIPE_WER_GAP)],
          prepare=_light_wer_gap, record=AugmentedClip),
)
