"""Typed sample records: one small dataclass per stage, serialised the same way everywhere.

Every record carries the lineage columns: a stable ``id`` derived from its parent id and
the parameters of the stage that made it, ``parent_id``, the ``stage`` name, the ``params`` that made
it (a JSON string), and the code version and Dagster run id filled in by the asset that writes it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

# Columns every sample row carries down from its document: where it came from and under what license.
LINEAGE_COLUMNS = ("source", "snapshot", "role", "document_id", "license")


def stable_id(stage: str, *parts: Any) -> str:
    """A 20-hex-digit id from a stage name and its inputs: the same inputs always give the same id."""
    payload = json.dumps([stage, *parts], sort_keys=True, ensure_ascii=False, default=str)
    return f"{stage[:3]}-" + hashlib.sha256(payload.encode("utf-8")).hexdigest()[:20]


def seed_from_id(sample_id: str, salt: str = "") -> int:
    """A 32-bit RNG seed derived from a sample id, so a rerun draws the same random choices."""
    return int.from_bytes(hashlib.sha256(f"{sample_id}|{salt}".encode()).digest()[:4], "little")


def from_row(cls, row: dict[str, Any]):
    """A dataclass record ``cls`` from a stored row: its own fields, whatever else the row holds."""
    names = {f.name for f in dataclasses.fields(cls)}
    return cls(**{k: v for k, v in row.items() if k in names})


def params(**values: Any) -> str:
    """The ``params`` lineage column: the parameters that made a row, as canonical JSON."""
    return json.dumps(values, sort_keys=True, default=str)


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class Record:
    """Lineage columns shared by every stage's rows."""

    id: str
    parent_id: str | None
    stage: str
    params: str = "{}"  # JSON object: the parameters that made this row
    code_version: str = ""
    run_id: str = ""

    def to_row(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_row(cls, row: dict[str, Any]):
        return from_row(cls, row)


@dataclass
class Document(Record):
    """One document of a crawl snapshot: a wiki page revision, a Q&A thread, an instruction example."""

    source: str = ""  # landing-zone source name, e.g. "wikipedia"
    snapshot: str = ""  # crawl snapshot id, e.g. "2026-11-01"
    kind: str = ""  # reader that produced it: mediawiki, stackexchange, alpaca, ultrachat
    doc_id: str = ""  # page id / post id / the row's own id; none: "file:item3", "file:byte5120"
    revision_id: str = ""
    title: str = ""
    url: str = ""
    timestamp: str = ""
    license: str = ""
    namespace: int = 0
    # Prose, already cleaned of markup. For conversational sources, turns are separated by
    # blank lines and prefixed "USER: " / "ASSISTANT: " so that downstream stages can tell roles.
    text: str = ""
    content_hash: str = ""
    file: str = ""  # path of the dump file inside the landing zone
    position: str = ""  # where in the file: "line 12", "byte 4096"


@dataclass
class Quarantined:
    """A record that could not be read or processed, kept for a person to inspect."""

    stage: str
    file: str
    position: str
    reason: str
    raw: str = ""  # the offending input, truncated to a few hundred characters
    partition: str = ""
    run_id: str = ""

    def to_row(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass
class Segment(Record):
    """A TTS-sized piece of written text cut from a document."""

    source: str = ""
    snapshot: str = ""
    role: str = "narration"  # narration, user or assistant
    position: int = 0  # index of the segment inside its document
    text: str = ""
    words: int = 0
    license: str = ""


@dataclass
class SpokenText(Record):
    """Written text rewritten into what a person would say."""

    source: str = ""
    snapshot: str = ""
    role: str = "narration"
    text: str = ""  # the spoken form that TTS reads
    written: str = ""  # the written form it came from
    operations: list[str] = field(default_factory=list)  # rewrite operations applied, in order
    license: str = ""
    misspelled: str = ""  # user turns: the written form with recorded misspellings (text input side)


@dataclass
class Turn:
    role: str  # "user" or "assistant"
    text: str  # written form; the dialogue asset verbalizes it before TTS


@dataclass
class DialogueScript(Record):
    """The text of a two-party conversation, before it is voiced."""

    kind: str = ""  # "safety" or "false_premise"
    source: str = ""
    snapshot: str = ""
    turns: list[Turn] = field(default_factory=list)
    license: str = ""

    def to_row(self) -> dict[str, Any]:
        row = super().to_row()
        row["turns"] = json.dumps([dataclasses.asdict(t) for t in self.turns], ensure_ascii=False)
        return row
