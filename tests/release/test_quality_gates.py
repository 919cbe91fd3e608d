"""Every sample's audio quality measured; a failing one quarantined with the reason, the rest kept."""

from __future__ import annotations

import json

import numpy as np

from synth_assets.core.audio_quality import Thresholds, clip_quality
from synth_assets.core.stage_run import StageRun
from synth_assets.release.quality import gate, mos_budget, mos_sample
from tests.release.samples import clip, conversation, row, tone


def test_a_clean_tone_passes_and_clipped_silent_or_noisy_audio_fails_with_its_reason():
    noise = np.random.default_rng(0).standard_normal(36000).astype(np.float32)
    rows = [clip("good"), row("clipped", "clip", np.clip(tone(1.5, 440) * 10, -1, 1)),
            row("silent", "clip", np.zeros(36000, np.float32)),
            row("drowned", "clip", tone(1.5, 440) * 0.05 + noise * 0.3),
            {**clip("broken"), "audio": b"not flac"}]
    stage = StageRun("speech_dataset", None, "run-1", "v")
    kept = list(gate(stage, rows))
    assert [r["id"] for r in kept] == ["good"]
    assert kept[0]["peak_dbfs"] > -20 and kept[0]["clipping_ratio"] == 0 and kept[0]["snr_db"] > 20
    reasons = {q.position: q.reason for q in stage.quarantined}
    assert "clipping ratio" in reasons["clipped"]
    assert "near silent" in reasons["silent"]
    assert "SNR" in reasons["drowned"]
    assert "does not decode" in reasons["broken"]


def test_thresholds_come_from_configuration():
    stage = StageRun("speech_dataset", None, "run-1", "v")
    assert list(gate(stage, [clip("good")], Thresholds(max_silence_ratio=0.01))) == []
    assert "silence ratio" in stage.quarantined[0].reason


def test_a_conversation_is_judged_per_channel_and_on_both_together():
    quality = json.loads(next(iter(gate(StageRun("d", None, "r", "v"), [conversation("c", None)])))["quality_by_channel"])
    assert len(quality) == 2 and all(c["silence_ratio"] > 0.4 for c in quality)  # each speaks half the time
    together = clip_quality(np.stack([tone(1, 300), np.zeros(24000, np.float32)], 1), 24000)
    assert together["silence_ratio"] < 0.3


def test_the_mos_sample_is_the_same_whatever_the_row_order_and_grows_with_the_audio():
    ids = [f"id-{i}" for i in range(1000)]
    assert mos_sample(ids, 10) == mos_sample(list(reversed(ids)), 10)
    assert mos_budget(audio_seconds=3000, samples=1000) == 10
    assert mos_budget(audio_seconds=30, samples=10) == 3 and mos_budget(audio_seconds=30, samples=2) == 2
