"""A pseudo_labels recompute keeps the stored label of every clip whose inputs did not change, so its
release decision cannot flip; a changed or new clip is transcribed again."""

from __future__ import annotations

import pytest

from benchmarks.asr_packing_bench import SENTENCES
from resources.asr import WhisperASR
from resources.storage import LocalStorage
from synth_assets.core import parts
from synth_assets.core.audio import to_flac
from synth_assets.tts.policy import VoicePolicy

pytestmark = pytest.mark.slow

KEY = "tests/2026-11-01/labels.jsonl"
KEPT_COLUMNS = ("id", "parent_id", "transcript", "words", "wer", "cer", "params")


def clip_row(name: str, text: str, seed: int) -> dict:
    audio = VoicePolicy().synthesize("hibari-heart", text, seed=seed)
    return {"id": f"tts-{name}", "parent_id": f"spo-{name}", "stage": "tts_audio", "role": "user",
            "source": "tests", "snapshot": "2026-11-01", "document_id": "doc", "license": "CC0",
            "voice_id": "hibari-heart", "duration_s": round(audio.size / 24_000, 3), "text": text,
            "audio": to_flac(audio)}


def label_partition(store: LocalStorage, clips: list[dict], version: str) -> dict:
    """tts_audio's stored parts replaced by ``clips``, then one real materialization of pseudo_labels."""
    from dagster import DagsterInstance, materialize

    from synth_assets.assets.speech import pseudo_labels

    parts.write_parts(store, "tts_audio", KEY, clips, fingerprint_value=version)
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("crawl_shards", [KEY])
    result = materialize([pseudo_labels], partition_key=KEY, instance=instance,
                         resources={"store": store, "asr": WhisperASR()})
    (event,) = result.asset_materializations_for_node("pseudo_labels")
    return {key: getattr(value, "value", value) for key, value in event.metadata.items()}


def labels(store: LocalStorage) -> list[dict]:
    return [{c: row[c] for c in KEPT_COLUMNS} for row in parts.read_table(store, "pseudo_labels", KEY).to_pylist()]


def test_an_unchanged_clip_keeps_its_stored_label_and_a_changed_one_is_transcribed_again(tmp_path):
    store = LocalStorage(root=str(tmp_path / "data"))
    clips = [clip_row(str(i), SENTENCES[i], seed=i) for i in range(4)]
    first_run = label_partition(store, clips, "v1")
    before = {row["parent_id"]: row for row in labels(store)}
    assert (first_run["clips_transcribed"], first_run["labels_kept"]) == (4, 0)

    # Clip 2 is voiced anew (other audio, same text) and a new clip comes first: the windows Whisper
    # packs are all different now, yet the three unchanged clips keep their labels as stored.
    changed = [clip_row("new", SENTENCES[5], seed=5), *clips[:2], clip_row("2", SENTENCES[2], seed=77), clips[3]]
    second_run = label_partition(store, changed, "v2")
    after = labels(store)
    assert (second_run["clips_transcribed"], second_run["labels_kept"]) == (2, 3)
    assert [row["parent_id"] for row in after] == [clip["id"] for clip in changed]  # in clip order
    by_clip = {row["parent_id"]: row for row in after}
    assert all(by_clip[f"tts-{i}"] == before[f"tts-{i}"] for i in (0, 1, 3))
    assert by_clip["tts-2"]["params"] != before["tts-2"]["params"]  # its audio hash changed

    # Other ASR settings are other inputs: every clip is transcribed again.
    from dagster import DagsterInstance, materialize

    from synth_assets.assets.speech import pseudo_labels

    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("crawl_shards", [KEY])
    result = materialize([pseudo_labels], partition_key=KEY, instance=instance,
                         resources={"store": store, "asr": WhisperASR(pack_seconds=0)})
    (event,) = result.asset_materializations_for_node("pseudo_labels")
    assert event.metadata["labels_kept"].value == 0 and event.metadata["clips_transcribed"].value == 5
