"""`synth export` (a release in a consumer's format) and `synth lineage --downstream` (what a
document, voice or model produced)."""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path


def cmd_export(args) -> int:
    from synth_assets.cli.progress import watching
    from synth_assets.cli.stores import deployment_store
    from synth_assets.release.export import export_release
    from synth_assets.release.versions import ReleaseError

    try:
        with deployment_store(args.data) as store, watching(None, plain=args.json) as progress:
            report = export_release(store, args.release, args.format, args.out, progress)
    except ReleaseError as error:
        print(f"synth export: {error}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(dataclasses.asdict(report) | {"hours_per_minute": report.hours_per_minute}, indent=2))
        return 0
    print(f"{report.release} as {report.format}: {report.samples} samples, {report.audio_hours:.3f} h in "
          f"{report.seconds:.1f} s ({report.hours_per_minute:.2f} audio h/min) -> {report.out}")
    return 0


def cmd_downstream(args) -> int:
    from synth_assets.release.lineage import LineageStore

    rows = LineageStore(Path(args.data) / "lineage.duckdb").downstream(args.downstream, limit=args.limit)
    if not rows:
        print(f"nothing in the lineage store descends from {args.downstream!r}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(rows, indent=2, default=str))
        return 0
    by_stage: dict[str, int] = {}
    for row in rows:
        by_stage[row["stage"]] = by_stage.get(row["stage"], 0) + 1
        print(f"{'  ' * row['depth']}{row['stage']:<24} {row['id']}" + (f"  voice={row['voice_id']}"
                                                                          if row.get("voice_id") else ""))
    print(f"{len(rows)} rows" + (" (limit reached)" if len(rows) >= args.limit else "") + ": "
          + ", ".join(f"{s} {n}" for s, n in by_stage.items()))
    return 0


def register(sub) -> None:
    export = sub.add_parser("export", help="write a release in a consumer's format")
    export.add_argument("--release", required=True)
    export.add_argument("--format", required=True, choices=["hf", "webdataset", "nemo", "lhotse", "moshi"])
    export.add_argument("--out", required=True, help="an empty folder, or one holding this release's exports")
    export.add_argument("--json", action="store_true", help="the report as JSON (progress as plain lines)")
    export.set_defaults(func=cmd_export)
