"""Where things live, from the environment, with embedded defaults for one machine."""

from __future__ import annotations

import os
from pathlib import Path

SAMPLE_LANDING = Path(__file__).parent / "sample_landing"


def data_root() -> Path:
    """The local storage root (also holds the lineage store and MLflow's database)."""
    return Path(os.environ.get("SYNTH_DATA_ROOT") or Path.cwd() / "data").resolve()


def landing_root() -> Path:
    return Path(os.environ.get("SYNTH_LANDING") or SAMPLE_LANDING).resolve()


def deployment() -> str:
    """'local' (folders, SQLite, DuckDB: the default) or 's3' (storage root and landing zone in S3)."""
    return os.environ.get("SYNTH_DEPLOYMENT", "local")
