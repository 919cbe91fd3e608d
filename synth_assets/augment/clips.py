"""augmented_clips' work: clips that pass the round-trip WER filter, degraded by the augmentation
chain; a clip that fails the filter (or has no label) is quarantined with what was said and heard."""

from __future__ import annotations

from typing import Any, Iterator

from synth_assets.augment.chain import CHAIN_VERSION, augment
from synth_assets.core import names, parts
from synth_assets.core.audio import SAMPLE_RATE, from_flac, to_flac
from synth_assets.core.records import LINEAGE_COLUMNS, Quarantined, params, seed_from_id, stable_id
from synth_assets.core.stage_run import StageRun
from synth_assets.core.storage import Store


def augment_partition(stage: StageRun, store: Store, partition: str, max_wer: float) -> Iterator[dict[str, Any]]:
    labels = {r["parent_id"]: r for r in parts.read_rows(store, names.PSEUDO_LABELS, partition,
                                                       columns=["parent_id", "wer", "transcript"])}
    for row in parts.read_rows(store, names.TTS_AUDIO, partition):
        label = labels.get(row["id"])
        if label is None or label["wer"] > max_wer:
            stage.quarantine(Quarantined(
                stage=names.AUGMENTED_CLIPS, file=row["id"], position="round trip",
                reason=f"round-trip WER {label['wer'] if label else 'missing'} over {max_wer}",
                raw=f"said: {row['text'][:140]} | heard: {(label or {}).get('transcript', '')[:140]}"))
            continue
        seed = seed_from_id(row["id"], CHAIN_VERSION)
        audio, chain = augment(from_flac(row["audio"])[0], seed)
        yield {
            "id": stable_id(names.AUGMENTED_CLIPS, row["id"], CHAIN_VERSION, seed),
            "parent_id": row["id"], "stage": names.AUGMENTED_CLIPS,
            "params": params(chain_version=CHAIN_VERSION, seed=seed, chain=chain),
            **{k: row[k] for k in LINEAGE_COLUMNS},
            "text": row["text"], "voice_id": row["voice_id"], "sample_rate": SAMPLE_RATE,
            "duration_s": round(audio.size / SAMPLE_RATE, 3),
            "augmentations": ",".join(step["transform"] for step in chain),
            "audio": to_flac(audio),
        }
