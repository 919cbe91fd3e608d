"""Pieces shared by the dump readers: opening files, building records, the safe XML event loop."""

from __future__ import annotations

import io
import json
import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from xml.etree.ElementTree import Element, ParseError, TreeBuilder

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser, iterparse

from synth_assets.core import names
from synth_assets.core.ranges import RangedSource
from synth_assets.core.records import Document, Quarantined, content_hash, stable_id

from .guard import DecompressionBomb, expansion_guard
from .slices import Bz2Streams, open_slice, split_name

STAGE = names.CRAWL_SNAPSHOT
RAW_LIMIT = 300  # characters of offending input kept in a Quarantined record


class RecordError(ValueError):
    """A problem with one record: the record is quarantined and the reader goes on with the next."""


# What a truncated or corrupt .bz2 stream raises part-way through a file.
COMPRESSION_ERRORS = (OSError, EOFError)

MAX_LINE_BYTES = 16 << 20  # a JSONL record longer than this is quarantined, never held in memory


def open_binary(path: Path | RangedSource, part: Any = None, kind: str = "", dump_index: Any = None) -> IO[bytes]:
    """Open a dump (or one slice of it, see slices.py) for reading, decompressing .bz2 on the fly so
    big dumps never sit unpacked on disk. ``path`` may be a RangedSource (a file read by ranges)."""
    if part is not None:
        return open_slice(path, part, kind, dump_index)
    if isinstance(path, RangedSource):
        raw, size = path.open(), path.size
    else:
        raw, size = open(path, "rb"), path.stat().st_size  # noqa: SIM115 - the caller closes it
    if path.suffix != ".bz2":
        return raw
    return expansion_guard(io.BufferedReader(Bz2Streams(raw)), size)


def first_byte(stream: IO[bytes]) -> int:
    """Where in the whole file a stream from open_binary starts: a plain slice's first byte, else 0."""
    return getattr(getattr(stream, "raw", None), "start", 0)


def bounded_lines(stream: IO[bytes], limit: int | None = None) -> Iterator[tuple[int, bytes | None]]:
    """(line number, bytes) for each line; None for a line over ``limit`` bytes, which is skipped
    chunk by chunk so that a 1 GB line costs no more memory than a short one."""
    limit = limit or MAX_LINE_BYTES
    number = 0
    while True:
        line = stream.readline(limit + 1)
        if not line:
            return
        number += 1
        if len(line) > limit and not line.endswith(b"\n"):
            while (rest := stream.readline(1 << 20)) and not rest.endswith(b"\n"):
                pass
            yield number, None
        else:
            yield number, line


def open_text(path: Path) -> IO[str]:
    # Strict decoding: bad bytes must surface as an error, not turn silently into U+FFFD.
    return io.TextIOWrapper(open_binary(path), encoding="utf-8-sig", errors="strict", newline="")


# --- text helpers -----------------------------------------------------------------------------


def collapse_ws(text: str) -> str:
    return " ".join(text.split())


def join_paragraphs(paragraphs: Iterable[str]) -> str:
    """One paragraph per block, whitespace collapsed inside, blank line between: the Document layout."""
    return "\n\n".join(p for p in map(collapse_ws, paragraphs) if p)


_BLANK_LINES = re.compile(r"\n\s*\n")
_LINE_SPACE = re.compile(r"[ \t\f\v\xa0]+")


def clean_block(text: str) -> str:
    """Tidy plain text without reflowing it: single line breaks carry meaning in chat data (lists)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = (_LINE_SPACE.sub(" ", line).strip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def short_title(text: str, limit: int = 80) -> str:
    text = collapse_ws(text)
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def raw_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)[:RAW_LIMIT]


# --- records ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileContext:
    """Where the records of one dump file come from; stamps that provenance on every record."""

    source: str
    snapshot: str
    rel_path: str
    kind: str = ""
    part: Any = None  # a slices.Slice when only part of the file is read
    text_field: str = "text"  # the text column of generic JSONL / Parquet sources
    # The license of a record that carries none of its own: the source's configured one
    # (_source.json), else what the reader knows of the dump (read_file fills it in).
    license: str = ""
    dump_index: Any = None  # a multistream dump's stream offsets, from its index (slices.py)

    def positional_id(self, unit: str, place: int) -> str:
        """The id of a record that carries none: its file's name and its place there ("item 3",
        "byte 5120"). The name keeps two files of a snapshot apart; the slice suffix is left out so
        that a record keeps its id however the file is sliced."""
        name, _ = split_name(Path(self.rel_path).name)
        return f"{name}:{unit}{place}"

    def open(self, path: Path) -> IO[bytes]:
        return open_binary(path, self.part, self.kind, self.dump_index)

    def quarantine(self, position: str, reason: str, raw: str = "") -> Quarantined:
        return Quarantined(
            stage=STAGE, file=self.rel_path, position=position, reason=reason, raw=raw[:RAW_LIMIT]
        )

    def unreadable(self, position: str, err: Exception) -> Quarantined:
        if isinstance(err, DecompressionBomb):
            return self.quarantine(position, str(err))
        return self.quarantine(position, f"unreadable data, truncated or corrupt file: {err}")

    def document(
        self, *, doc_id: str, text: str, position: str, revision_id: str = "", license: str = "",
        notes: dict | None = None, **fields: Any,
    ) -> Document:
        """``license`` is the record's own (none: the source's); ``notes`` go into the params column
        beside the reader (where a license came from, a warning about it)."""
        if not text.strip():
            raise RecordError("empty document after cleaning")
        return Document(
            id=stable_id("document", self.source, self.snapshot, doc_id, revision_id),
            parent_id=None,
            stage=STAGE,
            params=json.dumps({"reader": self.kind, **(notes or {})}),
            source=self.source,
            snapshot=self.snapshot,
            kind=self.kind,
            doc_id=doc_id,
            revision_id=revision_id,
            text=text,
            content_hash=content_hash(text),
            file=self.rel_path,
            position=position,
            license=license or self.license,
            **fields,
        )

    def record(
        self, position: str, raw: Callable[[], str], build: Callable[[], dict[str, Any] | None]
    ) -> Document | Quarantined | None:
        """The document whose fields ``build`` returns (None: not a document, skip it), or a
        Quarantined record when ``build`` finds the record bad. ``raw`` is only called on failure."""
        try:
            fields = build()
            return None if fields is None else self.document(position=position, **fields)
        except RecordError as err:
            return self.quarantine(position, str(err), raw())


# --- XML --------------------------------------------------------------------------------------


def local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


class _PositionParser(DefusedXMLParser):
    """A defused parser (no entity declarations, no external references) that notes where each
    watched element starts. iterparse feeds expat in chunks, so the parser position at the
    time an event is read is the end of the chunk, not the element."""

    def __init__(self, watched: set[str]):
        super().__init__(target=TreeBuilder(), forbid_dtd=False, forbid_entities=True, forbid_external=True)
        self._watched = watched
        self.starts: deque[str] = deque()

    def _start(self, tag, attr_list):  # expat's StartElementHandler
        if local_name(tag) in self._watched:
            self.starts.append(f"line {self.parser.CurrentLineNumber}")
        return super()._start(tag, attr_list)

    def where(self) -> str:
        return f"line {self.parser.CurrentLineNumber}, column {self.parser.CurrentColumnNumber}"


def iter_xml_elements(
    stream: IO[bytes], ctx: FileContext, watched: set[str]
) -> Iterator[tuple[Element, str] | Quarantined]:
    """Yield (element, position) each time a watched element is complete, then free it.

    On malformed XML, a forbidden entity or unreadable compressed data, yield one Quarantined
    record and stop: nothing after the break can be trusted."""
    parser = _PositionParser(watched)
    root = None
    try:
        for event, elem in iterparse(stream, events=("start", "end"), parser=parser):
            if root is None:
                root = elem
            elif event == "end" and local_name(elem.tag) in watched:
                yield elem, parser.starts.popleft()
                root.clear()  # finished records would otherwise pile up under the root
    except ParseError as err:
        line, column = err.position
        yield ctx.quarantine(f"line {line}, column {column}", f"malformed XML: {err}")
    except DefusedXmlException as err:
        reason = f"unsafe XML refused, nothing expanded ({type(err).__name__}: {err})"
        yield ctx.quarantine(parser.where(), reason)
    except COMPRESSION_ERRORS as err:
        yield ctx.unreadable(parser.where(), err)
