"""ASR on short clips: packed into shared 30 s windows vs one clip at a time.

Voices a fixed set of ~5 s sentences with the bundled voices (alternating hibari-heart and, when
installed, piper-joe), then transcribes the same clips each way with the same loaded model and
reports the real-time factor (wall seconds per audio second) and the round-trip WER of each.
"packed" decodes up to ``batch_windows`` (8) packed windows together in one batch;
"packed_one_window_at_a_time" shows what packing alone gives.

    .venv/bin/python -m benchmarks.asr_packing_bench [--clips 24] [--model tiny.en] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

SENTENCES = [
    "The ferry leaves the harbour at seven and reaches the island before lunch.",
    "My grandmother kept a small garden of herbs behind the kitchen window.",
    "Please remember to close the gate so the sheep do not wander onto the road.",
    "The library on the corner opens late on Thursdays for students and workers.",
    "A strong wind blew across the valley and bent the young trees toward the river.",
    "He packed a warm coat, two maps and a flask of tea for the long walk.",
    "The orchestra rehearsed the final movement three times before the evening concert.",
    "Fresh bread from the village bakery usually sells out before nine in the morning.",
    "She painted the old wooden boat a bright shade of blue for the summer festival.",
    "The museum shows tools that farmers used in the valley two hundred years ago.",
    "When the snow melts, the stream behind the cabin becomes loud and fast.",
    "Our teacher asked everyone to read one short story and write a few lines about it.",
    "The night train to the capital stops at every small station along the coast.",
    "Bees visit the apple blossoms early in spring, long before the fruit appears.",
    "The market square fills with stalls selling cheese, honey and wool every Saturday.",
    "A narrow path climbs from the church to a quiet lake above the village.",
    "He fixed the broken chair with glue, a few nails and a lot of patience.",
    "The children built a tall tower of blocks and laughed when it finally fell.",
    "Rain drummed on the tin roof all night, and the road was muddy by morning.",
    "The lighthouse keeper wrote the weather in a thick notebook every single evening.",
    "Most of the guests arrived early and waited in the garden for the music to start.",
    "The river was so calm that the hills were reflected perfectly in the water.",
    "She learned to bake bread from her uncle, who ran a small shop by the station.",
    "Every autumn the geese fly south over the marsh in long and noisy lines.",
]


def make_clips(count: int) -> list[tuple[str, "object", int]]:
    """(text, 24 kHz audio, rate) for ``count`` sentences, voices alternating."""
    from synth_assets.tts.policy import VoicePolicy

    voices = VoicePolicy()
    names = [v for v in ("hibari-heart", "piper-joe") if voices.is_available(v)]
    clips = []
    for index in range(count):
        text = SENTENCES[index % len(SENTENCES)]
        audio = voices.synthesize(names[index % len(names)], text, seed=index)
        clips.append((text, audio, 24_000))
    return clips


def measure(asr, clips, repeats: int = 1) -> dict:
    """Best wall time of ``repeats`` runs (the machine is shared: the minimum is the least noisy)."""
    from quality.metrics import wer

    walls = []
    for _ in range(repeats):
        started = time.perf_counter()
        results = dict(asr.transcribe_many((i, audio, rate) for i, (_, audio, rate) in enumerate(clips)))
        walls.append(time.perf_counter() - started)
    wall = min(walls)
    audio_seconds = sum(a.size / r for _, a, r in clips)
    wers = [wer(text, results[i].text) for i, (text, _, _) in enumerate(clips)]
    return {"wall_s": round(wall, 2), "audio_s": round(audio_seconds, 1), "rtf": round(wall / audio_seconds, 4),
            "mean_wer": round(statistics.mean(wers), 4), "median_wer": round(statistics.median(wers), 4),
            "clips_packed": sum(t.packed for t in results.values())}


def run(clips_count: int = 24, model: str = "tiny.en", threads: int = 2, repeats: int = 2) -> dict:
    from synth_assets.asr.transcriber import Transcriber

    clips = make_clips(clips_count)
    single = Transcriber(model=model, cpu_threads=threads, pack_seconds=0)
    packed = Transcriber(model=model, cpu_threads=threads)
    unbatched = Transcriber(model=model, cpu_threads=threads, batch_windows=1)
    single.transcribe(clips[0][1], clips[0][2])  # load the model once, outside both timings
    report = {"clips": len(clips), "model": model, "cpu_threads": threads, "cores": os.cpu_count(),
              "mean_clip_s": round(statistics.mean(a.size / r for _, a, r in clips), 2),
              "repeats": repeats,
              "one_at_a_time": measure(single, clips, repeats),
              "packed_one_window_at_a_time": measure(unbatched, clips, repeats), "packed": measure(packed, clips, repeats)}
    report["speedup"] = round(report["one_at_a_time"]["rtf"] / report["packed"]["rtf"], 2)
    return report


def table(report: dict) -> str:
    lines = [f"ASR packing bench: {report['clips']} clips of ~{report['mean_clip_s']} s, {report['model']}, "
             f"{report['cpu_threads']} threads, {report['cores']} cores, best of {report['repeats']}",
             f"{'mode':<30}{'wall s':>8}{'audio s':>9}{'RTF':>9}{'mean WER':>10}{'median WER':>12}{'packed':>8}"]
    for mode in ("one_at_a_time", "packed_one_window_at_a_time", "packed"):
        r = report[mode]
        lines.append(f"{mode:<30}{r['wall_s']:>8}{r['audio_s']:>9}{r['rtf']:>9}{r['mean_wer']:>10.2%}"
                     f"{r['median_wer']:>12.2%}{r['clips_packed']:>8}")
    lines.append(f"speedup (RTF one-at-a-time / packed): {report['speedup']}x")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=24)
    parser.add_argument("--model", default="tiny.en")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=2, help="runs per mode; the fastest counts")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    report = run(args.clips, args.model, args.threads, args.repeats)
    print(json.dumps(report, indent=2) if args.json else table(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
