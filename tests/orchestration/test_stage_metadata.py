"""What a person reads in the UI: the WER histogram (a real PNG inside the Markdown, counts that add
up), and check results that are reused only while the data and the rules are the same."""

import base64
import re
import struct

import pandas as pd

from synth_assets.orchestration.stage import histogram_md

WER_BINS = [0, 0.001, 0.05, 0.1, 0.2, 0.3, 0.5, 10]


def embedded_png(markdown: str) -> bytes:
    match = re.search(r"!\[[^\]]*\]\(data:image/png;base64,([A-Za-z0-9+/=]+)\)", markdown)
    assert match, "no embedded PNG in the metadata"
    return base64.b64decode(match.group(1))


def table_counts(markdown: str) -> list[int]:
    rows = [line for line in markdown.splitlines() if line.startswith("| (")]
    return [int(row.split("|")[2]) for row in rows]


def test_histogram_embeds_a_png_bar_chart():
    png = embedded_png(histogram_md(pd.Series([0.0, 0.0, 0.03, 0.4]), WER_BINS, "WER").value)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])  # IHDR
    assert (width, height) == (400, 176)
    assert len(png) < 20_000  # stays small in the event log


def test_histogram_counts_every_value_once_even_past_the_last_edge():
    values = pd.Series([0.0, 0.0, 0.0, 0.03, 0.07, 0.15, 0.6, 3.0, 42.0])
    counts = table_counts(histogram_md(values, WER_BINS, "WER").value)
    assert counts == [3, 1, 1, 1, 0, 0, 3]
    assert sum(counts) == len(values)


def test_histograms_of_different_data_draw_different_charts():
    low = embedded_png(histogram_md(pd.Series([0.0] * 5), WER_BINS, "WER").value)
    high = embedded_png(histogram_md(pd.Series([0.9] * 5), WER_BINS, "WER").value)
    assert low != high


def test_stored_check_results_are_not_reused_once_the_rules_change(tmp_path, monkeypatch):
    from dagster import AssetCheckResult, AssetKey

    from resources.storage import LocalStorage
    from synth_assets.orchestration import stage

    store = LocalStorage(root=str(tmp_path))
    check = AssetCheckResult(check_name="round_trip_wer", asset_key=AssetKey("pseudo_labels"), passed=False)
    stage.save_summary(store, "pseudo_labels", "src/snap/file", "fp1", {"rows": 7}, [check])
    metadata, checks = stage.load_summary(store, "pseudo_labels", "src/snap/file", "fp1")
    assert metadata == {"rows": 7} and checks[0].passed is False
    assert stage.load_summary(store, "pseudo_labels", "src/snap/file", "fp2") is None  # other data
    monkeypatch.setattr(stage, "SUITES_VERSION", stage.SUITES_VERSION + 1)
    assert stage.load_summary(store, "pseudo_labels", "src/snap/file", "fp1") is None  # other rules
