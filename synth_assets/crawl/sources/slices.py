"""Slices: a large dump read as many bounded partitions, each worker parsing only its own part.

A slice is "part K of N" of a file. Its bytes are [K*size/N, (K+1)*size/N), snapped to
record boundaries: a record belongs to the slice that holds its first byte. That way every record
is in exactly one slice, and no slice needs to look at another.
- MediaWiki XML: records are `<page>` elements. Slices after the first are given the file's
  header (`<mediawiki>` and `<siteinfo>`), and slices before the last get the closing tag, so each
  one parses as a complete export.
- Multistream `.bz2` (Wikimedia's `*-multistream.xml.bz2`): records are whole bz2 streams of about
  100 pages each, found by their byte-aligned stream header. Each slice is decompressed on its own.
- JSONL: records are lines.

Positions inside a slice ("line 12") count from the start of the slice. The partition key names
the slice, so a position plus its key still finds the record.
"""

from __future__ import annotations

import bz2
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from .guard import expansion_guard

SLICE_SUFFIX = re.compile(r"^(?P<file>.+)@part-(?P<index>\d+)-of-(?P<count>\d+)$")
PAGE_START = b"<page>"
BZ2_STREAM_START = re.compile(rb"BZh[1-9]1AY&SY")  # a stream header: magic, level, first block's magic
SCAN_CHUNK = 1 << 20


@dataclass(frozen=True)
class Slice:
    index: int  # 0-based
    count: int

    @property
    def label(self) -> str:
        return f"part-{self.index + 1:03d}-of-{self.count:03d}"

    def byte_range(self, size: int) -> tuple[int, int]:
        return self.index * size // self.count, (self.index + 1) * size // self.count


def split_name(name: str) -> tuple[str, Slice | None]:
    """"dump.xml@part-003-of-080" -> ("dump.xml", Slice(2, 80)); a name without a suffix is whole."""
    match = SLICE_SUFFIX.match(name)
    if not match:
        return name, None
    index, count = int(match["index"]), int(match["count"])
    if not 1 <= index <= count:
        raise ValueError(f"{name!r}: slice {index} of {count} does not exist")
    return match["file"], Slice(index - 1, count)


def splittable(name: str) -> bool:
    """Formats whose records can be found from any byte offset (decided by name: no file is opened)."""
    lower = name.lower()
    if lower.endswith(".jsonl") or (lower.endswith(".xml") and lower != "posts.xml"):
        return True
    return lower.endswith(".xml.bz2") and "multistream" in lower


def plan(name: str, size: int, max_bytes: int) -> list[str]:
    """The partition file names for one dump: itself, or its slices when it is large and splittable."""
    if size <= max_bytes or not splittable(name):
        return [name]
    count = -(-size // max_bytes)
    return [f"{name}@{Slice(i, count).label}" for i in range(count)]


def _find(handle: BinaryIO, pattern: re.Pattern | bytes, start: int, limit: int | None = None) -> int | None:
    """Offset of the first match at or after start (and before limit), reading in chunks."""
    regex = pattern if isinstance(pattern, re.Pattern) else re.compile(re.escape(pattern))
    overlap = 16  # longer than any pattern, so a match across two chunks is still seen
    position = start
    while limit is None or position < limit:
        handle.seek(position)
        chunk = handle.read(SCAN_CHUNK + overlap)
        match = regex.search(chunk)
        if match:
            found = position + match.start()
            return found if limit is None or found < limit else None
        if len(chunk) < SCAN_CHUNK + overlap:
            return None
        position += SCAN_CHUNK
    return None


def _after_newline(handle: BinaryIO, offset: int, size: int) -> int:
    """The start of the first line that begins at or after offset."""
    if offset == 0:
        return 0
    found = _find(handle, b"\n", offset - 1)
    return size if found is None else found + 1


class _Range(io.RawIOBase):
    """Bytes [start, end) of a file."""

    def __init__(self, path: Path, start: int, end: int):
        self._handle = open(path, "rb")
        self._handle.seek(start)
        self._left = max(0, end - start)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._handle.read(min(len(buffer), self._left))
        self._left -= len(data)
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._handle.close()
        super().close()


class _Chain(io.RawIOBase):
    """Several byte sources read one after the other."""

    def __init__(self, *parts: BinaryIO | bytes):
        self._parts = [io.BytesIO(p) if isinstance(p, bytes) else p for p in parts]

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while self._parts:
            data = self._parts[0].read(len(buffer))
            if data:
                buffer[: len(data)] = data
                return len(data)
            self._parts.pop(0).close()
        return 0

    def close(self) -> None:
        for part in self._parts:
            part.close()
        super().close()


def open_slice(path: Path, part: Slice, kind: str) -> BinaryIO:
    """A binary stream of one slice's records, readable by the same reader as the whole file."""
    size = path.stat().st_size
    start, end = part.byte_range(size)
    with open(path, "rb") as handle:
        if path.suffix == ".bz2":
            return _bz2_slice(path, handle, part, start, end)
        if kind == "mediawiki":
            return _xml_slice(path, handle, part, start, end)
        first, stop = _after_newline(handle, start, size), _after_newline(handle, end, size)
    return io.BufferedReader(_Range(path, first, stop), SCAN_CHUNK)


def _xml_slice(path: Path, handle: BinaryIO, part: Slice, start: int, end: int) -> BinaryIO:
    first_page = _find(handle, PAGE_START, 0)
    if first_page is None:  # no pages at all: the first slice reads the file, the others nothing
        return open(path, "rb") if part.index == 0 else io.BytesIO(b"")
    handle.seek(0)
    header = handle.read(first_page)
    first = 0 if part.index == 0 else _find(handle, PAGE_START, max(start, first_page), end)
    if first is None:
        return io.BytesIO(b"")  # no page starts inside this slice
    last = part.index == part.count - 1
    stop = path.stat().st_size if last else (_find(handle, PAGE_START, end) or path.stat().st_size)
    body = _Range(path, first, stop)
    return io.BufferedReader(_Chain(header if part.index else b"", body, b"" if last else b"</mediawiki>\n"),
                             SCAN_CHUNK)


def _bz2_slice(path: Path, handle: BinaryIO, part: Slice, start: int, end: int) -> BinaryIO:
    size = path.stat().st_size
    first = 0 if part.index == 0 else _find(handle, BZ2_STREAM_START, start, end)
    if first is None:
        return io.BytesIO(b"")
    last = part.index == part.count - 1
    stop = size if last else (_find(handle, BZ2_STREAM_START, end) or size)
    header = b""
    if part.index:
        # The first stream of a Wikimedia multistream dump holds the header (siteinfo) alone.
        with bz2.open(path, "rb") as whole:
            head = whole.read(SCAN_CHUNK)
        cut = head.find(PAGE_START)
        header = head[:cut] if cut >= 0 else head
    body = expansion_guard(bz2.BZ2File(io.BufferedReader(_Range(path, first, stop), SCAN_CHUNK)), stop - first)
    return io.BufferedReader(_Chain(header, body, b"" if last else b"</mediawiki>\n"), SCAN_CHUNK)
