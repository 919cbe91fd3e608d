"""augmented_clips' work on real clips: a recipe per clip, recorded; light recipes heard back by
Whisper within a few points of the clean clip (augmentation keeps the label)."""

from __future__ import annotations

import json
import math

from quality.metrics import wer
from resources.storage import LocalStorage
from synth_assets.asr.transcriber import Transcriber
from synth_assets.augment.clips import augment_partition
from synth_assets.core import names, parts
from synth_assets.core.audio import to_flac
from synth_assets.core.stage_run import StageRun
from synth_assets.tts.policy import VoicePolicy

KEY = "tests/2026-11-01/aug.jsonl"
SENTENCES = ["The river runs past the old mill every spring.", "Please bring a warm coat for the walk tonight.",
             "Our garden has roses, tulips and a small apple tree.", "The train to the coast leaves at noon."]


def test_each_clip_gets_one_recipe_and_light_recipes_keep_the_label(tmp_path):
    store = LocalStorage(root=str(tmp_path))
    policy, transcriber = VoicePolicy(workers=1), Transcriber()
    clips, labels = [], []
    for index, text in enumerate(SENTENCES):
        audio = policy.synthesize("hibari-heart", text, seed=index)
        lineage = {"source": "tests", "snapshot": "2026-11-01", "role": "narration", "document_id": "doc",
                   "license": "CC0"}
        clips.append({"id": f"clip-{index}", "parent_id": f"spo-{index}", "stage": names.TTS_AUDIO, "text": text,
                      "voice_id": "hibari-heart", "audio": to_flac(audio), **lineage})
        heard = transcriber.transcribe(audio, 24_000).text  # the clean clip's own round trip
        labels.append({"id": f"lab-{index}", "parent_id": f"clip-{index}", "wer": wer(text, heard), "transcript": heard})
    parts.write_parts(store, names.TTS_AUDIO, KEY, clips, fingerprint_value="fixture")
    parts.write_parts(store, names.PSEUDO_LABELS, KEY, labels, fingerprint_value="fixture")
    stage = StageRun(names.AUGMENTED_CLIPS, KEY, "run", "v")
    rows = list(augment_partition(stage, store, KEY, 0.25, ("telephone", "clean", "moshi-user"),
                                  transcriber=transcriber))
    assert len(rows) == len(SENTENCES) and not stage.quarantined
    assert [r["parent_id"] for r in rows] == [c["id"] for c in clips]  # in the clips' order, heard or not
    assert {r["recipe"] for r in rows} >= {"moshi-user"} and {r["recipe"] for r in rows} - {"moshi-user"}
    for row in rows:
        recorded = json.loads(row["params"])
        assert recorded["recipe"] == row["recipe"] and recorded["version"] == row["recipe_version"]
        assert row["augmentations"].startswith(f"{row['recipe']}@{row['recipe_version']}:")
        if row["recipe"] == "moshi-user":
            assert math.isnan(row["wer"])  # heavy recipes are not held to the clean WER
        else:
            assert row["wer"] - row["clean_wer"] <= 0.1, (row["recipe"], row["text"])
    rerun = list(augment_partition(StageRun(names.AUGMENTED_CLIPS, KEY, "run", "v"), store, KEY, 0.25,
                                   ("telephone", "clean", "moshi-user")))
    assert [r["audio"] for r in rerun] == [r["audio"] for r in rows]  # seeded: the same clips again


def test_an_unknown_recipe_fails_the_stage_naming_it_and_the_known_ones(tmp_path):
    import pytest

    from synth_assets.core.stage_run import StageError

    stage = StageRun(names.AUGMENTED_CLIPS, KEY, "run", "v")
    with pytest.raises(StageError, match=r"unknown augmentation recipes \['radio'\]; known: .*telephone"):
        list(augment_partition(stage, LocalStorage(root=str(tmp_path)), KEY, 0.25, ("radio", "telephone"),
                               transcriber=Transcriber()))
