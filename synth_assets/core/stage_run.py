"""What a stage's row producer is handed: where it runs, and where bad records go.

The orchestration layer (synth_assets/orchestration/stage.py) makes one per materialization, stamps
every row the producer yields, and writes the quarantine it collected beside the parts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from synth_assets.core.progress import ProgressFile
from synth_assets.core.records import Quarantined


@dataclass
class StageRun:
    asset: str
    partition: str | None
    run_id: str
    code_version: str
    quarantined: list[Quarantined] = field(default_factory=list)
    # Where the command line watching the run reads how far the step has got (core/progress.py).
    progress: ProgressFile | None = None

    def quarantine(self, record: Quarantined) -> None:
        record.partition = record.partition or (self.partition or "")
        record.run_id = self.run_id
        record.stage = record.stage or self.asset
        self.quarantined.append(record)
        if self.progress is not None:
            self.progress.quarantine(record.reason)

    def expect(self, total: int | None) -> None:
        """The producer knows how many items it will go through (rows made plus records quarantined)."""
        if self.progress is not None:
            self.progress.expect(total)

    def stamp(self, row: dict[str, Any]) -> dict[str, Any]:
        row["code_version"] = self.code_version
        row["run_id"] = self.run_id
        return row


class StageError(RuntimeError):
    """The stage cannot go on for this partition (a missing upstream, an unreadable settings file, a
    file in no known format); the message says what is wrong and where. The orchestration turns it
    into a failed step, so the partition fails alone and the store keeps its earlier parts."""
