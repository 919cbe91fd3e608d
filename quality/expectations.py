"""Expectation suites (Great Expectations 1.x, called directly) and the Dagster check results they give.

dagster-ge only supports GX < 1, so suites run here against a pandas frame of a partition's metadata
columns (never the audio bytes), and each suite becomes one blocking asset check.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from typing import Callable

import pandas as pd
from dagster import AssetCheckResult, AssetCheckSeverity, AssetCheckSpec, AssetKey, MetadataValue

from synth_assets.core.limits import (
    GENDER_MIN_CLIPS,
    GENDER_TOLERANCE,
    MAX_CLIP_SECONDS,
    RECORDING_MIN_CONFIDENCE,
    ROUND_TRIP_SHARE,
    TARGET_FEMALE_SHARE,
    WER_THRESHOLD,
)

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("TQDM_DISABLE", "1")  # GX draws a progress bar per validation otherwise

import great_expectations as gx  # noqa: E402
import great_expectations.expectations as gxe  # noqa: E402

from synth_assets.core import names


@dataclass(frozen=True)
class Suite:
    """A named set of expectations over one asset's rows; ``build`` makes fresh expectation objects."""

    name: str
    asset: str
    description: str
    build: Callable[[], list]
    blocking: bool = True
    # Expectations that depend on the partition itself (how many rows it has), and the derived
    # columns they read: added to the frame before validation, never stored.
    from_frame: Callable[[pd.DataFrame], list] | None = None
    prepare: Callable[[pd.DataFrame], pd.DataFrame] | None = None

    def spec(self, partitioned: bool = True) -> AssetCheckSpec:
        return AssetCheckSpec(name=self.name, asset=AssetKey(self.asset), description=self.description,
                              blocking=self.blocking)


@functools.lru_cache(maxsize=1)
def _batch_definition():
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    asset = context.data_sources.add_pandas("synth_assets").add_dataframe_asset("partition")
    return context, asset.add_batch_definition_whole_dataframe("whole")


def validate(suite: Suite, frame: pd.DataFrame, settings: dict | None = None) -> AssetCheckResult:
    """Run a suite on a frame and say, per expectation, what failed and a few offending values.
    ``settings``: configured values the suite's partition-dependent expectations judge against."""
    if frame.empty:
        return AssetCheckResult(check_name=suite.name, asset_key=AssetKey(suite.asset), passed=True,
                                metadata={"rows": 0, "note": "empty partition: nothing to check"})
    context, batch_definition = _batch_definition()
    if suite.prepare is not None:
        frame = suite.prepare(frame)
    built = suite.build() + (suite.from_frame(frame, **(settings or {})) if suite.from_frame is not None else [])
    expectations = gx.ExpectationSuite(name=suite.name, expectations=built)
    result = batch_definition.get_batch(batch_parameters={"dataframe": frame}).validate(expectations)
    lines, failed = [], 0
    for item in result.results:
        config = item.expectation_config
        column = config.kwargs.get("column", "")
        detail = item.result or {}
        status = "ok" if item.success else "FAILED"
        failed += not item.success
        unexpected = detail.get("unexpected_percent")
        sample = detail.get("partial_unexpected_list") or []
        if not sample and detail.get("observed_value") is not None:
            observed = detail["observed_value"]
            sample = [f"observed {observed:.3f}" if isinstance(observed, float) else f"observed {observed}"]
        lines.append(f"| {config.type} | {column} | {status} | "
                     f"{'' if unexpected is None else f'{unexpected:.1f} %'} | {str(sample[:3])[:80]} |")
    table = "| expectation | column | result | unexpected | examples |\n|---|---|---|---|---|\n" + "\n".join(lines)
    return AssetCheckResult(
        check_name=suite.name, asset_key=AssetKey(suite.asset), passed=bool(result.success),
        severity=AssetCheckSeverity.ERROR if suite.blocking else AssetCheckSeverity.WARN,
        metadata={"rows": len(frame), "failed_expectations": failed, "report": MetadataValue.md(table)},
    )


def _between(column: str, low=None, high=None, mostly: float = 1.0):
    return gxe.ExpectColumnValuesToBeBetween(column=column, min_value=low, max_value=high, mostly=mostly)


def _not_null(column: str):
    return gxe.ExpectColumnValuesToNotBeNull(column=column)


def _nonempty_text(column: str = "text"):
    return gxe.ExpectColumnValueLengthsToBeBetween(column=column, min_value=1)


def _unique(column: str = "id"):
    return gxe.ExpectColumnValuesToBeUnique(column=column)


def _lineage():
    return [_unique("id"), _not_null("stage"), _not_null("code_version"), _not_null("run_id")]


# Bump when an expectation changes without its suite's description changing: stored check results
# of unchanged partitions are reused only while this and the description match.
SUITES_VERSION = 3


def round_trip_share(frame: pd.DataFrame, **_) -> list:
    """The WER expectation with one clip of slack: on a 7-clip partition a single clip is 14 points,
    and one poorly heard clip is noise, not a broken voice or model (which fails most clips)."""
    return [_between("wer", 0.0, WER_THRESHOLD, mostly=max(0.0, ROUND_TRIP_SHARE - 1 / len(frame)))]

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


SUITES: dict[str, Suite] = {s.asset: s for s in (
    Suite("documents_valid", names.CRAWL_SNAPSHOT, "Documents have text, a license and a unique id.",
          lambda: [*_lineage(), _nonempty_text(), _not_null("license"), _not_null("content_hash")]),
    Suite("snapshot_changes_valid", names.SNAPSHOT_CHANGES, "Every snapshot has counts, none negative.",
          lambda: [_not_null("source"), _not_null("snapshot"), _between("new", 0), _between("changed", 0),
                   _between("unchanged", 0), _between("removed", 0)]),
    Suite("segments_valid", names.TEXT_SEGMENTS, "Segments are non-empty and TTS-sized (at most 60 words).",
          lambda: [*_lineage(), _nonempty_text(), _between("words", 1, 60), _not_null("parent_id")]),
    Suite("spoken_text_valid", names.SPOKEN_TEXT, "Spoken text is non-empty and has almost no digits left.",
          lambda: [*_lineage(), _nonempty_text(), _not_null("parent_id"),
                   gxe.ExpectColumnValuesToNotMatchRegex(column="text", regex=r"\d", mostly=0.9)]),
    Suite("tts_audio_valid", names.TTS_AUDIO, "Clips are 24 kHz mono, 0.3-30 s long and not silent; the female share "
          f"of user voices is the configured target (TTSVoices.target_female_share, default {TARGET_FEMALE_SHARE:.0%}) "
          f"within {GENDER_TOLERANCE:.0%} (judged from {GENDER_MIN_CLIPS} user clips), and no user voice takes more "
          "than its share of its gender's clips plus one.",
          lambda: [*_lineage(), gxe.ExpectColumnValuesToBeInSet(column="sample_rate", value_set=[24000]),
                   _between("duration_s", 0.3, MAX_CLIP_SECONDS), _between("rms_dbfs", -45.0, -3.0),
                   _not_null("voice_id")],
          from_frame=tts_balance, prepare=_voice_excess),
    Suite("round_trip_wer", names.PSEUDO_LABELS,
          f"Whisper hears what was said: round-trip WER at most {WER_THRESHOLD:.0%} for "
          f"{ROUND_TRIP_SHARE:.0%} of clips (less one clip's worth, so one clip cannot fail a small partition).",
          lambda: [*_lineage(), _nonempty_text("transcript")], from_frame=round_trip_share),
    Suite("augmented_valid", names.AUGMENTED_CLIPS, "Augmented clips are 24 kHz, finite and record their chain.",
          lambda: [*_lineage(), gxe.ExpectColumnValuesToBeInSet(column="sample_rate", value_set=[24000]),
                   _between("duration_s", 0.3, MAX_CLIP_SECONDS + 1), _nonempty_text("augmentations")]),
    Suite("safety_dialogues_valid", names.SAFETY_DIALOGUES, "Conversations are two-channel 24 kHz with 2+ turns.",
          lambda: [*_lineage(), gxe.ExpectColumnValuesToBeInSet(column="channels", value_set=[2]),
                   _between("turn_count", 2, None), _between("duration_s", 0.5, 300.0)]),
    Suite("false_premise_dialogues_valid", names.FALSE_PREMISE_DIALOGUES,
          "Conversations are two-channel 24 kHz with 2+ turns.",
          lambda: [*_lineage(), gxe.ExpectColumnValuesToBeInSet(column="channels", value_set=[2]),
                   _between("turn_count", 2, None), _between("duration_s", 0.5, 300.0)]),
    Suite("recorded_speech_valid", names.RECORDED_SPEECH,
          "Utterances of real recordings are 24 kHz, 0.3-30 s long, lie inside their file, come from a mono, "
          "left or right channel, and name the file (and its content hash) they were cut from.",
          lambda: [*_lineage(), gxe.ExpectColumnValuesToBeInSet(column="sample_rate", value_set=[24000]),
                   _between("duration_s", 0.3, MAX_CLIP_SECONDS), _between("start_s", 0.0),
                   gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A="end_s", column_B="start_s"),
                   gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A="file_duration_s", column_B="end_s",
                                                               or_equal=True),
                   gxe.ExpectColumnValuesToBeInSet(column="channel_name", value_set=["mono", "left", "right"]),
                   _between("source_rate", 8000, 192000), _not_null("file"), _not_null("file_sha256")]),
    Suite("recording_labels_valid", names.RECORDING_LABELS,
          "Every transcribed utterance has text and word timestamps; confidence (mean word probability) lies in "
          f"[0, 1] and is at least {RECORDING_MIN_CONFIDENCE} for half of a partition's utterances (else the audio "
          "is probably not English speech Whisper can hear).",
          lambda: [*_lineage(), _nonempty_text("transcript"), _between("word_count", 1),
                   _between("confidence", 0.0, 1.0),
                   _between("confidence", RECORDING_MIN_CONFIDENCE, 1.0, mostly=0.5), _not_null("parent_id")]),
    Suite("dataset_valid", names.SPEECH_DATASET, "Every released sample has audio, text and lineage.",
          lambda: [_unique("id"), _nonempty_text(), _not_null("parent_id"), _not_null("source_document"),
                   _between("duration_s", 0.3, 300.0)]),
)}
