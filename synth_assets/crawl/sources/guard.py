"""Reading compressed dumps without trusting them: decompressed bytes are counted, and a stream that
expands far beyond any real dump is refused as a decompression bomb."""

from __future__ import annotations

import io
from typing import IO

# Real dumps expand 4-20x (full-history dumps more); far beyond that is a decompression bomb.
MAX_EXPANSION_RATIO = 200
MIN_EXPANSION_LIMIT = 64 << 20  # small files may expand this much whatever their ratio

class DecompressionBomb(OSError):
    """Compressed data that expands far beyond any real dump."""


class _ExpansionGuard(io.RawIOBase):
    """Counts decompressed bytes and stops reading once they pass the limit."""

    def __init__(self, inner: IO[bytes], limit: int):
        self._inner, self._limit, self._count = inner, limit, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._inner.read1(len(buffer))  # read1: what is decoded so far survives a truncated tail
        self._count += len(data)
        if self._count > self._limit:
            raise DecompressionBomb(f"decompressed data passed {self._limit:,} bytes "
                                    f"({MAX_EXPANSION_RATIO}x the compressed file): refused as a decompression bomb")
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._inner.close()
        super().close()


def expansion_guard(stream: IO[bytes], compressed_size: int) -> IO[bytes]:
    limit = max(MIN_EXPANSION_LIMIT, MAX_EXPANSION_RATIO * compressed_size)
    return io.BufferedReader(_ExpansionGuard(stream, limit), buffer_size=1 << 20)
