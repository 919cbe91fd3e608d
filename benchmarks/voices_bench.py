"""The voice pool, measured: per voice RTF (bare engine and inside tts_audio), round-trip WER, MOS and
F0; the speaker-similarity matrix of the pool; and tts_audio's throughput on the bundled sample with
the old pool (hibari-heart + piper-joe) and the default pool.

    python -m benchmarks.voices_bench [--write-cards] [--rows N] [--skip-pipeline]

``--write-cards`` stores the gate's cards in synth_assets/tts/voice_cards.json (what `synth voices`
shows). Figures depend on the machine's load: run it on a quiet machine for RTFs to compare.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("DAGSTER_TELEMETRY_DISABLED", "1")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("TQDM_DISABLE", "1")

OLD_POOL = ("hibari-heart", "piper-joe")
BENCH_KEY = "bench/2026-11-01/voices.jsonl"


def gate_pool(voice_ids: list[str]):
    from synth_assets.asr.transcriber import Transcriber
    from synth_assets.tts.gate import judge, measure_voice, similarity_matrix
    from synth_assets.tts.policy import VoicePolicy
    from synth_assets.tts.registry import REGISTRY

    policy, transcriber = VoicePolicy(threads=1), Transcriber()
    for voice_id in voice_ids:  # load every engine first: RTF is the steady state, not the load
        policy.synthesize(voice_id, "Hello there.", seed=0)
    measures = [measure_voice(v, lambda vid, text: policy.synthesize(vid, text, seed=0), transcriber)
                for v in voice_ids]
    return measures, judge(measures, REGISTRY), similarity_matrix(measures)


def sample_spoken_rows(limit: int) -> list[dict]:
    """User and narration rows of the bundled sample's spoken text, made by the real stages."""
    from dagster import DagsterInstance, materialize

    import synth_assets
    from resources.rewriter import TextRewriter
    from resources.storage import LocalStorage
    from synth_assets.assets.text import spoken_text, text_segments
    from synth_assets.assets.crawl import crawl_snapshot
    from synth_assets.core import parts
    from synth_assets.crawl.shards import landing_shards

    landing = Path(synth_assets.__file__).parent / "sample_landing"
    store = LocalStorage(root=tempfile.mkdtemp(prefix="voices-bench-"))
    os.environ["SYNTH_LANDING"] = str(landing)
    instance = DagsterInstance.ephemeral()
    rows = []
    for key in landing_shards(LocalStorage(root=str(landing))):
        instance.add_dynamic_partitions("crawl_shards", [key])
        materialize([crawl_snapshot, text_segments, spoken_text], partition_key=key, instance=instance,
                    resources={"store": store, "landing": LocalStorage(root=str(landing)),
                               "rewriter": TextRewriter()})
        rows += parts.read_rows(store, "spoken_text", key)
        if len(rows) >= limit:
            break
    return rows[:limit]


def tts_run(rows: list[dict], user_voices: tuple[str, ...], workers: int) -> dict:
    """One tts_audio materialization of ``rows`` with this pool: wall time, audio seconds, clips per voice."""
    from dagster import DagsterInstance, materialize

    from resources.storage import LocalStorage
    from resources.voices import TTSVoices
    from synth_assets.assets.speech import tts_audio
    from synth_assets.core import parts

    store = LocalStorage(root=tempfile.mkdtemp(prefix="voices-bench-tts-"))
    parts.write_parts(store, "spoken_text", BENCH_KEY, rows, fingerprint_value="bench")
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("crawl_shards", [BENCH_KEY])
    started = time.perf_counter()
    result = materialize([tts_audio], partition_key=BENCH_KEY, instance=instance, raise_on_error=False,
                         resources={"store": store, "voices": TTSVoices(user_voices=list(user_voices), workers=workers)})
    wall = time.perf_counter() - started
    made = parts.read_rows(store, "tts_audio", BENCH_KEY, columns=["voice_id", "duration_s"])
    audio = sum(r["duration_s"] for r in made)
    per_voice: dict[str, int] = {}
    for r in made:
        per_voice[r["voice_id"]] = per_voice.get(r["voice_id"], 0) + 1
    return {"success": result.success, "clips": len(made), "wall_s": round(wall, 1), "audio_s": round(audio, 1),
            "audio_s_per_wall_s": round(audio / wall, 3), "clips_per_s": round(len(made) / wall, 3),
            "rtf": round(wall / audio, 3) if audio else None, "clips_per_voice": dict(sorted(per_voice.items()))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write-cards", action="store_true")
    parser.add_argument("--rows", type=int, default=48, help="sample rows per pool for the throughput runs")
    parser.add_argument("--voice-rows", type=int, default=6, help="rows per voice for its pipeline RTF")
    parser.add_argument("--workers", type=int, default=1, help="TTS workers in the throughput runs")
    parser.add_argument("--skip-pipeline", action="store_true")
    args = parser.parse_args()

    from synth_assets.tts.gate import save_cards
    from synth_assets.tts.policy import DEFAULT_ASSISTANT_VOICE, DEFAULT_USER_VOICES

    pool = [*DEFAULT_USER_VOICES, DEFAULT_ASSISTANT_VOICE]
    started = time.perf_counter()
    measures, cards, matrix = gate_pool(pool)
    print(f"voice gate on {len(pool)} voices: {time.perf_counter() - started:.0f} s\n")
    print(f"{'voice':<28}{'gender':<8}{'RTF bare':>9}{'WER':>7}{'MOS':>6}{'F0 Hz':>7}{'words/s':>8}  verdict")
    for m, c in zip(measures, cards):
        print(f"{m.voice_id:<28}{c.gender:<8}{m.rtf:>9.3f}{m.median_wer:>7.1%}{m.median_mos:>6.2f}{m.f0_hz:>7.0f}"
              f"{m.words_per_second:>8.2f}  {'pass' if c.passed else 'FAIL: ' + '; '.join(c.reasons)}")
    short = [v.replace("kokoro-", "k-").replace("gongitsune", "gon").replace("tebukuro", "teb")[:11] for v in pool]
    print("\ncosine similarity of GE2E speaker embeddings\n" + " " * 12 + "".join(f"{s:>12}" for s in short))
    for name, row in zip(short, matrix):
        print(f"{name:<12}" + "".join(f"{x:>12.3f}" for x in row))
    for m in measures:
        print(f"  {m.voice_id}: heard {m.transcripts[0]!r}")
    if args.write_cards:
        save_cards(cards)
        print("cards written to synth_assets/tts/voice_cards.json")
    if args.skip_pipeline:
        return

    rows = [dict(r, role="user") for r in sample_spoken_rows(max(args.rows, args.voice_rows))]
    print(f"\ntts_audio inside Dagster (workers={args.workers}, threads=1)")
    for voice_id in DEFAULT_USER_VOICES:
        run = tts_run(rows[:args.voice_rows], (voice_id,), workers=1)
        print(f"  {voice_id:<28} pipeline RTF {run['rtf']}  ({run['clips']} clips, {run['audio_s']} s audio)")
    results = {}
    for label, user_voices in (("before (hibari-heart + piper-joe)", OLD_POOL), ("after (default pool)", DEFAULT_USER_VOICES)):
        results[label] = tts_run(rows[:args.rows], user_voices, workers=args.workers)
    print(f"\nsample throughput, {args.rows} user rows of the bundled sample")
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
