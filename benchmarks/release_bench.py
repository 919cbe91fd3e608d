"""`python -m benchmarks.release_bench`: what releases cost.

1. Quality checks as a share of pipeline time: the per-sample gate (FLAC decode, peak, clipping,
   silence, SNR) and DNSMOS on the seeded sample, in wall seconds per audio second, against the
   whole graph's throughput from `synth bench` (--pipeline-audio-per-second, default the README's
   last run: 10.8 audio seconds per wall second on this 2-core machine).
2. Export speed per format, in audio hours per wall minute, on a synthetic release of clips and
   two-channel conversations.
3. `synth lineage ID` latency on a synthetic store of 100k samples (documents, segments, spoken
   text, clips, augmented clips: 20k each), as a fresh `synth` process and in process, and
   `--downstream` from a document and from a voice.
Everything is built under --work (default ./.bench/release), which it deletes first.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from synth_assets.core import names, parts
from synth_assets.core.audio import SAMPLE_RATE, to_flac
from synth_assets.core.audio_quality import flac_quality
from synth_assets.core.storage import LocalStore
from synth_assets.release.lineage import LineageStore
from synth_assets.release.quality import mos_budget
from synth_assets.release.rows import RELEASE_SCHEMA

README_PIPELINE_AUDIO_PER_SECOND = 10.8


def speechlike(seconds: float, seed: int) -> np.ndarray:
    """Harmonics under a syllable-rate envelope, with a little noise: cheap, and not a pure tone."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    f0 = rng.uniform(100, 220)
    voice = sum(np.sin(2 * np.pi * f0 * k * t) / k for k in range(1, 6))
    envelope = np.clip(np.sin(2 * np.pi * rng.uniform(2, 4) * t), 0, None)
    return (0.15 * voice * envelope + 0.002 * rng.standard_normal(t.size)).astype(np.float32)


def synthetic_dataset(store: LocalStore, clips: int, conversations: int) -> float:
    """speech_dataset rows: ``clips`` of 3-9 s and ``conversations`` of ~20 s; returns audio seconds."""
    rows, total = [], 0.0
    for i in range(clips):
        audio = speechlike(3 + (i % 7), i)
        data = to_flac(audio)
        rows.append(_row(f"clip-{i:05d}", "clip", audio, data, text=f"clip number {i}",
                         words=json.dumps([{"word": "clip", "start": 0.1, "end": 0.4}])))
        total += audio.size / SAMPLE_RATE
    for i in range(conversations):
        user, assistant = speechlike(20, 10_000 + i), speechlike(20, 20_000 + i)
        user[SAMPLE_RATE * 10:] = 0
        assistant[: SAMPLE_RATE * 10] = 0
        stereo = np.stack([user, assistant], axis=1)
        turns = [{"role": "user", "spoken": "a question in ten seconds", "start": 0.0, "end": 10.0},
                 {"role": "assistant", "spoken": "an answer of about ten seconds", "start": 10.0, "end": 20.0}]
        rows.append(_row(f"dlg-{i:05d}", "safety", stereo, to_flac(stereo), turns=json.dumps(turns),
                         text="user: a question / assistant: an answer", assistant_voice="hibari-heart"))
        total += 20
    parts.write_parts(store, names.SPEECH_DATASET, None, rows, fingerprint_value="bench", schema=RELEASE_SCHEMA)
    return total


def _row(sample_id, kind, audio, data, **extra) -> dict:
    return {"id": sample_id, "kind": kind, "parent_id": f"p-{sample_id}", "stage": names.SPEECH_DATASET,
            "partition": "bench/2026-11-01/a", "source": "bench", "snapshot": "2026-11-01",
            "source_document": f"doc-{sample_id}", "voice_id": "hibari-heart", "text_license": "CC0-1.0",
            "sample_rate": SAMPLE_RATE, "channels": audio.ndim, "duration_s": audio.shape[0] / SAMPLE_RATE,
            "lineage": "{}", "made_by_run": "bench", "made_by_code": "bench", "audio": data,
            **flac_quality(data), **extra}


def measure_quality(store: LocalStore, audio_seconds: float, pipeline_audio_per_second: float) -> dict:
    rows = parts.read_table(store, names.SPEECH_DATASET, None, columns=["id", "audio"]).to_pylist()
    started, cpu = time.perf_counter(), time.process_time()
    for row in rows:
        flac_quality(row["audio"])
    gate_seconds, gate_cpu = time.perf_counter() - started, time.process_time() - cpu

    from quality.mos import dnsmos
    from synth_assets.core.audio import from_flac

    dnsmos(np.zeros(SAMPLE_RATE, np.float32) + 0.01, SAMPLE_RATE)  # load the sessions outside the timing
    mono = [r for r in rows if r["id"].startswith("clip")][:10]
    started, cpu = time.perf_counter(), time.process_time()
    for row in mono:
        audio, rate = from_flac(row["audio"])
        dnsmos(audio, rate)
    mos_per_clip = (time.perf_counter() - started) / len(mono)
    mos_cpu_per_clip = (time.process_time() - cpu) / len(mono)
    mos_clips = mos_budget(audio_seconds, len(rows))
    pipeline_seconds = audio_seconds / pipeline_audio_per_second
    return {
        "samples": len(rows), "audio_seconds": round(audio_seconds, 1),
        "gate_seconds": round(gate_seconds, 3), "gate_ms_per_audio_second": round(1000 * gate_seconds / audio_seconds, 3),
        "dnsmos_seconds_per_clip": round(mos_per_clip, 3), "dnsmos_sampled_clips": int(mos_clips),
        "dnsmos_seconds_on_sample": round(mos_clips * mos_per_clip, 2),
        "dnsmos_every_clip_seconds": round(len(rows) * mos_per_clip, 2),
        "pipeline_seconds_for_this_audio": round(pipeline_seconds, 1),
        "share_gate": round(gate_seconds / pipeline_seconds, 4),
        "share_gate_plus_mos_sample": round((gate_seconds + mos_clips * mos_per_clip) / pipeline_seconds, 4),
        "share_if_mos_on_every_clip": round((gate_seconds + len(rows) * mos_per_clip) / pipeline_seconds, 4),
        # CPU seconds: what the work costs when the machine is not shared (the pipeline figure was
        # measured on a quiet run; wall times here are inflated by other processes).
        "gate_cpu_seconds": round(gate_cpu, 3), "dnsmos_cpu_seconds_per_clip": round(mos_cpu_per_clip, 3),
        "share_cpu_gate_plus_mos_sample": round((gate_cpu + mos_clips * mos_cpu_per_clip) / pipeline_seconds, 4),
        "load_average_1min": round(os.getloadavg()[0], 1),
    }


def measure_exports(store: LocalStore, work: Path) -> list[dict]:
    from synth_assets.release.export import EXPORTERS, export_release
    from synth_assets.release.versions import create_release

    release = create_release(store, "bench", rate_mos=False)
    results = []
    for fmt in EXPORTERS:
        report = export_release(store, "bench", fmt, work / "exports" / fmt)
        results.append({"format": fmt, "samples": report.samples, "audio_hours": round(report.audio_hours, 3),
                        "seconds": round(report.seconds, 2), "audio_hours_per_minute": round(report.hours_per_minute, 2)})
    return [{"release_hours": release.hours}, *results]


def synthetic_lineage_store(store: LocalStore, per_stage: int, partitions: int = 10) -> int:
    """A chain document -> segment -> spoken -> clip -> augmented, ``per_stage`` rows in each."""
    chain = [(names.CRAWL_SNAPSHOT, "doc", None), (names.TEXT_SEGMENTS, "seg", "doc"), (names.SPOKEN_TEXT, "spk", "seg"),
             (names.TTS_AUDIO, "clip", "spk"), (names.AUGMENTED_CLIPS, "aug", "clip")]
    voices = ["hibari-heart", "piper-joe"]
    for asset, prefix, parent in chain:
        for p in range(partitions):
            partition = f"bench/2026-11-01/part-{p:03d}"
            ids = range(p * per_stage // partitions, (p + 1) * per_stage // partitions)
            rows = [{"id": f"{prefix}-{i:06d}", "parent_id": f"{parent}-{i:06d}" if parent else None, "stage": asset,
                     "params": json.dumps({"voice": voices[i % 2]} if prefix == "clip" else {}), "code_version": "v1",
                     "run_id": "bench", "source": "bench", "snapshot": "2026-11-01",
                     "voice_id": voices[i % 2] if prefix in ("clip", "aug") else None,
                     "text": f"sample {i}", "revision_id": str(1000 + i) if prefix == "doc" else None}
                    for i in ids]
            parts.write_parts(store, asset, partition, rows, fingerprint_value="bench")
    return per_stage * len(chain)


def measure_lineage(work: Path, per_stage: int) -> dict:
    store = LocalStore(work / "lineage-data")
    samples = synthetic_lineage_store(store, per_stage)
    lineage = LineageStore(work / "lineage-data" / "lineage.duckdb")
    started = time.perf_counter()
    rows = lineage.rebuild(store)
    rebuild = time.perf_counter() - started
    target = f"aug-{per_stage // 2:06d}"
    started = time.perf_counter()
    chain = lineage.walk(target)
    walk = time.perf_counter() - started
    started = time.perf_counter()
    from_document = lineage.downstream(f"doc-{per_stage // 3:06d}")
    downstream_doc = time.perf_counter() - started
    started = time.perf_counter()
    from_voice = lineage.downstream("piper-joe", limit=1000)
    downstream_voice = time.perf_counter() - started
    cli = []
    for _ in range(3):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "synth_assets.cli", "--data", str(work / "lineage-data"), "lineage",
                        target], check=True, capture_output=True, env={**os.environ, "SYNTH_MLFLOW": "0"})
        cli.append(time.perf_counter() - started)
    return {"samples": samples, "lineage_rows": rows, "rebuild_seconds": round(rebuild, 2),
            "walk_depth": len(chain), "walk_ms_in_process": round(1000 * walk, 1),
            "downstream_document_rows": len(from_document), "downstream_document_ms": round(1000 * downstream_doc, 1),
            "downstream_voice_rows": len(from_voice), "downstream_voice_ms": round(1000 * downstream_voice, 1),
            "cli_seconds_best_of_3": round(min(cli), 3), "cli_seconds_runs": [round(c, 3) for c in cli]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--work", default=".bench/release")
    parser.add_argument("--clips", type=int, default=400)
    parser.add_argument("--conversations", type=int, default=40)
    parser.add_argument("--lineage-per-stage", type=int, default=20_000)
    parser.add_argument("--pipeline-audio-per-second", type=float, default=README_PIPELINE_AUDIO_PER_SECOND)
    args = parser.parse_args()
    work = Path(args.work)
    shutil.rmtree(work, ignore_errors=True)
    store = LocalStore(work / "data")
    audio_seconds = synthetic_dataset(store, args.clips, args.conversations)
    report = {"quality": measure_quality(store, audio_seconds, args.pipeline_audio_per_second),
              "exports": measure_exports(store, work), "lineage": measure_lineage(work, args.lineage_per_stage)}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
