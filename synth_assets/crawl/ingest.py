"""`synth ingest`: parse dump files exactly as crawl_snapshot does, to preview a dump or ingest it by hand."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from synth_assets.core import names, parts
from synth_assets.core.parts import write_quarantine
from synth_assets.core.records import Quarantined
from synth_assets.core.storage import LocalStore
from synth_assets.crawl.sources import UnknownFormat, read_file


@dataclass
class IngestReport:
    documents: int = 0
    quarantined: list[dict] = field(default_factory=list)
    bytes_read: int = 0
    files: list[dict] = field(default_factory=list)
    out: str = ""


def ingest(files: list[Path], *, source: str, snapshot: str, out: Path) -> IngestReport:
    report = IngestReport(out=str(out.resolve()))
    rows, bad = [], []
    for path in files:
        before_docs, before_bad = len(rows), len(bad)
        try:
            report.bytes_read += path.stat().st_size
            for item in read_file(path, source=source, snapshot=snapshot, rel_path=str(path)):
                (bad if isinstance(item, Quarantined) else rows).append(item if isinstance(item, Quarantined)
                                                                         else item.to_row())
        except (UnknownFormat, OSError) as error:  # a file that cannot be opened or recognised at all
            bad.append(Quarantined(stage=names.CRAWL_SNAPSHOT, file=str(path), position="byte 0",
                                   reason=f"{type(error).__name__}: {error}"))
        report.files.append({"file": str(path), "documents": len(rows) - before_docs,
                             "quarantined": len(bad) - before_bad})
    store = LocalStore(out)
    parts.write_parts(store, "documents", None, rows, fingerprint_value=f"ingest:{source}/{snapshot}")
    write_quarantine(store, "documents", None, bad)
    report.documents = len(rows)
    report.quarantined = [{"file": q.file, "position": q.position, "reason": q.reason} for q in bad]
    return report
