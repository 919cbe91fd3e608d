"""`synth normalize`: one written-form line in, exactly one spoken-form line out (verbalization only).

A line the verbalizer cannot handle is echoed unchanged with a note on stderr, so the output always
stays aligned with the input. Undecodable bytes are replaced, never fatal.
"""

from __future__ import annotations

import io
import sys
from typing import TextIO

from synth_assets.spoken.verbalize import verbalize


def normalize_line(line: str) -> str:
    """The spoken form of one line, on one line."""
    spoken = verbalize(line)
    return " ".join(spoken.split()) if "\n" in spoken or "\r" in spoken else spoken


def normalize_stream(source: TextIO, sink: TextIO, errors: TextIO | None = None) -> int:
    """Normalize every line of ``source`` into ``sink``; returns how many lines failed (echoed as is)."""
    failed = 0
    for number, line in enumerate(source, 1):
        line = line.rstrip("\r\n")
        try:
            out = normalize_line(line)
        except Exception as error:  # noqa: BLE001 - one bad line must not end the stream
            failed += 1
            if errors is not None:
                print(f"line {number}: {type(error).__name__}: {error}", file=errors)
            out = " ".join(line.split())
        sink.write(out + "\n")
    sink.flush()
    return failed


def main() -> int:
    source = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace", newline=None)
    normalize_stream(source, sys.stdout, sys.stderr)
    return 0
