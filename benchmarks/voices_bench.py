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
    from synth_assets.assets.crawl import crawl_snapshot
    from synth_assets.assets.text import spoken_text, text_segments
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


def tts_run(rows: list[dict], user_voices: tuple[str, ...], workers: int, assistant: str = "hibari-heart") -> dict:
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
                         resources={"store": store, "voices": TTSVoices(user_voices=list(user_voices), assistant_voice=assistant,
                                                                    workers=workers)})
    wall = time.perf_counter() - started
    made = list(parts.read_rows(store, "tts_audio", BENCH_KEY, columns=["voice_id", "duration_s"]))
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
    parser.add_argument("--voice-rows", type=int, default=6, help="rows per voice for its pipeline RTF (0: skip)")
    parser.add_argument("--workers", type=int, default=1, help="TTS workers in the throughput runs")
    parser.add_argument("--skip-pipeline", action="store_true")
    parser.add_argument("--skip-gate", action="store_true")
    parser.add_argument("--voices", nargs="*", help="gate these voices instead of the default pool")
    parser.add_argument("--measures-out", help="only measure --voices and pickle the measures here (to share "
                        "the work between processes)")
    parser.add_argument("--judge", nargs="*", help="judge pickled measures together instead of measuring")
    args = parser.parse_args()

    from synth_assets.tts.policy import DEFAULT_ASSISTANT_VOICE, DEFAULT_USER_VOICES

    if args.measures_out:
        import pickle

        measures, _, _ = gate_pool(args.voices)
        Path(args.measures_out).write_bytes(pickle.dumps(measures))
        return
    if args.judge:
        import pickle

        measures = [m for path in args.judge for m in pickle.loads(Path(path).read_bytes())]
        print_gate(measures, args.write_cards)
        return
    if not args.skip_gate:
        gate_report(args.voices or [*DEFAULT_USER_VOICES, DEFAULT_ASSISTANT_VOICE], args.write_cards)
    if not args.skip_pipeline:
        pipeline_report(args)


def gate_report(pool: list[str], write_cards: bool) -> None:
    started = time.perf_counter()
    measures, _, _ = gate_pool(pool)
    print(f"voice gate on {len(pool)} voices: {time.perf_counter() - started:.0f} s\n")
    print_gate(measures, write_cards)


def print_gate(measures: list, write_cards: bool) -> None:
    from synth_assets.tts.gate import judge, save_cards, similarity_matrix
    from synth_assets.tts.registry import REGISTRY

    cards, matrix, pool = judge(measures, REGISTRY), similarity_matrix(measures), [m.voice_id for m in measures]
    print(f"{'voice':<28}{'gender':<8}{'RTF bare':>9}{'WER':>7}{'MOS':>6}{'F0 Hz':>7}{'words/s':>8}{'self':>6}  verdict")
    for m, c in zip(measures, cards):
        print(f"{m.voice_id:<28}{c.gender:<8}{m.rtf:>9.3f}{m.median_wer:>7.1%}{m.median_mos:>6.2f}{m.f0_hz:>7.0f}"
              f"{m.words_per_second:>8.2f}{m.self_similarity or 0:>6.2f}  "
              f"{'pass' if c.passed else 'FAIL: ' + '; '.join(c.reasons)}")
    print("(self: cosine between the voice's two halves of sentences, the same-speaker baseline)")
    short = [v.replace("kokoro-", "k-").replace("gongitsune", "gon").replace("tebukuro", "teb")[:11] for v in pool]
    print("\ncosine similarity of GE2E speaker embeddings\n" + " " * 12 + "".join(f"{s:>12}" for s in short))
    for name, row in zip(short, matrix):
        print(f"{name:<12}" + "".join(f"{x:>12.3f}" for x in row))
    for m in measures:
        print(f"  {m.voice_id}: heard {m.transcripts[0]!r}")
    if write_cards:
        save_cards(cards)
        print("cards written to synth_assets/tts/voice_cards.json")


def pipeline_report(args) -> None:
    from dataclasses import replace

    from synth_assets.tts.policy import DEFAULT_USER_VOICES
    from synth_assets.tts.registry import REGISTRY, register

    rows = sample_spoken_rows(max(args.rows, args.voice_rows))
    if rows:
        print(f"{len(rows)} rows: {sum(r['role'] == 'assistant' for r in rows)} assistant turns")
    print(f"\ntts_audio inside Dagster, one voice at a time ({args.voice_rows} user rows, in process, threads=1)")
    for voice_id in DEFAULT_USER_VOICES if args.voice_rows else ():
        run = tts_run([dict(r, role="user") for r in rows[:args.voice_rows]], (voice_id,), workers=1)
        print(f"  {voice_id:<28} pipeline RTF {run['rtf']}  ({run['clips']} clips, {run['audio_s']} s audio)")
    # Before, hibari-heart spoke for users and the assistant alike; a twin stands in as the assistant
    # so that the policy (which now keeps the assistant out of the user pool) can voice the old pool.
    register(replace(REGISTRY["hibari-heart"], id="hibari-heart-twin"))
    results = {"before (users: hibari-heart + piper-joe)": tts_run(rows[:args.rows], OLD_POOL, args.workers,
                                                                  assistant="hibari-heart-twin"),
               "after (users: the default pool)": tts_run(rows[:args.rows], DEFAULT_USER_VOICES, args.workers)}
    print(f"\nsample throughput: tts_audio on {args.rows} spoken-text rows of the bundled sample (workers={args.workers})")
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
