"""Sample data for the release tests (a module, not a conftest: other test folders import `conftest` by name).

A small speech_dataset written straight into a store: clips, an augmented clip, conversations in
both channel layouts and a recording utterance, with audio a test can recognise (a tone per sample)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from synth_assets.core import names, parts
from synth_assets.core.audio import SAMPLE_RATE, to_flac
from synth_assets.core.audio_quality import flac_quality
from synth_assets.core.stage_run import StageRun
from synth_assets.core.storage import LocalStore
from synth_assets.dialogues.render import voiced_rows
from synth_assets.dialogues.scripts import safety_scripts
from synth_assets.release.rows import RELEASE_SCHEMA


def tone(seconds: float, hz: float, rate: int = SAMPLE_RATE) -> np.ndarray:
    """A voiced-sounding tone: on for 0.4 s, off for 0.1 s."""
    t = np.arange(int(seconds * rate)) / rate
    return (0.3 * np.sin(2 * np.pi * hz * t) * ((t % 0.5) < 0.4)).astype(np.float32)


def row(sample_id: str, kind: str, audio: np.ndarray, partition: str = "wikipedia/2026-11-01/a", **extra) -> dict:
    data = to_flac(audio)
    base = {"id": sample_id, "kind": kind, "parent_id": f"parent-{sample_id}", "stage": names.SPEECH_DATASET,
            "partition": partition, "source": partition.split("/")[0], "snapshot": partition.split("/")[1],
            "source_document": f"doc-{sample_id}", "text": f"words of {sample_id}", "voice_id": "hibari-heart",
            "text_license": "CC-BY-SA-4.0", "sample_rate": SAMPLE_RATE, "channels": audio.ndim,
            "duration_s": audio.shape[0] / SAMPLE_RATE, "lineage": "{}", "made_by_run": "run-1",
            "made_by_code": f"{kind}-v1", "audio": data, **flac_quality(data)}
    base.update(extra)
    return base


LABELS = {"backchannels": [{"role": "assistant", "spoken": "Mm-hm.", "start": 0.5, "end": 0.7}],
          "turn_taking": {"transitions": [{"kind": "fto", "seconds": 0.2}], "hesitations": []},
          "overlap_s": 0.0, "interruptions": 0, "duplex": {"ftos": [0.2], "unlabelled_speech_s": 0.0}}


def conversation(sample_id: str, layout: str | None, partition: str = "wikipedia/2026-11-01/a") -> dict:
    """User speaks 0-1 s at 300 Hz, assistant 1.2-2.2 s at 600 Hz, on the channels ``layout`` names;
    the newer layout carries the turn-taking labels (``LABELS``), the older one predates them."""
    user, assistant = np.zeros(int(2.4 * SAMPLE_RATE), np.float32), np.zeros(int(2.4 * SAMPLE_RATE), np.float32)
    user[: SAMPLE_RATE] = tone(1.0, 300)
    assistant[int(1.2 * SAMPLE_RATE): int(2.2 * SAMPLE_RATE)] = tone(1.0, 600)
    stereo = np.stack([assistant, user] if layout == "assistant,user" else [user, assistant], axis=1)
    turns = [{"role": "user", "spoken": "is the sky green", "start": 0.0, "end": 1.0},
             {"role": "assistant", "spoken": "no it is blue", "start": 1.2, "end": 2.2}]
    text = " / ".join(f"{t['role']}: {t['spoken']}" for t in turns)
    labels = {} if layout is None else {k: json.dumps(v) if isinstance(v, (dict, list)) else v
                                        for k, v in LABELS.items()}
    return row(sample_id, "safety", stereo, partition, text=text, turns=json.dumps(turns),
               assistant_voice="hibari-heart", channel_layout=layout, **labels)


def clip(sample_id: str, hz: float = 440.0, partition: str = "wikipedia/2026-11-01/a", **extra) -> dict:
    words = json.dumps([{"word": "words", "start": 0.1, "end": 0.4}, {"word": "of", "start": 0.5, "end": 0.6}])
    return row(sample_id, "clip", tone(1.5, hz), partition, transcript=f"words of {sample_id}", wer=0.0,
               words=words, **extra)


def write_dataset(store, rows: list[dict]) -> None:
    parts.write_parts(store, names.SPEECH_DATASET, None, rows, fingerprint_value="fp-test", schema=RELEASE_SCHEMA)


def standard_rows() -> list[dict]:
    return [clip("clip-a", 440), clip("clip-b", 520), clip("clip-c", 330, "stackexchange/2026-11-01/b"),
            row("aug-a", "augmented", tone(1.5, 440) + 0.01 * np.sin(np.arange(36000) / 3.0).astype(np.float32)),
            conversation("dlg-old", None), conversation("dlg-new", "assistant,user"),
            row("rec-a", "recording", tone(2.0, 250), "support-calls/2026-11@part-000", channel="left",
                start_s=3.0, end_s=5.0, transcript="a real caller", text="a real caller", confidence=0.9)]


@pytest.fixture(name="store")
def store_fixture(tmp_path):
    """A store holding standard_rows() as speech_dataset (test modules import this to use ``store``)."""
    store = LocalStore(tmp_path / "data")
    write_dataset(store, standard_rows())
    return store


def voiced_conversations(store, policy, count: int = 2, partition: str = "wikipedia/2026-11-01/a") -> list[dict]:
    """Safety conversations voiced for real by ``policy`` and stored as safety_dialogues, as the
    release reads them: with each channel's word times, the user gender and the augmented audio."""
    stage = StageRun(names.SAFETY_DIALOGUES, partition, "run-1", "safety-test")
    rows = [stage.stamp(r) for r in voiced_rows(stage, safety_scripts(partition, count), policy,
                                                 lambda s: s.parent_id, allow_barge_in=False)]
    parts.write_parts(store, names.SAFETY_DIALOGUES, partition, rows, fingerprint_value="fixture")
    return rows
