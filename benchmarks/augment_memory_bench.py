"""`python -m benchmarks.augment_memory_bench`: the memory augmented_clips needs, against partition size.

A partition of N synthetic speech-like clips (3-9 s) with their labels is written to a fresh store, and
augment_partition runs over it in a fresh process: the augmentation alone, and with ``--whisper``
Whisper tiny.en hearing the light recipes' clips back as in the pipeline (slow: Whisper makes up
words on these tones). Reported: the audio in the partition, the wall time, the process's RSS
before the stage ran (modules and model loaded) and its peak RSS over that. A stage that holds the
partition grows with N; one that streams stays flat.

    python -m benchmarks.augment_memory_bench [--clips 200 800] [--whisper] [--work .bench/augment-memory]
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.release_bench import speechlike

ROOT = Path(__file__).resolve().parents[1]
KEY = "bench/2026-11-01/clips.jsonl"


def write_partition(root: Path, clips: int) -> float:
    """``clips`` tts_audio rows and their pseudo-labels (all passing the round trip); audio seconds."""
    from resources.storage import LocalStorage
    from synth_assets.core import names, parts
    from synth_assets.core.audio import SAMPLE_RATE, to_flac

    store, seconds = LocalStorage(root=str(root)), 0.0
    lineage = {"source": "bench", "snapshot": "2026-11-01", "role": "narration", "document_id": "doc",
               "license": "CC0"}

    def rows():
        nonlocal seconds
        for i in range(clips):
            audio = speechlike(3 + (i % 7), i)
            seconds += audio.size / SAMPLE_RATE
            yield {"id": f"clip-{i:05d}", "parent_id": f"spo-{i:05d}", "stage": names.TTS_AUDIO,
                   "text": f"clip number {i}", "voice_id": "bench", "audio": to_flac(audio), **lineage}

    parts.write_parts(store, names.TTS_AUDIO, KEY, rows(), fingerprint_value="bench")
    parts.write_parts(store, names.PSEUDO_LABELS, KEY,
                      ({"id": f"lab-{i:05d}", "parent_id": f"clip-{i:05d}", "wer": 0.0, "transcript": "clip"}
                       for i in range(clips)), fingerprint_value="bench")
    return seconds


def rss_mb() -> float:
    """The process's resident memory now (VmRSS), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def measure(root: Path, whisper: bool) -> dict:
    """In a fresh process: augment the partition, counting rows as they stream out."""
    from resources.storage import LocalStorage
    from synth_assets.asr.transcriber import Transcriber
    from synth_assets.augment.clips import augment_partition
    from synth_assets.core import names
    from synth_assets.core.stage_run import StageRun

    transcriber = Transcriber() if whisper else None
    if transcriber is not None:
        transcriber.ensure_loaded()
    before = rss_mb()
    started = time.perf_counter()
    stage = StageRun(names.AUGMENTED_CLIPS, KEY, "bench", "v")
    count = sum(1 for _ in augment_partition(stage, LocalStorage(root=str(root)), KEY, 0.25,
                                             transcriber=transcriber))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"rows": count, "wall_s": round(time.perf_counter() - started, 1),
            "rss_before_mb": round(before), "peak_over_mb": round(peak - before)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clips", type=int, nargs="+", default=[200, 800])
    parser.add_argument("--whisper", action="store_true", help="hear the light recipes' clips back")
    parser.add_argument("--work", default=str(ROOT / ".bench" / "augment-memory"))
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(Path(args.measure), args.whisper)))
        return
    print(f"augmented_clips, {'with' if args.whisper else 'without'} Whisper")
    print(f"{'clips':>7}{'audio s':>9}{'rows':>6}{'wall s':>8}{'RSS before MB':>15}{'peak over MB':>14}")
    for clips in args.clips:
        root = Path(args.work) / str(clips)
        shutil.rmtree(root, ignore_errors=True)
        seconds = write_partition(root, clips)
        command = [sys.executable, "-m", "benchmarks.augment_memory_bench", "--measure", str(root)]
        done = subprocess.run(command + (["--whisper"] if args.whisper else []), cwd=Path.cwd(),
                              capture_output=True, text=True)
        if done.returncode:
            raise SystemExit(done.stderr[-3000:])
        r = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"{clips:>7}{seconds:>9.0f}{r['rows']:>6}{r['wall_s']:>8}{r['rss_before_mb']:>15}{r['peak_over_mb']:>14}")


if __name__ == "__main__":
    main()
