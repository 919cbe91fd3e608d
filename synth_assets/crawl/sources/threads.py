"""Stack Exchange Posts.xml in slices of whole threads.

Answers can lie far from their question (posts are ordered by id, that is by time), so a byte range
of Posts.xml does not hold whole threads. A first pass over the dump builds a small index: every
question's row position, and the positions of its answers' rows (``ThreadIndex``, a few numbers per
post). A slice then takes the threads whose question starts in its byte range, fetches those rows by
range (neighbouring rows in one request), and hands the reader a Posts.xml of just those threads,
each question followed by its answers. Every thread is in exactly one slice. Posts that belong to no
thread (answers whose question is not in the dump, tag wikis) are in none, as the reader skips them.

The index is kept per dump in the deployment's store (crawl/documents.py), keyed by the dump's
size and version, so it is built once however many slices read it.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np

from synth_assets.core.ranges import RangedSource

_ROW = re.compile(rb"<row\b[^>]*?/>", re.DOTALL)
_ATTRIBUTE = {name: re.compile(rb'\s' + name.encode() + rb'="([^"]*)"') for name in ("Id", "PostTypeId", "ParentId")}
QUESTION, ANSWER = b"1", b"2"
GAP = 2 << 10  # rows closer than this are fetched in one request (the gap, a post or two, is read and dropped)
BATCH_THREADS = 2000  # threads assembled at a time: memory holds one batch's rows


class ThreadIndexError(ValueError):
    """The index does not describe this dump (it changed since, or it is another file)."""


@dataclass
class ThreadIndex:
    """Rows of Posts.xml grouped by thread: ``starts``/``lengths`` of every row, question first then
    its answers; ``threads`` the index of each thread's first row (one more entry at the end)."""

    size: int  # the dump's size when indexed
    starts: np.ndarray
    lengths: np.ndarray
    threads: np.ndarray

    def to_bytes(self) -> bytes:
        out = io.BytesIO()
        np.savez_compressed(out, size=np.array([self.size]), starts=self.starts, lengths=self.lengths,
                            threads=self.threads)
        return out.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> ThreadIndex:
        arrays = np.load(io.BytesIO(data))
        return cls(int(arrays["size"][0]), arrays["starts"], arrays["lengths"], arrays["threads"])

    def question_starts(self) -> np.ndarray:
        return self.starts[self.threads[:-1]]


def build_thread_index(stream: BinaryIO, size: int, chunk: int = 1 << 20) -> ThreadIndex:
    """One pass over Posts.xml (rows found by a regular expression, not parsed as XML)."""
    questions: dict[bytes, int] = {}  # question id -> its thread number
    rows: list[list[tuple[int, int]]] = []  # per thread: (start, length) of its rows
    offset, buffer = 0, b""
    while True:
        data = stream.read(chunk)
        buffer += data
        consumed = 0
        for match in _ROW.finditer(buffer):
            row = match.group()
            kind = _value(row, "PostTypeId")
            start = offset + match.start()
            if kind == QUESTION and (post_id := _value(row, "Id")):
                questions[post_id] = len(rows)
                rows.append([(start, len(row))])
            elif kind == ANSWER and (parent := _value(row, "ParentId")) in questions:
                rows[questions[parent]].append((start, len(row)))
            consumed = match.end()
        if not data:
            break
        offset += consumed  # a row cut by the chunk's end waits for the next chunk
        buffer = buffer[consumed:]
    flat = [r for thread in rows for r in thread]
    threads = np.cumsum([0] + [len(thread) for thread in rows], dtype=np.int64)
    return ThreadIndex(size, np.array([r[0] for r in flat], np.int64), np.array([r[1] for r in flat], np.int64),
                       threads)


def _value(row: bytes, name: str) -> bytes | None:
    match = _ATTRIBUTE[name].search(row)
    return match.group(1) if match else None


def thread_slice(source: RangedSource, index: ThreadIndex, start: int, end: int) -> BinaryIO:
    """A Posts.xml holding the threads whose question starts in [start, end), read by ranges."""
    if index.size != source.size:
        raise ThreadIndexError(f"the thread index was built for {index.size:,} bytes, the dump has {source.size:,}")
    questions = index.question_starts()
    chosen = np.nonzero((questions >= start) & (questions < end))[0]
    return io.BufferedReader(_Rows(_xml(source, index, chosen)), 1 << 20)


def _xml(source: RangedSource, index: ThreadIndex, chosen: np.ndarray) -> Iterator[bytes]:
    yield b'<?xml version="1.0" encoding="utf-8"?>\n<posts>\n'
    for first in range(0, len(chosen), BATCH_THREADS):
        batch = chosen[first: first + BATCH_THREADS]
        spans = [(int(index.starts[r]), int(index.lengths[r]))
                 for t in batch for r in range(index.threads[t], index.threads[t + 1])]
        fetched = _fetch(source, sorted(spans))
        for row_start, length in spans:
            row = fetched[row_start][:length]
            if not row.startswith(b"<row"):
                raise ThreadIndexError(f"no row at byte {row_start:,} where the thread index has one: "
                                       "the index is not this dump's")
            yield b"  " + row + b"\n"
    yield b"</posts>\n"


def _fetch(source: RangedSource, spans: list[tuple[int, int]]) -> dict[int, bytes]:
    """Each row's bytes, rows less than GAP apart fetched in one request."""
    out: dict[int, bytes] = {}
    group: list[tuple[int, int]] = []

    def flush() -> None:
        if group:
            base = group[0][0]
            data = source.fetch(base, max(s + n for s, n in group))
            for s, n in group:
                out[s] = data[s - base: s - base + n]
            group.clear()

    for span in spans:
        if group and span[0] - (group[-1][0] + group[-1][1]) > GAP:
            flush()
        group.append(span)
    flush()
    return out


class _Rows(io.RawIOBase):
    def __init__(self, pieces: Iterator[bytes]):
        self._pieces, self._pending = pieces, b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._pending:
            piece = next(self._pieces, None)
            if piece is None:
                return 0
            self._pending = piece
        data, self._pending = self._pending[: len(buffer)], self._pending[len(buffer):]
        buffer[: len(data)] = data
        return len(data)
