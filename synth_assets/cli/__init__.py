"""`synth`: the command line of synth_assets."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import signal
import sys
from pathlib import Path

from synth_assets import settings


def _quiet_environment() -> None:
    for name, value in {"DAGSTER_TELEMETRY_DISABLED": "1", "GX_ANALYTICS_ENABLED": "false",
                        "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TQDM_DISABLE": "1",
                        "MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "1"}.items():
        os.environ.setdefault(name, value)


def _print_summary(summary, as_json: bool) -> None:
    if as_json:
        print(json.dumps(dataclasses.asdict(summary), indent=2))
        return
    s = summary
    print("\nsynth_assets: run finished")
    print(f"  clips made          {s.clips}  ({s.audio_seconds / 3600:.3f} h, {s.audio_seconds:.0f} s)")
    print("  clips per voice     " + ", ".join(f"{v}: {n}" for v, n in s.clips_per_voice.items()))
    print(f"  median round-trip WER  {s.median_wer if s.median_wer is None else f'{s.median_wer:.2%}'}")
    print(f"  quality checks      {s.checks_passed} passed, {s.checks_failed} failed"
          + (f" ({', '.join(s.failed_checks)})" if s.failed_checks else ""))
    print(f"  partitions          {s.partitions} ({len(s.failed_partitions)} failed)")
    if s.recording_batches:
        print(f"  recordings          {s.recording_utterances} utterances, "
              f"{s.recording_speech_seconds / 60:.1f} min speech from {s.recording_files} files "
              f"(mean Whisper confidence {s.recording_mean_confidence})")
    for key, message in s.failed_partitions.items():
        print(f"    ! {key}: {message[:200]}")
    print(f"  quarantined records {s.quarantined}  in {s.quarantine_path}")
    print(f"  conversations       {s.conversation_hours:.3f} h: "
          + (", ".join(f"{k}: {n}" for k, n in s.conversations_by_kind.items()) or "none"))
    print(f"  dataset             {s.dataset_samples} samples, {s.dataset_hours:.3f} h  in {s.dataset_path}")
    if s.estimate:
        print(f"  estimate            {s.estimate['wall_s'] / 60:.1f} min, {s.estimate['audio_hours']:.3f} h of audio "
              f"({s.estimate['rates']} rates); took {s.wall_seconds / 60:.1f} min on {s.workers} worker(s)")
    print(f"  web UI              {s.ui_command}")


def add_progress_options(parser) -> None:
    parser.add_argument("--verbose", action="store_true",
                        help="show Dagster's log (warnings, quarantined records) as well as the progress")


def cmd_materialize(args) -> int:
    from synth_assets.cli.progress import watching
    from synth_assets.drivers.runner import materialize_landing

    log = (lambda m: print(m, file=sys.stderr))
    audio = getattr(args, "audio_landing", None)
    with watching(settings.dagster_home(), plain=args.json) as progress:
        summary = materialize_landing(Path(args.landing), Path(args.data), log=log,
                                      audio_landing=Path(audio) if audio else None,
                                      workers=args.workers or settings.command_workers(),
                                      progress=progress, verbose=args.verbose or None)
    _print_summary(summary, args.json)
    return 0 if summary.clips else 1


def cmd_lineage(args) -> int:
    from synth_assets.release.lineage import LineageStore

    if args.downstream:
        from synth_assets.cli.export import cmd_downstream

        return cmd_downstream(args)
    args.id = args.upstream or args.id
    if not args.id:
        print("synth lineage: give a sample ID (or --upstream ID, or --downstream DOCUMENT_OR_VOICE_OR_MODEL)",
              file=sys.stderr)
        return 2

    from synth_assets import settings
    from synth_assets.cli.stores import lineage_store

    with lineage_store(args.data) as deployment:
        store = LineageStore.from_store(deployment, args.data, settings.model_cache() / "lineage")
    chain = store.walk(args.id)
    if not chain:
        print(f"no sample {args.id!r} in the lineage store {store.path} (run `synth demo` first)", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(chain, indent=2, default=str))
        return 0
    for depth, node in enumerate(chain):
        detail = {k: node[k] for k in ("voice_id", "wer", "title", "url", "revision_id", "source", "snapshot")
                  if node.get(k) not in (None, "")}
        print(f"{'  ' * depth}{node['stage']:<24} {node['id']}  " + " ".join(f"{k}={v}" for k, v in detail.items()))
        print(f"{'  ' * depth}{'':<24} params={node['params']}  code={node['code_version']} run={node['run_id']}")
        if node.get("text"):
            print(f"{'  ' * depth}{'':<24} \"{node['text'][:100]}\"")
    root = chain[-1]
    if root["parent_id"]:
        print(f"(chain ends at {root['parent_id']})")
    return 0


def cmd_bench(args) -> int:
    from synth_assets.drivers.bench import run_benchmark

    report = run_benchmark(Path(args.work))
    print(json.dumps(report, indent=2) if args.json else report["table"])
    return 0


def cmd_normalize(args) -> int:
    from synth_assets.spoken.normalize_stream import main as normalize_main  # no dagster: starts fast

    return normalize_main()


def cmd_ingest(args) -> int:
    from synth_assets.crawl.ingest import ingest

    report = ingest([Path(f) for f in args.files], source=args.source, snapshot=args.snapshot, out=Path(args.out))
    if args.json:
        print(json.dumps(dataclasses.asdict(report), indent=2))
    else:
        for item in report.files:
            print(f"{item['file']}: {item['documents']} documents, {item['quarantined']} quarantined")
        for bad in report.quarantined[:20]:
            print(f"  ! {bad['file']} at {bad['position']}: {bad['reason'][:160]}")
        print(f"{report.documents} documents from {report.bytes_read:,} bytes -> {report.out}")
    return 0 if report.documents else 1


def main(argv: list[str] | None = None) -> int:
    _quiet_environment()
    parser = argparse.ArgumentParser(prog="synth", description="Synthetic speech datasets as Dagster assets.")
    parser.add_argument("--data", default=str(settings.data_root()),
                        help="storage root (default: ./data; in an S3 deployment, release and export read the "
                        "configured bucket instead)")
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="run the whole graph on the bundled sample snapshot")
    demo.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    demo.add_argument("--workers", type=int, help="partitions side by side (default: SYNTH_WORKERS, or one per core)")
    add_progress_options(demo)
    demo.set_defaults(func=cmd_materialize, landing=str(settings.SAMPLE_LANDING),
                      audio_landing=str(settings.SAMPLE_RECORDINGS))

    mat = sub.add_parser("materialize", help="run the whole graph on a landing zone")
    mat.add_argument("--landing", required=True, help="folder laid out as <source>/<snapshot>/<files>")
    mat.add_argument("--audio-landing", help="folder of real recordings laid out as <collection>/<folders>/<files>")
    mat.add_argument("--json", action="store_true")
    mat.add_argument("--workers", type=int, help="partitions side by side (default: SYNTH_WORKERS, or one per core)")
    add_progress_options(mat)
    mat.set_defaults(func=cmd_materialize)

    lin = sub.add_parser("lineage", help="walk a sample back to its source document and snapshot")
    lin.add_argument("id", nargs="?")
    lin.add_argument("--upstream", metavar="ID", help="walk a sample back (the same as giving ID)")
    lin.add_argument("--downstream", metavar="ORIGIN", help="what a document, sample, voice or model produced")
    lin.add_argument("--limit", type=int, default=1000, help="at most this many --downstream rows")
    lin.add_argument("--json", action="store_true")
    lin.set_defaults(func=cmd_lineage)

    ing = sub.add_parser("ingest", help="parse dump files into documents (Parquet) and a quarantine, as crawl_snapshot does")
    ing.add_argument("--source", required=True)
    ing.add_argument("--snapshot", required=True)
    ing.add_argument("--out", default="ingested", help="output folder (documents/ and quarantine/ parts)")
    ing.add_argument("--json", action="store_true")
    ing.add_argument("files", nargs="+")
    ing.set_defaults(func=cmd_ingest)

    bench = sub.add_parser("bench", help="audio seconds per wall second, per stage, vs the bare engines")
    bench.add_argument("--work", default=str(Path.cwd() / ".bench"), help="scratch folder")
    bench.add_argument("--json", action="store_true")
    bench.set_defaults(func=cmd_bench)

    from synth_assets.cli import backfill as backfill_cli
    from synth_assets.cli import export as export_cli
    from synth_assets.cli import plan as plan_cli
    from synth_assets.cli import release as release_cli
    from synth_assets.cli import speech as speech_cli
    from synth_assets.cli import voices as voices_cli

    speech_cli.register(sub)  # say, transcribe, convert-whisper
    voices_cli.register(sub)  # voices, voices blend, voices gate
    release_cli.register(sub)  # release create|list|diff|verify
    export_cli.register(sub)  # export
    backfill_cli.register(sub)  # backfill --snapshot | --source
    plan_cli.register(sub)  # plan

    norm = sub.add_parser("normalize", help="written-form lines on stdin -> spoken-form lines on stdout")
    norm.set_defaults(func=cmd_normalize)

    args = parser.parse_args(argv)
    if args.command not in STOPPABLE:
        return args.func(args)
    return run_stoppable(args, sys.argv[1:] if argv is None else argv)


# Long commands: Ctrl-C and SIGTERM stop them within seconds, and a rerun resumes (docs/operations.md).
STOPPABLE = {"demo", "materialize", "backfill", "export", "release"}


def run_stoppable(args, argv: list[str]) -> int:
    import shlex

    from synth_assets.core.interrupts import Interrupted, StopRequests, signal_name

    resume = (f"To resume, run `{shlex.join(['synth', *argv])}` again: finished partitions and steps are "
              "reused, and nothing half-made was kept.")
    with StopRequests(grace_s=settings.stop_grace_seconds(), resume_hint=f"synth: stopped. {resume}") as stops:
        try:
            return args.func(args)
        except KeyboardInterrupt as interrupt:
            signum = getattr(interrupt, "signum", None) or stops.signum or signal.SIGINT
            print(f"synth: stopped by {signal_name(signum)}. {resume}", file=sys.stderr, flush=True)
            stops.exit_now(Interrupted(signum).exit_status)
            return Interrupted(signum).exit_status  # when exit_now is replaced (tests)


if __name__ == "__main__":
    sys.exit(main())
