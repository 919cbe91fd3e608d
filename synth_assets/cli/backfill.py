"""`synth backfill --snapshot S | --source X`: the pipeline over every partition of a snapshot or a
source, several partitions side by side, recorded in the Dagster instance (DAGSTER_HOME)."""

from __future__ import annotations

import dataclasses
import json
import sys


def cmd_backfill(args) -> int:
    from synth_assets import settings
    from synth_assets.cli.progress import watching
    from synth_assets.drivers.backfill import describe_selection, landing_keys, run_backfill, select_partitions
    from synth_assets.drivers.runner import ensure_instance

    local = {} if settings.uses_s3() else {"data": args.data, "landing": args.landing}
    overrides = settings.Overrides.paths(**local, release=args.release_name, verbose=args.verbose or None)
    ensure_instance(overrides.dagster_home())
    keys = select_partitions(landing_keys(overrides), snapshot=args.snapshot, source=args.source)
    selection = describe_selection(args.snapshot, args.source)
    if not keys:
        print(f"no partitions match {selection} in the landing zone", file=sys.stderr)
        return 1
    log = (lambda message: print(message, file=sys.stderr))
    log(f"backfill of {len(keys)} partitions ({selection}) with {args.workers} worker(s)")
    with watching(overrides.dagster_home(), plain=args.json) as progress:
        result = run_backfill(keys, workers=args.workers, release=not args.no_release, selection=selection, log=log,
                              overrides=overrides.with_progress(progress))
    if args.json:
        print(json.dumps({**dataclasses.asdict(result), "failed": result.failed}, indent=2))
    else:
        print(f"backfill {result.backfill_id}: {len(keys)} partitions, {len(result.runs)} runs, "
              f"{len(result.failed)} failed, {result.wall_seconds:.1f} s")
        for name, message in result.failed.items():
            print(f"  ! {name}: {message[:300]}")
    return 1 if result.failed else 0


def register(sub) -> None:
    from synth_assets.cli import add_progress_options

    backfill = sub.add_parser("backfill", help="run the pipeline over a snapshot's or a source's partitions",
                              description="Materialize every crawl shard of a snapshot and/or a source, then the "
                              "release. Partitions run side by side in --workers processes; in the production "
                              "deployment (SYNTH_DEPLOYMENT=production) their steps run on the celery workers.")
    backfill.add_argument("--snapshot", help="only partitions of this snapshot, e.g. 2026-11-01")
    backfill.add_argument("--source", help="only partitions of this source, e.g. wikipedia")
    backfill.add_argument("--landing", help="landing folder (local deployment; default: SYNTH_LANDING or the sample)")
    backfill.add_argument("--workers", type=int, default=1, help="partitions side by side (default 1)")
    backfill.add_argument("--release-name", help="the release these runs serve (run tag synth/release)")
    backfill.add_argument("--no-release", action="store_true", help="skip the release job at the end")
    backfill.add_argument("--json", action="store_true", help="the result as JSON (progress as plain lines)")
    add_progress_options(backfill)
    backfill.set_defaults(func=cmd_backfill)
