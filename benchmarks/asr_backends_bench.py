"""ASR backends side by side: faster-whisper tiny.en and base, transformers tiny.en (converted).

Voices the same ~5 s sentences with hibari-heart, then transcribes them with each engine one clip
at a time and packed into shared 30 s windows, reporting the load time, real-time factor (wall
seconds per audio second, best of ``--repeats``) and round-trip WER of each.

    .venv/bin/python -m benchmarks.asr_backends_bench [--clips 10] [--threads 2] [--with-hf-base] [--json]

Named models convert/join into the model cache ($SYNTH_MODEL_CACHE or ~/.cache/synth_assets) on
first use; that one-time cost is in "load s" of the first run only.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

from benchmarks.asr_packing_bench import SENTENCES, measure

ENGINES = [("faster-whisper", "tiny.en"), ("faster-whisper", "base"), ("transformers", "tiny.en")]


def hibari_clips(count: int) -> list[tuple[str, object, int]]:
    from synth_assets.tts.policy import VoicePolicy

    voices = VoicePolicy()
    return [(text, voices.synthesize("hibari-heart", text, seed=i), 24_000) for i, text in enumerate(SENTENCES[:count])]


def run(count: int = 10, threads: int = 2, repeats: int = 2, engines=ENGINES) -> dict:
    from synth_assets.asr.transcriber import Transcriber

    clips = hibari_clips(count)
    rows = []
    for backend, model in engines:
        single = Transcriber(backend=backend, model=model, cpu_threads=threads, pack_seconds=0)
        packed = Transcriber(backend=backend, model=model, cpu_threads=threads)
        started = time.perf_counter()
        single.transcribe(clips[0][1], clips[0][2])  # load (and convert/join) outside the timings
        load = time.perf_counter() - started
        rows.append({"model_id": single.model_id, "load_s": round(load, 1),
                     "one_at_a_time": measure(single, clips, repeats), "packed": measure(packed, clips, repeats)})
    return {"clips": len(clips), "mean_clip_s": round(statistics.mean(a.size / r for _, a, r in clips), 2),
            "cpu_threads": threads, "cores": os.cpu_count(), "repeats": repeats, "engines": rows}


def table(report: dict) -> str:
    lines = [f"ASR backends bench: {report['clips']} hibari clips of ~{report['mean_clip_s']} s, "
             f"{report['cpu_threads']} threads, {report['cores']} cores, best of {report['repeats']}",
             f"{'model':<28}{'mode':<15}{'load s':>7}{'wall s':>8}{'RTF':>8}{'mean WER':>10}{'median WER':>12}"
             f"{'packed':>8}"]
    for row in report["engines"]:
        for mode in ("one_at_a_time", "packed"):
            r = row[mode]
            load = f"{row['load_s']:.1f}" if mode == "one_at_a_time" else ""
            lines.append(f"{row['model_id']:<28}{mode:<15}{load:>7}{r['wall_s']:>8}{r['rtf']:>8}"
                         f"{r['mean_wer']:>10.2%}{r['median_wer']:>12.2%}{r['clips_packed']:>8}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=2, help="runs per mode; the fastest counts")
    parser.add_argument("--with-hf-base", action="store_true", help="also transformers base (converts 145 MB)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    engines = ENGINES + ([("transformers", "base")] if args.with_hf_base else [])
    report = run(args.clips, args.threads, args.repeats, engines)
    print(json.dumps(report, indent=2) if args.json else table(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
