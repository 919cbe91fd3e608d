"""README.md and docs/architecture.md name the assets and packages the code has, no more and no fewer,
and quote the limits the code enforces: a newcomer reads the docs first, so a stale table misleads."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from synth_assets.core import limits
from synth_assets.definitions import defs

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()
ARCHITECTURE = (ROOT / "docs" / "architecture.md").read_text()


def section(markdown: str, heading: str) -> str:
    """The text under a ``## heading`` up to the next heading of the same or a higher level."""
    start = markdown.index(f"## {heading}\n")
    level = markdown[start:].index(" ")
    rest = markdown[start + level + len(heading) + 2:]
    end = re.search(rf"^#{{1,{level}}} ", rest, re.M)
    return rest[: end.start()] if end else rest


def first_column_names(markdown: str) -> set[str]:
    """The back-quoted names in the first column of every table row (``| `a`, `b` | ...``)."""
    cells = re.findall(r"^\| ([^|]+) \|", markdown, re.M)
    return {name for cell in cells for name in re.findall(r"`([^`]+)`", cell)}


def graph_names(markdown: str) -> set[str]:
    """The snake_case words of the first drawn graph (a fenced block) that look like asset names."""
    block = re.search(r"```\n(.*?)```", markdown, re.S).group(1)
    return set(re.findall(r"\b[a-z]+(?:_[a-z]+)+\b", block))


ASSETS = {spec.key.to_user_string() for spec in defs.resolve_all_asset_specs()}
PARTITION_SETS = {"crawl_shards", "audio_batches"}
PACKAGES = ({f"synth_assets/{p.parent.name}/" for p in (ROOT / "synth_assets").glob("*/__init__.py")}
            | {"synth_assets/settings.py", "synth_assets/definitions.py", "resources/", "quality/"})


def test_readme_asset_table_names_every_asset_and_nothing_else():
    assert first_column_names(section(README, "The asset graph")) == ASSETS


def test_readme_graph_draws_only_assets_the_code_has_and_every_one():
    drawn = graph_names(section(README, "The asset graph")) - PARTITION_SETS
    assert drawn <= ASSETS, drawn - ASSETS
    assert ASSETS <= drawn, ASSETS - drawn


def test_architecture_asset_table_names_every_asset_and_nothing_else():
    assert first_column_names(section(ARCHITECTURE, "The asset graph")) == ASSETS


def test_architecture_graph_draws_only_assets_the_code_has_and_every_one():
    drawn = graph_names(section(ARCHITECTURE, "The asset graph")) - PARTITION_SETS
    assert drawn == ASSETS


def test_architecture_package_map_names_every_package_and_nothing_else():
    assert first_column_names(section(ARCHITECTURE, "Package map")) == PACKAGES


@pytest.mark.parametrize("quoted, value", [
    (f"at most {limits.MAX_SEGMENT_WORDS} words", "text_segments' word limit"),
    (f"within {limits.LIGHT_RECIPE_WER_GAP * 100:.0f} points", "augmented_valid's bound"),
])
def test_readme_quotes_the_limits_the_code_enforces(quoted, value):
    assert quoted in README, f"README should say '{quoted}' ({value}, synth_assets/core/limits.py)"
