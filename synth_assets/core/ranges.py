"""Ranged reads: a file in a store read by byte ranges, never downloaded whole.

A ``RangedSource`` is one object (a local file or an S3 object) with its size and version (the S3
ETag). ``open()`` gives a seekable binary file that fetches the bytes it is asked for in blocks of
``block`` bytes (an HTTP range request per block on S3). The source keeps its last few blocks for
all the files opened on it, and counts what it fetched in ``bytes_fetched``. On S3 every request carries ``If-Match: <ETag>``: an object
replaced while its slices are being read fails the read with ``ObjectChanged`` instead of mixing
two versions.
"""

from __future__ import annotations

import io
import os
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path, PurePosixPath

BLOCK = 1 << 16  # bytes per fetch, unless fit_block sizes it to what is read
MIN_BLOCK, MAX_BLOCK = 1 << 12, 8 << 20
BLOCKS_PER_SPAN = 40  # a slice reads about 3 blocks beyond its range (head, both ends): 40 keep that under 10 %
KEEP_BLOCKS = 64  # recent blocks kept per source: the head, boundary scans and the body share them


class ObjectChanged(RuntimeError):
    """The object was replaced while it was being read (its ETag no longer matches). Not an OSError:
    the readers turn OSErrors into quarantined records, and this must fail the whole slice."""


class RangedSource:
    """One file read by ranges. ``fetch(start, end)`` returns bytes [start, end). ``etag`` is the
    S3 ETag (a hash of the content, so a changed object has another one); "" for a local file."""

    def __init__(self, name: str, size: int, fetch: Callable[[int, int], bytes], etag: str = "",
                 block: int = BLOCK):
        self.name, self.size, self.etag, self.block = name, size, etag, block
        self._fetch = fetch
        self._blocks: OrderedDict[int, bytes] = OrderedDict()  # shared by every file opened on this source
        self.bytes_fetched = 0
        self.requests = 0

    @property
    def suffix(self) -> str:
        return PurePosixPath(self.name).suffix

    def __str__(self) -> str:
        return self.name

    def fetch(self, start: int, end: int) -> bytes:
        end = min(end, self.size)
        if end <= start:
            return b""
        data = self._fetch(start, end)
        self.bytes_fetched += len(data)
        self.requests += 1
        return data

    def fit_block(self, span: int) -> None:
        """Size the fetches for reading ``span`` bytes: few requests (8 MB each for a 256 MB slice),
        and the blocks read beyond the span a small share of it. Only before the first fetch."""
        if not self._blocks:
            self.block = max(MIN_BLOCK, min(MAX_BLOCK, span // BLOCKS_PER_SPAN))

    def block_at(self, index: int) -> bytes:
        """Block ``index`` (aligned, ``block`` bytes), fetched once while it stays among the recent ones."""
        data = self._blocks.get(index)
        if data is None:
            data = self.fetch(index * self.block, (index + 1) * self.block)
            self._blocks[index] = data
            if len(self._blocks) > KEEP_BLOCKS:
                self._blocks.popitem(last=False)
        else:
            self._blocks.move_to_end(index)
        return data

    def open(self) -> io.BufferedReader:
        return io.BufferedReader(_RangedFile(self), self.block)

    @classmethod
    def local(cls, path: Path, block: int = BLOCK) -> RangedSource:
        path = Path(path)

        def fetch(start: int, end: int) -> bytes:
            with open(path, "rb") as handle:
                return os.pread(handle.fileno(), end - start, start)

        return cls(str(path), path.stat().st_size, fetch, "", block)


class _RangedFile(io.RawIOBase):
    """A seekable raw file over a RangedSource, reading its shared blocks."""

    def __init__(self, source: RangedSource):
        self._source = source
        self._position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._source.size}[whence]
        self._position = max(0, base + offset)
        return self._position

    def readinto(self, buffer) -> int:
        if self._position >= self._source.size:
            return 0
        size = self._source.block
        index, offset = divmod(self._position, size)
        data = self._source.block_at(index)[offset: offset + len(buffer)]
        buffer[: len(data)] = data
        self._position += len(data)
        return len(data)
