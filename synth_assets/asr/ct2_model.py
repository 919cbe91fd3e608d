"""Reading a CTranslate2 ``model.bin`` in plain Python and NumPy.

The layout (ctranslate2 ``models/model.cc`` and ``specs/model_spec.py``, little endian):

    u32 binary version; string spec name; u32 spec revision (version >= 2)
    u32 variable count, then per variable:
        string name; u8 rank; u32 * rank shape; u8 dtype id; u32 byte count; the bytes
    u32 alias count, then per alias: string alias; string variable name (version >= 3)

A string is a u16 length that counts a trailing NUL, then the bytes. Versions before 4 stored an
item size instead of a dtype id and an element count instead of a byte count.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

# ctranslate2 DataType ids. bfloat16 has no NumPy type: its raw 16-bit words are kept as uint16.
DTYPES = {0: np.float32, 1: np.int8, 2: np.int16, 3: np.int32, 4: np.float16, 5: np.uint16}
BFLOAT16 = 5
MAX_BINARY_VERSION = 6  # the newest layout this reader was written against
_ITEM_SIZE_DTYPES = {4: np.float32, 2: np.int16, 1: np.int8}  # binary version < 4


class BadCT2Model(ValueError):
    """The file is not a CTranslate2 model.bin this reader understands."""


@dataclass
class CT2Model:
    spec: str
    revision: int
    binary_version: int
    variables: dict[str, np.ndarray] = field(default_factory=dict)
    bfloat16: set[str] = field(default_factory=set)  # variables whose uint16 words are bfloat16
    aliases: dict[str, str] = field(default_factory=dict)  # alias -> variable it points to

    def get(self, name: str) -> np.ndarray:
        return self.variables[self.aliases.get(name, name)]

    def scalar(self, name: str):
        return self.variables[name].reshape(-1)[0].item()


class _Cursor:
    def __init__(self, data: memoryview, path: Path):
        self.data, self.pos, self.path = data, 0, path

    def take(self, size: int) -> memoryview:
        if self.pos + size > len(self.data):
            raise BadCT2Model(f"{self.path}: truncated at byte {self.pos} (wanted {size} more)")
        chunk = self.data[self.pos:self.pos + size]
        self.pos += size
        return chunk

    def number(self, fmt: str) -> int:
        return struct.unpack("<" + fmt, self.take(struct.calcsize(fmt)))[0]

    def string(self) -> str:
        return bytes(self.take(self.number("H"))).rstrip(b"\0").decode("utf-8")


def read_ct2(path: str | Path) -> CT2Model:
    """Every variable of a CTranslate2 model.bin as a NumPy array (copies, so the file can close)."""
    path = Path(path)
    if path.stat().st_size == 0:
        raise BadCT2Model(f"{path}: empty file")
    data = memoryview(np.memmap(path, dtype=np.uint8, mode="r"))  # mapped: the arrays below are the only copy
    cur = _Cursor(data, path)
    version = cur.number("I")
    if not 1 <= version <= MAX_BINARY_VERSION:
        raise BadCT2Model(f"{path}: not a CTranslate2 model.bin (binary version {version})")
    spec, revision = (cur.string(), cur.number("I")) if version >= 2 else ("", 1)
    model = CT2Model(spec=spec, revision=revision, binary_version=version)
    for _ in range(cur.number("I")):
        name = cur.string()
        shape = tuple(cur.number("I") for _ in range(cur.number("B")))
        if version >= 4:
            type_id, size = cur.number("B"), cur.number("I")
            if type_id not in DTYPES:
                raise BadCT2Model(f"{path}: variable {name} has unknown dtype id {type_id}")
            dtype = DTYPES[type_id]
        else:
            item_size = cur.number("B")
            dtype, size = _ITEM_SIZE_DTYPES[item_size], cur.number("I") * item_size
            type_id = -1
        array = np.frombuffer(cur.take(size), dtype=np.dtype(dtype).newbyteorder("<")).reshape(shape)
        model.variables[name] = array.copy()
        if type_id == BFLOAT16:
            model.bfloat16.add(name)
    if version >= 3:
        for _ in range(cur.number("I")):
            alias = cur.string()
            model.aliases[alias] = cur.string()
    if cur.pos != len(data):
        raise BadCT2Model(f"{path}: {len(data) - cur.pos} bytes left after the last alias")
    return model


def bfloat16_to_float32(words: np.ndarray) -> np.ndarray:
    """Exact: a bfloat16 is the top half of a float32."""
    return (words.astype(np.uint32) << 16).view(np.float32)
