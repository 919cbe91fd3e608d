"""Labels a partition's stored parts already hold, so a recompute keeps them instead of transcribing
the clips again.

Whisper packs several clips into one 30 s window, so a clip's transcript depends on its neighbours:
transcribed again after another clip of the partition changed, a borderline clip could get other
words and cross the release's WER threshold. A clip whose inputs did not change therefore keeps its
stored label, and with it its release decision. A label is kept when its id (clip id, model, beam
size), the clip's audio hash, the reference text, the ASR settings and the code version all match.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from synth_assets.core import names, parts
from synth_assets.core.storage import Store

RESTAMPED = ("code_version", "run_id")  # stamped again by the stage that reuses the row


def audio_hash(audio: bytes) -> str:
    return hashlib.sha256(audio).hexdigest()[:16]


def settings_hash(output_settings: Any) -> str:
    return hashlib.sha256(json.dumps(output_settings, default=str).encode()).hexdigest()[:16]


def reuse_key(label_id: str, audio: str, reference: str, settings: str) -> tuple[str, str, str, str]:
    return label_id, audio, reference, settings


class PreviousLabels:
    """The partition's stored label rows of ``code_version``, read once (they hold no audio):
    ``find(label_id, audio_hash, reference, settings_hash)`` gives the stored row, or None."""

    def __init__(self, store: Store, partition: str | None, code_version: str):
        self._rows: dict[tuple[str, str, str, str], dict[str, Any]] = {}
        for row in parts.read_rows(store, names.PSEUDO_LABELS, partition):
            lineage = json.loads(row.get("params") or "{}")
            if row.get("code_version") != code_version or "audio_sha256" not in lineage:
                continue
            key = reuse_key(row["id"], lineage["audio_sha256"], row["reference"], lineage.get("asr_settings", ""))
            self._rows[key] = {k: v for k, v in row.items() if k not in RESTAMPED}

    def __len__(self) -> int:
        return len(self._rows)

    def find(self, label_id: str, audio: str, reference: str, settings: str) -> dict[str, Any] | None:
        stored = self._rows.get(reuse_key(label_id, audio, reference, settings))
        return dict(stored) if stored is not None else None
