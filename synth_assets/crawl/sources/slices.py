"""Slices: a large dump read as many bounded partitions, each worker parsing only its own part.

A slice is "part K of N" of a file. Its bytes are [K*size/N, (K+1)*size/N), snapped to
record boundaries: a record belongs to the slice that holds its first byte. That way every record
is in exactly one slice, and no slice needs to look at another.
- MediaWiki XML: records are `<page>` elements. Slices after the first are given the file's
  header (`<mediawiki>` and `<siteinfo>`), and slices before the last get the closing tag, so each
  one parses as a complete export.
- Multistream `.bz2` (Wikimedia's `*-multistream.xml.bz2`): records are whole bz2 streams of about
  100 pages each. Their offsets come from the dump's index (``*-multistream-index.txt.bz2``, see
  stream_offsets) when it is given, else they are found by their byte-aligned stream header. Each
  slice is decompressed on its own; slices after the first take the header from the first stream.
- JSONL: records are lines.
- Stack Exchange Posts.xml: records are whole threads, found through the dump's thread index
  (threads.py): a slice holds the threads whose question starts in its range.

A slice is read from a ``RangedSource`` (core/ranges.py), so on S3 it fetches its own byte range by
HTTP range requests plus the little it needs to find record boundaries and the file's header, never
the whole file. ``bytes_fetched`` on the source counts it.

Positions inside a slice ("line 12") count from the start of the slice. The partition key names
the slice, so a position plus its key still finds the record.
"""

from __future__ import annotations

import bz2
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from synth_assets.core.ranges import RangedSource

from .guard import expansion_guard
from .threads import ThreadIndex, ThreadIndexError, thread_slice

SLICE_SUFFIX = re.compile(r"^(?P<file>.+)@part-(?P<index>\d+)-of-(?P<count>\d+)$")
PAGE_START = b"<page>"
BZ2_STREAM_START = re.compile(rb"BZh[1-9]1AY&SY")  # a stream header: magic, level, first block's magic
SCAN_CHUNK = 1 << 20  # read-buffer size of a slice's body
SCAN_STEP = 1 << 14  # boundary scans read this much at a time, so they fetch little past a slice's end


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


class IndexMismatch(ValueError):
    """A multistream dump's index names an offset where no bz2 stream starts: the index is of another dump."""


def index_name(name: str) -> str | None:
    """The Wikimedia stream index beside a multistream dump:
    "x-multistream.xml.bz2" -> "x-multistream-index.txt.bz2"."""
    return name[: -len(".xml.bz2")] + "-index.txt.bz2" if name.endswith("multistream.xml.bz2") else None


def is_index(name: str) -> bool:
    return name.endswith("multistream-index.txt.bz2")


def stream_offsets(index: BinaryIO) -> list[int]:
    """The distinct stream offsets of a multistream index ("offset:page_id:title" lines, bz2), sorted."""
    offsets: set[int] = set()
    with bz2.open(index, "rb") as text:
        for number, line in enumerate(text, 1):
            head = line.split(b":", 1)[0]
            if not head.strip().isdigit():
                raise IndexMismatch(f"index line {number} does not start with an offset: {line[:80]!r}")
            offsets.add(int(head))
    return sorted(offsets)


def as_source(path: Path | RangedSource) -> RangedSource:
    return path if isinstance(path, RangedSource) else RangedSource.local(Path(path))


def splittable(name: str) -> bool:
    """Formats whose records can be found from any byte offset, or from an index (Stack Exchange's
    Posts.xml, see threads.py); decided by name: no file is opened."""
    lower = name.lower()
    if lower.endswith((".jsonl", ".xml")):
        return True
    return lower.endswith(".xml.bz2") and "multistream" in lower


def plan(name: str, size: int, max_bytes: int) -> list[str]:
    """The partition file names for one dump: itself, or its slices when it is large and splittable."""
    if size <= max_bytes or not splittable(name):
        return [name]
    count = -(-size // max_bytes)
    return [f"{name}@{Slice(i, count).label}" for i in range(count)]


def _find(handle: BinaryIO, pattern: re.Pattern | bytes, start: int, limit: int | None = None) -> int | None:
    """Offset of the first match at or after start (and before limit), reading in small steps."""
    regex = pattern if isinstance(pattern, re.Pattern) else re.compile(re.escape(pattern))
    overlap = 16  # longer than any pattern, so a match across two chunks is still seen
    position = start
    while limit is None or position < limit:
        handle.seek(position)
        chunk = handle.read(SCAN_STEP + overlap)
        match = regex.search(chunk)
        if match:
            found = position + match.start()
            return found if limit is None or found < limit else None
        if len(chunk) < SCAN_STEP + overlap:
            return None
        position += SCAN_STEP
    return None


def _after_newline(handle: BinaryIO, offset: int, size: int) -> int:
    """The start of the first line that begins at or after offset."""
    if offset == 0:
        return 0
    found = _find(handle, b"\n", offset - 1)
    return size if found is None else found + 1


class _Range(io.RawIOBase):
    """Bytes [start, end) of a source."""

    def __init__(self, source: RangedSource, start: int, end: int):
        self.start = start
        self._handle = source.open()
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


class Bz2Streams(io.RawIOBase):
    """Every bz2 stream of a file, one after the other. Unlike bz2.BZ2File, which takes a corrupt
    stream after the first for trailing junk and silently stops there, a corrupt or cut stream
    anywhere raises an OSError naming its byte offset (``base``: the offset of the input's byte 0)."""

    def __init__(self, raw: BinaryIO, base: int = 0):
        self._raw, self._base = raw, base
        self._decompressor = bz2.BZ2Decompressor()
        self._stream_start, self._consumed, self._started = base, base, False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while True:
            if self._decompressor.eof:
                rest = self._decompressor.unused_data
                self._stream_start = self._consumed - len(rest)
                self._decompressor, self._started = bz2.BZ2Decompressor(), False
                if rest:
                    data = self._decompress(rest, len(buffer))
                    if data:
                        break
                    continue
            if self._decompressor.needs_input:
                chunk = self._raw.read(SCAN_STEP)
                if not chunk:
                    if self._started:
                        raise EOFError(f"the bz2 stream at byte {self._stream_start:,} is cut short")
                    return 0
                self._consumed += len(chunk)
                data = self._decompress(chunk, len(buffer))
            else:
                data = self._decompress(b"", len(buffer))
            if data:
                break
        buffer[: len(data)] = data
        return len(data)

    def _decompress(self, chunk: bytes, size: int) -> bytes:
        self._started = True
        try:
            return self._decompressor.decompress(chunk, size)
        except OSError as error:
            raise OSError(f"the bz2 stream at byte {self._stream_start:,} is corrupt ({error})") from None

    def close(self) -> None:
        self._raw.close()
        super().close()


def open_slice(path: Path | RangedSource, part: Slice, kind: str,
               dump_index: Any = None) -> BinaryIO:
    """A binary stream of one slice's records, readable by the same reader as the whole file.
    ``dump_index``: a multistream dump's stream offsets from its index (exact slice ranges), or
    Posts.xml's ThreadIndex (required: its slices are whole threads)."""
    source = as_source(path)
    start, end = part.byte_range(source.size)
    if kind == "stackexchange":
        if not isinstance(dump_index, ThreadIndex):
            raise ThreadIndexError("a slice of Posts.xml needs the dump's thread index")
        return thread_slice(source, dump_index, start, end)
    with source.open() as handle:
        if source.suffix == ".bz2":
            return _bz2_slice(source, handle, part, start, end, dump_index)
        if kind == "mediawiki":
            return _xml_slice(source, handle, part, start, end)
        first, stop = _after_newline(handle, start, source.size), _after_newline(handle, end, source.size)
    return io.BufferedReader(_Range(source, first, stop), SCAN_CHUNK)


def _xml_slice(source: RangedSource, handle: BinaryIO, part: Slice, start: int, end: int) -> BinaryIO:
    first_page = _find(handle, PAGE_START, 0)
    if first_page is None:  # no pages at all: the first slice reads the file, the others nothing
        return source.open() if part.index == 0 else io.BytesIO(b"")
    handle.seek(0)
    header = handle.read(first_page)
    first = 0 if part.index == 0 else _find(handle, PAGE_START, max(start, first_page), end)
    if first is None:
        return io.BytesIO(b"")  # no page starts inside this slice
    last = part.index == part.count - 1
    stop = source.size if last else (_find(handle, PAGE_START, end) or source.size)
    body = _Range(source, first, stop)
    return io.BufferedReader(_Chain(header if part.index else b"", body, b"" if last else b"</mediawiki>\n"),
                             SCAN_CHUNK)


def _bz2_slice(source: RangedSource, handle: BinaryIO, part: Slice, start: int, end: int,
               dump_index: Sequence[int] | None) -> BinaryIO:
    size = source.size
    last = part.index == part.count - 1
    if dump_index is not None:  # exact: the first stream starting in [start, end), up to the next one
        starts = sorted(dump_index)
        inside = [o for o in starts if start <= o < end]
        first = 0 if part.index == 0 else (inside[0] if inside else None)
        stop = size if last else next((o for o in starts if o >= end), size)
        checked = {starts[0], starts[-1], first or starts[0], stop if stop < size else starts[-1]} if starts else set()
        for offset in sorted(checked):
            handle.seek(offset)
            if not BZ2_STREAM_START.match(handle.read(10)):
                raise IndexMismatch(f"the index names offset {offset:,}, where no bz2 stream starts: "
                                    "the index is not this dump's")
    else:
        first = 0 if part.index == 0 else _find(handle, BZ2_STREAM_START, start, end)
        stop = size if last else (_find(handle, BZ2_STREAM_START, end) or size)
    if first is None:
        return io.BytesIO(b"")
    header = b""
    if part.index:
        # The first stream of a Wikimedia multistream dump holds the header (siteinfo) alone:
        # decompress that stream only.
        header_end = (dump_index[0] if dump_index else None) or _find(handle, BZ2_STREAM_START, 4) or size
        handle.seek(0)
        head = bz2.BZ2Decompressor().decompress(handle.read(min(header_end, 1 << 20)), SCAN_CHUNK)
        cut = head.find(PAGE_START)
        header = head[:cut] if cut >= 0 else head
    streams = io.BufferedReader(Bz2Streams(io.BufferedReader(_Range(source, first, stop), SCAN_CHUNK), first))
    body = expansion_guard(streams, stop - first)
    return io.BufferedReader(_Chain(header, body, b"" if last else b"</mediawiki>\n"), SCAN_CHUNK)
