"""Clips a partition's stored parts already hold, so a recompute copies them instead of voicing them again.

A clip is reused when its id (which covers the parent spoken-text row, voice, model hash, speed,
seed and prosody variation), the exact text the voice was given, and the code version all match.
The text is compared as well as the id because a spoken-text row keeps its id when only the rewrite
changed its words.

The previous parts must stay readable while the new ones replace them (``parts.write_parts``
deletes them once it publishes the new generation): every previous part is opened before the first
new row exists, and an open file keeps its bytes after its name is deleted (on S3, ``local_copy``
downloads each part to a temp file first). Audio is read one stored part at a time, as rows ask
for it, so memory stays bounded.
"""

from __future__ import annotations

import contextlib

import pyarrow as pa
import pyarrow.parquet as pq

from synth_assets.core import parts
from synth_assets.core.storage import Store
from synth_assets.tts.clips import ClipAudio

INDEX_COLUMNS = ["id", "text", "code_version"]
AUDIO_COLUMNS = ["audio", "duration_s", "rms_dbfs"]


class PreviousClips(contextlib.AbstractContextManager):
    """``with PreviousClips(store, "tts_audio", partition, code_version) as previous:`` then
    ``previous.find(clip_id, text)`` gives the stored clip, or None."""

    def __init__(self, store: Store, asset: str, partition: str | None, code_version: str):
        self._open = contextlib.ExitStack()
        self._files: list[pq.ParquetFile] = []
        self._where: dict[str, tuple[int, int, int]] = {}  # id -> (part, row, hash of the text)
        self._cached: tuple[int, pa.Table] | None = None
        try:
            for key in parts.part_keys(store, asset, partition):
                path = self._open.enter_context(store.local_copy(key))
                handle = self._open.enter_context(pa.OSFile(str(path)))  # holds the old bytes once replaced
                stored = pq.ParquetFile(handle)
                if not set(INDEX_COLUMNS + AUDIO_COLUMNS) <= set(stored.schema_arrow.names):
                    continue
                index = stored.read(columns=INDEX_COLUMNS).to_pydict()
                number = len(self._files)
                self._files.append(stored)
                for row, (clip_id, text, version) in enumerate(zip(index["id"], index["text"], index["code_version"])):
                    if version == code_version:
                        self._where[clip_id] = (number, row, hash(text))
        except BaseException:
            self._open.close()
            raise

    def __len__(self) -> int:
        return len(self._where)

    def has(self, clip_id: str, text: str) -> bool:
        where = self._where.get(clip_id)
        return where is not None and where[2] == hash(text)

    def find(self, clip_id: str, text: str) -> ClipAudio | None:
        if not self.has(clip_id, text):
            return None
        number, row, _ = self._where[clip_id]
        if self._cached is None or self._cached[0] != number:
            self._cached = None  # let the previous part go before reading the next
            self._cached = (number, self._files[number].read(columns=AUDIO_COLUMNS))
        table = self._cached[1]
        return ClipAudio(table["audio"][row].as_py(), table["duration_s"][row].as_py(), table["rms_dbfs"][row].as_py())

    def __exit__(self, *exc) -> None:
        self._cached = None
        self._files.clear()
        self._open.close()
