"""What every suite shares: a ``Suite``, the run that turns one into a Dagster check result, the small
expectation builders, and Great Expectations (1.x, called directly), imported when a check first runs.

dagster-ge only supports GX < 1, so suites run here against a pandas frame of a partition's metadata
columns (never the audio bytes), and each suite becomes one asset check: blocking, or a warning.
The suites themselves sit beside their stage: quality/crawl.py, text.py, speech.py, dialogues.py,
recordings.py and release.py, gathered by quality/suites.py.
"""

from __future__ import annotations

import functools
import importlib
import os
from dataclasses import dataclass
from typing import Callable

import pandas as pd
from dagster import AssetCheckResult, AssetCheckSeverity, AssetCheckSpec, AssetKey, MetadataValue


class _OnFirstUse:
    """A module imported when one of its names is first read: Great Expectations takes about half of
    loading the definitions (every run, every UI start), and only a check that runs needs it."""

    def __init__(self, module: str):
        self._module = module

    def __getattr__(self, name: str):
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
        os.environ.setdefault("TQDM_DISABLE", "1")  # GX draws a progress bar per validation otherwise
        return getattr(importlib.import_module(self._module), name)


gx = _OnFirstUse("great_expectations")
gxe = _OnFirstUse("great_expectations.expectations")


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
    # Metadata beside the report, from the prepared frame and the settings: what was judged, as a person reads it.
    explain: Callable[[pd.DataFrame], dict] | None = None
    # The typed row it judges (core/speech_records.py, release/rows.py), where its columns are documented.
    record: type | None = None

    def spec(self, partitioned: bool = True) -> AssetCheckSpec:
        return AssetCheckSpec(name=self.name, asset=AssetKey(self.asset), description=self.description,
                              blocking=self.blocking)


def advisory(name: str, asset: str, description: str, prepare: Callable[[pd.DataFrame], pd.DataFrame],
             judge: Callable[..., list], explain: Callable[..., dict], record: type | None = None) -> Suite:
    """A check that warns rather than blocks: the asset's data is sound, but not what was aimed at. It
    has no fixed expectations: ``prepare`` picks and derives the rows judged, ``judge`` makes the
    expectations from them and the settings, ``explain`` the metadata a person reads beside."""
    return Suite(name, asset, description, lambda: [], blocking=False, prepare=prepare, from_frame=judge,
                 explain=explain, record=record)


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
    explained = suite.explain(frame, **(settings or {})) if suite.explain is not None else {}
    if frame.empty:  # the rows the suite judges (a release's conversations) may be none
        return AssetCheckResult(check_name=suite.name, asset_key=AssetKey(suite.asset), passed=True,
                                metadata={"rows": 0, "note": "nothing to check", **explained})
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
        metadata={"rows": len(frame), "failed_expectations": failed, "report": MetadataValue.md(table), **explained},
    )


def between(column: str, low=None, high=None, mostly: float = 1.0):
    return gxe.ExpectColumnValuesToBeBetween(column=column, min_value=low, max_value=high, mostly=mostly)


def not_null(column: str):
    return gxe.ExpectColumnValuesToNotBeNull(column=column)


def nonempty_text(column: str = "text"):
    return gxe.ExpectColumnValueLengthsToBeBetween(column=column, min_value=1)


def unique(column: str = "id"):
    return gxe.ExpectColumnValuesToBeUnique(column=column)


def lineage():
    return [unique("id"), not_null("stage"), not_null("code_version"), not_null("run_id")]
