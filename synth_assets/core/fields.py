"""A setting written once: its default, its description and its bounds on the field of the domain's
settings dataclass (``VoicePolicy``, ``Transcriber``, ``SegmentSettings``...). The Dagster Config and
resources are built from the dataclass (synth_assets/orchestration/config.py), so the UI shows the
same default and description, and no layer repeats them."""

from __future__ import annotations

from dataclasses import field
from typing import Any


def setting(default: Any, description: str = "", **bounds: float) -> Any:
    """A dataclass field holding ``default`` (immutable: a tuple, not a list), with its ``description``
    and pydantic ``bounds`` (ge, le, gt, lt) for the Config that carries it."""
    return field(default=default, metadata={"description": description, **bounds})
