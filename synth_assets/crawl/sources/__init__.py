"""Streaming readers that turn landing-zone dump files into Document records.

    kind = detect_kind(path)          # "mediawiki", "stackexchange", "alpaca", "ultrachat", "jsonl"
    for record in read_file(path, source="wikipedia", snapshot="2026-11-01", rel_path="wikipedia/..."):
        ...                           # Document, or Quarantined for input that could not be read

Record-level problems (a bad line, a row missing a field, an empty page) come out as Quarantined
records and reading goes on; a broken XML file yields what was read before the break, then one
Quarantined record. Only a file whose format cannot be recognised raises (UnknownFormat).
"""

from __future__ import annotations

import bz2
import json
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

from synth_assets.core.ranges import RangedSource
from synth_assets.core.records import Document, Quarantined

from . import mediawiki, stackexchange
from ._common import COMPRESSION_ERRORS, FileContext, bounded_lines, open_binary, open_text
from .instructions import LICENSES as INSTRUCTION_LICENSES
from .instructions import JsonArray, MalformedJSON, jsonl_kind, read_alpaca, read_jsonl, read_parquet, read_ultrachat
from .mediawiki import read_mediawiki
from .slices import Slice
from .stackexchange import DEFAULT_SITE, read_stackexchange, read_stackexchange_archive
from .threads import ThreadIndex

__all__ = [
    "FileContext",
    "UnknownFormat",
    "detect_kind",
    "read_file",
]

READERS = {
    "mediawiki": read_mediawiki,
    "stackexchange": read_stackexchange,
    "alpaca": read_alpaca,
    "ultrachat": read_ultrachat,
    "jsonl": read_jsonl,
    "parquet": read_parquet,
    "stackexchange-7z": read_stackexchange_archive,
}
# The license a reader's records are under when neither the record nor the source's settings say.
READER_LICENSES = {**INSTRUCTION_LICENSES, "mediawiki": mediawiki.LICENSE, "stackexchange": stackexchange.LICENSE,
                   "stackexchange-7z": stackexchange.LICENSE}
MAGIC = {b"PAR1": "parquet", b"7z\xbc\xaf\x27\x1c": "stackexchange-7z"}
XML_ROOTS = {"mediawiki": "mediawiki", "posts": "stackexchange"}
HEAD_BYTES = 1 << 16
RANGED_HEAD_BYTES = 1 << 13
SNIFF_LINES = 20  # JSONL: the first object among this many lines decides

_XML_NOISE = re.compile(r"<\?.*?\?>|<!--.*?-->", re.DOTALL)  # declaration, PIs, comments
_XML_TAG = re.compile(r"<([A-Za-z_][\w.:-]*)")


class UnknownFormat(ValueError):
    """The file is none of the dump formats these readers know."""


SLICEABLE = {"mediawiki", "ultrachat", "jsonl", "stackexchange"}


def read_file(
    path: Path | RangedSource, *, source: str, snapshot: str, rel_path: str, site: str = DEFAULT_SITE,
    part: Slice | None = None, text_field: str = "text", license: str = "",
    dump_index: Sequence[int] | ThreadIndex | None = None,
) -> Iterator[Document | Quarantined]:
    """Documents and Quarantined records of one dump file, streamed. ``rel_path`` is the file's
    path inside the landing zone; ``site`` names the Stack Exchange site for question URLs;
    ``part`` reads one slice of a large file only (see slices.py); ``text_field`` is the text column
    of a generic JSONL or Parquet source; ``license`` is the source's configured license, which a
    record without a license of its own gets (otherwise the reader's, READER_LICENSES). A record's
    own license (a Stack Exchange row's ``ContentLicense`` or post date, a JSONL row's ``license``)
    always wins.
    ``path`` may be a RangedSource: a slice then fetches only its own bytes (plus the file's head).
    ``dump_index``: a multistream dump's stream offsets (from its index) for exact slice ranges, or
    the ThreadIndex a slice of Stack Exchange Posts.xml needs (threads.py).
    Raises UnknownFormat right away (not on iteration) when the format cannot be detected."""
    path = path if isinstance(path, RangedSource) else Path(path)
    if isinstance(path, RangedSource) and part is not None:
        start, end = part.byte_range(path.size)
        path.fit_block(end - start)
    ctx = FileContext(source, snapshot, rel_path)
    try:
        head = _head(path)
    except FileNotFoundError:
        raise
    except COMPRESSION_ERRORS as err:
        return iter([ctx.unreadable("byte 0", err)])
    if not head.strip():
        return iter([ctx.quarantine("byte 0", "empty file")])
    kind = _detect(path, head, text_field)
    if part is not None and kind not in SLICEABLE:
        raise UnknownFormat(f"{path}: a {kind} file cannot be read in slices")
    options = {"site": site} if kind.startswith("stackexchange") else {}
    ctx = FileContext(source, snapshot, rel_path, kind, part, text_field, license or READER_LICENSES[kind],
                      dump_index)
    return READERS[kind](path, ctx, **options)


def detect_kind(path: Path, text_field: str = "text") -> str:
    """Which reader a file needs, judged from its content (compressed files are looked inside)."""
    path = Path(path)
    return _detect(path, _head(path), text_field)


def _detect(path: Path | RangedSource, head: str, text_field: str = "text") -> str:
    with (path.open() if isinstance(path, RangedSource) else open(path, "rb")) as handle:
        magic = handle.read(8)  # binary formats by their magic bytes, before any decoding
    for prefix, kind in MAGIC.items():
        if magic.startswith(prefix):
            return kind
    start = head.lstrip("\ufeff \t\r\n")
    kind = None
    if start.startswith("<"):
        kind = XML_ROOTS.get(_xml_root(start))
    elif start.startswith("["):
        kind = _json_array_kind(path)
    elif start.startswith("{"):
        kind = _jsonl_kind(path, text_field)
    if kind is None:
        raise UnknownFormat(f"{path}: not a MediaWiki, Stack Exchange, Alpaca, UltraChat, text JSONL or Parquet dump")
    return kind


def _head(path: Path | RangedSource) -> str:
    if isinstance(path, RangedSource) and path.suffix == ".bz2":
        return _first_stream_head(path)
    with open_binary(path) as stream:  # a ranged source (a slice's dump) fetches less: the root tag is near
        return stream.read(RANGED_HEAD_BYTES if isinstance(path, RangedSource) else HEAD_BYTES).decode("utf-8", "replace")


def _first_stream_head(source: RangedSource) -> str:
    """The start of a ranged .bz2's first stream only: a multistream dump's slice must not fetch the
    streams after it to learn the format."""
    decompressor, out = bz2.BZ2Decompressor(), b""
    with source.open() as handle:
        while not decompressor.eof and len(out) < HEAD_BYTES and (chunk := handle.read(1 << 14)):
            out += decompressor.decompress(chunk, HEAD_BYTES - len(out))
            while not decompressor.needs_input and not decompressor.eof and len(out) < HEAD_BYTES:
                out += decompressor.decompress(b"", HEAD_BYTES - len(out))
    return out[:HEAD_BYTES].decode("utf-8", "replace")


def _xml_root(text: str) -> str:
    match = _XML_TAG.search(_XML_NOISE.sub("", text))
    return match.group(1).rsplit(":", 1)[-1].lower() if match else ""


def _json_array_kind(path: Path) -> str | None:
    try:
        with open_text(path) as stream:
            _, first = next(iter(JsonArray(stream)))
    except (StopIteration, MalformedJSON, UnicodeDecodeError, *COMPRESSION_ERRORS):
        return None
    return "alpaca" if isinstance(first, dict) and {"instruction", "output"} <= first.keys() else None


def _jsonl_kind(path: Path, text_field: str = "text") -> str | None:
    with open_binary(path) as stream:
        for _, (_, raw) in zip(range(SNIFF_LINES), bounded_lines(stream)):
            if raw is None:
                continue
            try:
                row = json.loads(raw.decode("utf-8", "replace"))
            except json.JSONDecodeError:
                continue
            if isinstance(row, dict):
                return jsonl_kind(row, text_field)
    return None
