"""Where things live, from the environment, with embedded defaults for one machine."""

from __future__ import annotations

import os
from pathlib import Path

SAMPLE_LANDING = Path(__file__).parent / "sample_landing"
SAMPLE_RECORDINGS = Path(__file__).parent / "sample_recordings"


def data_root() -> Path:
    """The local storage root (also holds the lineage store and MLflow's database)."""
    return Path(os.environ.get("SYNTH_DATA_ROOT") or Path.cwd() / "data").resolve()


def landing_root() -> Path:
    return Path(os.environ.get("SYNTH_LANDING") or SAMPLE_LANDING).resolve()


def audio_landing_root() -> Path:
    """The audio landing zone (folders of real recordings: <collection>/<any/sub/dirs>/<file>);
    the bundled sample recording unless SYNTH_AUDIO_LANDING names another folder."""
    return Path(os.environ.get("SYNTH_AUDIO_LANDING") or SAMPLE_RECORDINGS).resolve()


def audio_files_per_partition() -> int:
    """A folder of recordings with more files than this (SYNTH_AUDIO_FILES_PER_PARTITION, default 50)
    is split into several partitions, so a retry costs one group of files."""
    return max(1, int(os.environ.get("SYNTH_AUDIO_FILES_PER_PARTITION", "50")))


def deployment() -> str:
    """'local' (folders, SQLite, DuckDB: the default) or 's3' (storage root and landing zone in S3)."""
    return os.environ.get("SYNTH_DEPLOYMENT", "local")
