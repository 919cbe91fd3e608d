"""Both cores busy: whole-graph audio seconds per wall second of `synth backfill` on the sample, with one
worker and with two partitions side by side, and Dagster's overhead per partition.

    python -m benchmarks.scale_bench [--workers 1 2] [--cores N] [--voices default|fast] [--source S] [--snapshot S]

Each setting runs from scratch (fresh storage and instance). The audio counted is what the graph
voices: the clips of tts_audio and the conversations of the three dialogue stages (augmented copies
and the release's repackaging are not counted again). Overhead per partition is the runs' wall time
minus the wall time of their steps, divided by the partitions: run start-up, event writes, resource
set-up, step launch. ``--voices fast`` swaps the Kokoro user voices (about 1.5 wall seconds per audio
second on one core) for Piper and flite ones. ``--cores 1`` pins a setting to one core (the backfill
sees one usable core: one engine thread, no TTS worker pool): the baseline the second core is judged
against, since one partition worker on two cores already runs its TTS pool and its steps side by side. The machine is shared: run it when nothing
else is (`uptime`).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# No Kokoro: both genders, RTF 0.02-0.1. Not espeak-ng: its clips fail the round-trip WER check.
FAST_USER_VOICES = "piper-joe,flite-slt,flite-rms"


def run_one(work: Path, workers: int, source: str | None, snapshot: str | None, voices: str,
            cores: int | None = None) -> dict:
    """One backfill in a fresh process (a clean environment per setting), measured inside it, pinned
    to the first ``cores`` usable cores when given."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    env = {**os.environ, "DAGSTER_HOME": str(work / "home"), "SYNTH_MLFLOW": "0"}
    if voices == "fast":
        env["SYNTH_USER_VOICES"] = FAST_USER_VOICES
    args = [sys.executable, "-m", "benchmarks.scale_bench", "--measure", str(workers), "--work", str(work)]
    args += ["--source", source] if source else []
    args += ["--snapshot", snapshot] if snapshot else []
    pinned = sorted(os.sched_getaffinity(0))[:cores] if cores else None
    done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True,
                          preexec_fn=(lambda: os.sched_setaffinity(0, pinned)) if pinned else None)
    if done.returncode:
        raise SystemExit(f"backfill with {workers} workers failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(work: Path, workers: int, source: str | None, snapshot: str | None) -> dict:
    from dagster import DagsterInstance

    from resources.storage import LocalStorage
    from synth_assets.core import names, parts
    from synth_assets.drivers.backfill import landing_keys, run_backfill, select_partitions
    from synth_assets.drivers.runner import ensure_instance

    os.environ["SYNTH_DATA_ROOT"] = str(work / "data")
    ensure_instance()
    keys = select_partitions(landing_keys(), snapshot=snapshot, source=source)
    result = run_backfill(keys, workers=workers, release=False, log=lambda m: print(m, file=sys.stderr))
    store = LocalStorage(root=str(work / "data"))
    audio = {asset: sum(r["duration_s"] for k in keys for r in parts.read_rows(store, asset, k, columns=["duration_s"]))
             for asset in (names.TTS_AUDIO, *names.CONVERSATION_ASSETS)}
    run_wall, stages = run_and_step_seconds(DagsterInstance.get(), result.run_ids)
    step_wall = sum(stages.values())
    return {"workers": workers, "cores": len(os.sched_getaffinity(0)), "partitions": len(keys),
            "failed": len(result.failed),
            "wall_s": round(result.wall_seconds, 1), "audio_s": round(sum(audio.values()), 1),
            "clip_audio_s": round(audio[names.TTS_AUDIO], 1),
            "audio_s_per_wall_s": round(sum(audio.values()) / result.wall_seconds, 2),
            "overhead_s_per_partition": round((run_wall - step_wall) / max(1, len(keys)), 2),
            "load_average": os.getloadavg()[0], "stage_seconds": stages}


def run_and_step_seconds(instance, run_ids: list[str]) -> tuple[float, dict[str, float]]:
    """The runs' wall seconds (first event to last, summed), and each stage's step seconds (summed)."""
    from dagster import DagsterEventType

    run_wall, stages = 0.0, {}
    for run_id in run_ids:
        starts, first, last = {}, None, None
        for record in instance.all_logs(run_id):
            event = record.dagster_event
            if event is None:
                continue
            first = record.timestamp if first is None else first
            last = record.timestamp
            if event.event_type == DagsterEventType.STEP_START:
                starts[event.step_key] = record.timestamp
            elif event.event_type in (DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE):
                seconds = record.timestamp - starts.pop(event.step_key, record.timestamp)
                stages[event.step_key] = round(stages.get(event.step_key, 0.0) + seconds, 1)
        run_wall += (last or 0) - (first or 0)
    return run_wall, stages


def print_stages(rows: list[dict]) -> None:
    """Step seconds per stage for each setting (summed over partitions: with 2 workers they overlap)."""
    stages = sorted({s for r in rows for s in r["stage_seconds"]}, key=lambda s: -rows[0]["stage_seconds"].get(s, 0))
    print(f"{'stage step s':<26}" + "".join(f"{'w=' + str(r['workers']):>9}" for r in rows))
    for stage in stages:
        print(f"{stage:<26}" + "".join(f"{r['stage_seconds'].get(stage, 0.0):>9}" for r in rows))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--source")
    parser.add_argument("--snapshot")
    parser.add_argument("--cores", type=int, help="pin each setting to this many cores")
    parser.add_argument("--voices", choices=["default", "fast"], default="default")
    parser.add_argument("--work", default=str(ROOT / ".bench" / "scale"))
    parser.add_argument("--measure", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(Path(args.work), args.measure, args.source, args.snapshot)))
        return
    rows = [run_one(Path(args.work) / f"w{n}", n, args.source, args.snapshot, args.voices, args.cores)
            for n in args.workers]
    print(f"scale bench on {os.cpu_count()} cores ({args.voices} voices, sample landing"
          f"{', source ' + args.source if args.source else ''}"
          f"{', snapshot ' + args.snapshot if args.snapshot else ''})")
    print(f"{'workers':>8}{'cores':>6}{'parts':>7}{'failed':>8}{'wall s':>9}{'audio s':>9}{'clips s':>9}{'audio s/s':>11}"
          f"{'overhead s/part':>17}{'load':>7}")
    for r in rows:
        print(f"{r['workers']:>8}{r['cores']:>6}{r['partitions']:>7}{r['failed']:>8}{r['wall_s']:>9}{r['audio_s']:>9}{r['clip_audio_s']:>9}"
              f"{r['audio_s_per_wall_s']:>11}{r['overhead_s_per_partition']:>17}{r['load_average']:>7.1f}")
    print_stages(rows)
    if len(rows) > 1:
        print(f"speed-up {rows[-1]['workers']} workers over {rows[0]['workers']}: "
              f"{rows[0]['wall_s'] / rows[-1]['wall_s']:.2f}x")


if __name__ == "__main__":
    main()
