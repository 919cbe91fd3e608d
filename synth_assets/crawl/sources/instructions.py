"""Instruction and chat datasets -> Documents: Alpaca JSON arrays, UltraChat JSONL, generic JSONL.

Conversations become "USER: ..." / "ASSISTANT: ..." paragraphs separated by blank lines.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from synth_assets.core.records import Document, Quarantined

from ._common import (
    COMPRESSION_ERRORS,
    MAX_LINE_BYTES,
    FileContext,
    RecordError,
    bounded_lines,
    clean_block,
    first_byte,
    open_text,
    raw_json,
    short_title,
)

# What each reader's records are under when neither the record nor the source's settings say.
LICENSES = {"alpaca": "CC BY-NC 4.0", "ultrachat": "MIT", "jsonl": "unknown", "parquet": "unknown"}
ROLE_PREFIX = {"user": "USER: ", "assistant": "ASSISTANT: "}


# --- Alpaca: one JSON array ---------------------------------------------------------------------


def read_alpaca(path: Path, ctx: FileContext) -> Iterator[Document | Quarantined]:
    with open_text(path) as stream:
        array = JsonArray(stream)
        try:
            for index, (line, item) in enumerate(array, start=1):
                position = f"line {line}, item {index}"  # arrays are often written on a single line
                doc_id = ctx.positional_id("item", index)
                yield ctx.record(position, lambda: raw_json(item), lambda: _alpaca_fields(item, doc_id))
        except MalformedJSON as err:  # no way to resynchronise inside an array: stop the file
            yield ctx.quarantine(f"line {err.line}", str(err))
        except UnicodeDecodeError as err:  # strict decoding of a stream cannot skip just the bad bytes
            yield ctx.quarantine(f"line {array.line}", f"invalid UTF-8: {err.reason}")
        except COMPRESSION_ERRORS as err:
            yield ctx.unreadable(f"line {array.line}", err)


def _alpaca_fields(item: Any, doc_id: str) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise RecordError("array element is not an object")
    instruction, output = _text_field(item, "instruction"), _text_field(item, "output")
    extra = clean_block(_string(item.get("input") or ""))
    user = f"{instruction}\n{extra}" if extra else instruction
    return {
        "doc_id": doc_id,  # Alpaca rows have no id: their file and place in the array stand in
        "title": short_title(instruction),
        "text": f"USER: {user}\n\nASSISTANT: {output}",
    }


class MalformedJSON(ValueError):
    def __init__(self, message: str, line: int):
        super().__init__(f"malformed JSON array: {message} (line {line})")
        self.line = line


_NON_SPACE = re.compile(r"\S")
_NUMBER_CHARS = frozenset("0123456789.eE+-")


class JsonArray:
    """Iterate a top-level JSON array as (line, element) without loading the file: holds one chunk
    plus the element being decoded. ``line`` is where each element starts (1-based)."""

    def __init__(self, stream: IO[str], chunk_size: int = 1 << 16, max_element: int = 1 << 26):
        self._stream, self._chunk_size, self._max_element = stream, chunk_size, max_element
        self._decoder = json.JSONDecoder()
        self._buf, self._pos, self._eof = "", 0, False
        self.line = 1  # line of self._pos

    def __iter__(self) -> Iterator[tuple[int, Any]]:
        self._expect("[")
        if self._peek() == "]":
            self._advance(self._pos + 1)
        else:
            while True:
                self._peek()
                yield self.line, self._value()
                separator = self._peek()
                self._advance(self._pos + 1)
                if separator == "]":
                    break
                if separator != ",":
                    raise self._error("expected ',' or ']'" if separator else "unexpected end of file")
        if self._peek():
            raise self._error("data after the end of the array")

    def _value(self) -> Any:
        while True:
            try:
                value, end = self._decoder.raw_decode(self._buf, self._pos)
                # A number cut at the chunk end ("1." | "5") decodes as a shorter number: only
                # trust it once the character after it is known and cannot continue it.
                if self._eof or (end < len(self._buf) and self._buf[end] not in _NUMBER_CHARS):
                    self._advance(end)
                    return value
            except json.JSONDecodeError as err:
                if self._eof or not self._may_be_cut(err):
                    raise self._error(err.msg, at=err.pos) from None
            if len(self._buf) - self._pos > self._max_element:
                raise self._error(f"element longer than {self._max_element} characters")
            self._fill()

    def _may_be_cut(self, err: json.JSONDecodeError) -> bool:
        """Whether a decode error may only mean that the element goes on in the next chunk."""
        return err.msg.startswith("Unterminated string") or err.pos >= len(self._buf) - len("-false")

    def _peek(self) -> str:
        """Skip whitespace; the next character, or "" at the end of the file."""
        while True:
            match = _NON_SPACE.search(self._buf, self._pos)
            if match:
                self._advance(match.start())
                return self._buf[self._pos]
            self._advance(len(self._buf))
            if not self._fill():
                return ""

    def _expect(self, char: str) -> None:
        if self._peek() != char:
            raise self._error(f"expected {char!r}")
        self._advance(self._pos + 1)

    def _fill(self) -> bool:
        # Read at least as much as is buffered, so re-decoding a long element stays linear overall.
        chunk = self._stream.read(max(self._chunk_size, len(self._buf) - self._pos))
        self._buf, self._pos = self._buf[self._pos :] + chunk, 0
        self._eof = not chunk
        return bool(chunk)

    def _advance(self, to: int) -> None:
        self.line += self._buf.count("\n", self._pos, to)
        self._pos = to

    def _error(self, message: str, at: int | None = None) -> MalformedJSON:
        line = self.line + (self._buf.count("\n", self._pos, at) if at is not None else 0)
        return MalformedJSON(message, line)


# --- JSONL: one object per line -------------------------------------------------------------------


def read_ultrachat(path: Path, ctx: FileContext) -> Iterator[Document | Quarantined]:
    return _read_jsonl(path, ctx, _ultrachat_fields)


def read_jsonl(path: Path, ctx: FileContext) -> Iterator[Document | Quarantined]:
    return _read_jsonl(path, ctx, lambda row, place: _generic_fields(row, place, ctx.text_field))


# --- Parquet: UltraChat exports and generic text tables --------------------------------------------

PARQUET_BATCH_ROWS = 1024  # rows in memory at a time, whatever the file size


def read_parquet(path: Path, ctx: FileContext) -> Iterator[Document | Quarantined]:
    """Row groups streamed in batches; each row is read as UltraChat or generic by its fields."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    number = 0
    try:
        table = pq.ParquetFile(path)
        for batch in table.iter_batches(batch_size=PARQUET_BATCH_ROWS):
            for row in batch.to_pylist():
                number += 1
                kind = jsonl_kind(row, ctx.text_field)
                build = _ultrachat_fields if kind == "ultrachat" else (
                    lambda r, n: _generic_fields(r, n, ctx.text_field))
                place = ctx.positional_id("row", number)
                yield ctx.record(f"row {number}", lambda: raw_json(row), lambda: build(row, place))
    except (pa.ArrowException, OSError) as err:  # a corrupt or truncated file: what was read stays
        yield ctx.quarantine(f"row {number + 1}", f"unreadable Parquet: {err}")


def _read_jsonl(
    path: Path, ctx: FileContext, fields: Callable[[Any, str], dict[str, Any]]
) -> Iterator[Document | Quarantined]:
    """``fields`` gets each row and the id it has when it carries none: the byte where its line
    starts in the whole file, which a slice knows too (line numbers restart in each slice)."""
    number = 0
    with ctx.open(path) as stream:
        offset: int | None = first_byte(stream)
        try:
            for number, raw in bounded_lines(stream):  # bytes: a bad line must not stop the file
                if raw is None:
                    yield ctx.quarantine(f"line {number}", f"line longer than {MAX_LINE_BYTES:,} bytes, skipped")
                    offset = None  # the skipped line's length is not known: line numbers from here
                    continue
                if raw.strip():
                    shown = lambda: raw.decode("utf-8", "replace")  # noqa: E731 (only called on failure)
                    place = ctx.positional_id("byte", offset) if offset is not None else ctx.positional_id("line", number)
                    yield ctx.record(f"line {number}", shown, lambda: fields(parse_json_line(raw), place))
                if offset is not None:
                    offset += len(raw)
        except COMPRESSION_ERRORS as err:
            yield ctx.unreadable(f"line {number + 1}", err)


def parse_json_line(raw: bytes) -> dict[str, Any]:
    try:
        row = json.loads(raw.decode("utf-8").removeprefix("\ufeff"))
    except UnicodeDecodeError as err:
        raise RecordError(f"invalid UTF-8 at byte {err.start} of the line") from None
    except json.JSONDecodeError as err:
        raise RecordError(f"invalid JSON: {err.msg} (column {err.colno})") from None
    if not isinstance(row, dict):
        raise RecordError("line is not a JSON object")
    return row


def jsonl_kind(row: dict[str, Any], text_field: str = "text") -> str | None:
    """Which JSONL reader a row belongs to, judging by its fields."""
    data = row.get("data")
    if isinstance(row.get("messages"), list):
        return "ultrachat"
    if isinstance(data, list) and all(isinstance(turn, str) for turn in data):
        return "ultrachat"
    if isinstance(row.get(text_field), str):
        return "jsonl"
    return None


def _ultrachat_fields(row: dict[str, Any], place: str) -> dict[str, Any]:
    turns = _turns(row)
    return {
        "doc_id": str(row.get("id", place)),
        "title": short_title(turns[0][1]),
        "text": "\n\n".join(ROLE_PREFIX[role] + text for role, text in turns),
    }


def _turns(row: dict[str, Any]) -> list[tuple[str, str]]:
    """(role, text) pairs from {"messages": [{"role", "content"}]} or {"data": [user, assistant, ...]}."""
    if isinstance(row.get("messages"), list):
        pairs = []
        for message in row["messages"]:
            if not isinstance(message, dict) or message.get("role") not in (*ROLE_PREFIX, "system"):
                raise RecordError("message without a user/assistant/system role")
            if message["role"] != "system":  # a system prompt is not part of the spoken exchange
                pairs.append((message["role"], message.get("content")))
    elif isinstance(row.get("data"), list):
        pairs = [("user" if i % 2 == 0 else "assistant", text) for i, text in enumerate(row["data"])]
    else:
        raise RecordError("row without a messages or data list")
    turns = [(role, clean_block(_string(text))) for role, text in pairs]
    if not turns or not all(text for _, text in turns):
        raise RecordError("conversation without turns, or with an empty turn")
    return turns


def _generic_fields(row: dict[str, Any], place: str, text_field: str = "text") -> dict[str, Any]:
    return {
        "doc_id": str(row.get("id", place)),
        "title": str(row.get("title", "")),
        "url": str(row.get("url", "")),
        "timestamp": str(row.get("timestamp", "")),
        "license": str(row.get("license") or ""),  # none: the source's
        "text": _text_field(row, text_field),
    }


# --- field checks ---------------------------------------------------------------------------------


def _text_field(row: dict[str, Any], name: str) -> str:
    text = clean_block(_string(row.get(name)))
    if not text:
        raise RecordError(f"missing or empty {name!r}")
    return text


def _string(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise RecordError(f"expected a string, got {type(value).__name__}")
    return value
