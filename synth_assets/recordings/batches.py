"""Audio batches: the partitions of the audio landing zone.

The landing zone holds collections (top-level folders); inside a collection, recordings lie in any
folders. A folder's files, sorted by name, are cut into groups of at most ``per_partition`` files,
and each group is one partition, keyed ``<collection>/<folder>@part-NNN`` (``calls/2026-05@part-001``;
files lying directly in the collection folder give ``calls@part-001``).

Every key carries the ``@part-NNN`` suffix, even a small folder's only group, for two reasons:
- a stage's parts live under ``<asset>/<key>/``, and writing a partition removes stale parts below
  that prefix; a key that named a bare folder would be a prefix of its subfolders' keys, and
  writing it would delete their parts. A suffixed key is never a folder of another key.
- groups are numbered without their count (unlike crawl slices' ``@part-003-of-080``, cut from
  files that never change): when new recordings arrive in a folder (names that sort last, such as
  dated ones), only the last group changes and new groups are added, and every other key and its
  stored parts stay as they are.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Iterable

from synth_assets.core.limits import AUDIO_FILES_PER_PARTITION
from synth_assets.core.storage import Store

BATCH_KEY = re.compile(r"^(?P<folder>[^/].*)@part-(?P<number>\d+)$")
COLLECTION_OPTIONS = "_collection.json"
KNOWN_OPTIONS = {"license", "description"}
DEFAULT_LICENSE = "unknown"


@dataclass(frozen=True)
class AudioBatch:
    folder: str  # the folder in the audio landing zone: <collection>[/<sub/dirs>]
    index: int  # 0-based group of the folder's sorted files

    @classmethod
    def parse(cls, key: str) -> "AudioBatch":
        match = BATCH_KEY.match(key)
        if not match or int(match["number"]) < 1:
            raise ValueError(f"partition key {key!r} is not <collection>[/<folder>]@part-NNN")
        return cls(match["folder"], int(match["number"]) - 1)

    def __str__(self) -> str:
        return f"{self.folder}@part-{self.index + 1:03d}"

    @property
    def collection(self) -> str:
        return self.folder.split("/", 1)[0]

    @property
    def subfolder(self) -> str:
        """The folder inside its collection ("" for files lying in the collection folder itself)."""
        return self.folder.split("/", 1)[1] if "/" in self.folder else ""


def is_recording(key: str) -> bool:
    """A file that belongs to a batch: inside a collection folder, with no hidden or "_" name on its
    path (temp files of uploads in flight, ``_collection.json``), and no folder that looks like a key."""
    names = key.split("/")
    return (len(names) >= 2 and not any(n.startswith((".", "_")) for n in names)
            and not any("@part-" in n for n in names[:-1]))


def folder_of(key: str) -> str:
    return key.rsplit("/", 1)[0]


def plan_batches(keys: Iterable[str], per_partition: int) -> dict[str, list[str]]:
    """Batch key -> its files, for every recording among ``keys`` (landing-zone keys), in order."""
    folders: dict[str, list[str]] = {}
    for key in keys:
        if is_recording(key):
            folders.setdefault(folder_of(key), []).append(key)
    batches: dict[str, list[str]] = {}
    for folder in sorted(folders):
        files = sorted(folders[folder])
        for index in range(0, len(files), per_partition):
            batches[str(AudioBatch(folder, index // per_partition))] = files[index:index + per_partition]
    return batches


def landing_batches(landing: Store, per_partition: int) -> dict[str, list[str]]:
    return plan_batches(landing.list_keys(), per_partition)


def batch_files(landing: Store, batch: AudioBatch, per_partition: int) -> list[str]:
    """The files of one batch, listing only its own folder."""
    return plan_batches(landing.list_keys(batch.folder), per_partition).get(str(batch), [])


def content_signature(files: list[str]) -> str:
    """What the sensor compares to decide whether a batch needs another run: its file names (cheap
    to list, also on S3). A file replaced under the same name is caught by the stage's fingerprint
    (content hashes) on the next run, not by the sensor."""
    return hashlib.sha256("\n".join(files).encode()).hexdigest()[:16]


def collection_options(landing: Store, collection: str) -> dict:
    """Settings of a collection from ``<collection>/_collection.json`` (all optional):
    ``license`` (default "unknown") and ``description``."""
    key = f"{collection}/{COLLECTION_OPTIONS}"
    if not landing.exists(key):
        return {"license": DEFAULT_LICENSE}
    try:
        options = json.loads(landing.read_bytes(key))
    except ValueError as error:
        raise ValueError(f"{key}: not valid JSON ({error})") from None
    if not isinstance(options, dict) or set(options) - KNOWN_OPTIONS:
        found = sorted(options) if isinstance(options, dict) else type(options).__name__
        raise ValueError(f"{key}: expected an object with keys among {sorted(KNOWN_OPTIONS)}, got {found}")
    return {"license": DEFAULT_LICENSE, **options}


def landing_audio_batches(audio_landing: Store, files_per_partition: int = AUDIO_FILES_PER_PARTITION
                          ) -> dict[str, list[str]]:
    """Audio batch key -> its files, for every recording in the audio landing zone, in order (the callers
    at the edge pass settings.audio_files_per_partition())."""
    return landing_batches(audio_landing, files_per_partition)
