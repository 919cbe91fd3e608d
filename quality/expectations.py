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

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("TQDM_DISABLE", "1")  # GX draws a progress bar per validation otherwise

import great_expectations as gx  # noqa: E402
import great_expectations.expectations as gxe  # noqa: E402


@dataclass(frozen=True)
class Suite:
    """A named set of expectations over one asset's rows; ``build`` makes fresh expectation objects."""

    name: str
    asset: str
    description: str
    build: Callable[[], list]
    blocking: bool = True

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


def validate(suite: Suite, frame: pd.DataFrame) -> AssetCheckResult:
    """Run a suite on a frame and say, per expectation, what failed and a few offending values."""
    if frame.empty:
        return AssetCheckResult(check_name=suite.name, asset_key=AssetKey(suite.asset), passed=True,
                                metadata={"rows": 0, "note": "empty partition: nothing to check"})
    context, batch_definition = _batch_definition()
    expectations = gx.ExpectationSuite(name=suite.name, expectations=suite.build())
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


MAX_CLIP_SECONDS = 30.0
# Round-trip WER above this marks a clip whose audio does not say its text.
WER_THRESHOLD = 0.25

SUITES: dict[str, Suite] = {s.asset: s for s in (
    Suite("documents_valid", "crawl_snapshot", "Documents have text, a license and a unique id.",
          lambda: [*_lineage(), _nonempty_text(), _not_null("license"), _not_null("content_hash")]),
    Suite("snapshot_changes_valid", "snapshot_changes", "Every snapshot has counts, none negative.",
          lambda: [_not_null("source"), _not_null("snapshot"), _between("new", 0), _between("changed", 0),
                   _between("unchanged", 0), _between("removed", 0)]),
    Suite("segments_valid", "text_segments", "Segments are non-empty and TTS-sized (at most 60 words).",
          lambda: [*_lineage(), _nonempty_text(), _between("words", 1, 60), _not_null("parent_id")]),
    Suite("spoken_text_valid", "spoken_text", "Spoken text is non-empty and has almost no digits left.",
          lambda: [*_lineage(), _nonempty_text(), _not_null("parent_id"),
                   gxe.ExpectColumnValuesToNotMatchRegex(column="text", regex=r"\d", mostly=0.9)]),
    Suite("tts_audio_valid", "tts_audio", "Clips are 24 kHz mono, 0.3-30 s long and not silent.",
          lambda: [*_lineage(), gxe.ExpectColumnValuesToBeInSet(column="sample_rate", value_set=[24000]),
                   _between("duration_s", 0.3, MAX_CLIP_SECONDS), _between("rms_dbfs", -45.0, -3.0),
                   _not_null("voice_id")]),
    Suite("round_trip_wer", "pseudo_labels",
          f"Whisper hears what was said: round-trip WER at most {WER_THRESHOLD:.0%} for 80 % of clips.",
          lambda: [*_lineage(), _between("wer", 0.0, WER_THRESHOLD, mostly=0.8),
                   _nonempty_text("transcript")]),
    Suite("augmented_valid", "augmented_clips", "Augmented clips are 24 kHz, finite and record their chain.",
          lambda: [*_lineage(), gxe.ExpectColumnValuesToBeInSet(column="sample_rate", value_set=[24000]),
                   _between("duration_s", 0.3, MAX_CLIP_SECONDS + 1), _nonempty_text("augmentations")]),
    Suite("safety_dialogues_valid", "safety_dialogues", "Conversations are two-channel 24 kHz with 2+ turns.",
          lambda: [*_lineage(), gxe.ExpectColumnValuesToBeInSet(column="channels", value_set=[2]),
                   _between("turn_count", 2, None), _between("duration_s", 0.5, 300.0)]),
    Suite("false_premise_dialogues_valid", "false_premise_dialogues",
          "Conversations are two-channel 24 kHz with 2+ turns.",
          lambda: [*_lineage(), gxe.ExpectColumnValuesToBeInSet(column="channels", value_set=[2]),
                   _between("turn_count", 2, None), _between("duration_s", 0.5, 300.0)]),
    Suite("dataset_valid", "speech_dataset", "Every released sample has audio, text and lineage.",
          lambda: [_unique("id"), _nonempty_text(), _not_null("parent_id"), _not_null("source_document"),
                   _between("duration_s", 0.3, 300.0)]),
)}
