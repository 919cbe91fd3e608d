"""`synth release create|list|diff|verify`: named, frozen releases of the stored speech_dataset."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict

from synth_assets.cli.stores import deployment_store


def _fail(error) -> int:
    print(f"synth release: {error}", file=sys.stderr)
    return 2


def cmd_create(args) -> int:
    from synth_assets import settings
    from synth_assets.release.versions import (
        CARD_FILE,
        ReleaseError,
        Selection,
        create_release,
        mlflow_tracker,
        release_prefix,
    )

    selection = Selection(*(tuple(getattr(args, k) or ()) for k in ("partitions", "sources", "snapshots", "kinds")))
    track = mlflow_tracker(settings.mlflow_tracking_uri()) if settings.mlflow_enabled() and not args.no_mlflow else None
    try:
        with deployment_store(args.data) as store:
            release = create_release(store, args.name, selection, track=track, rate_mos=not args.no_mos)
            card = store.uri(f"{release_prefix(release.name)}/{CARD_FILE}")
    except ReleaseError as error:
        return _fail(error)
    if args.json:
        print(json.dumps(asdict(release), indent=2))
        return 0
    print(f"release {release.name}: {release.samples} samples, {release.hours:.3f} h  "
          + ", ".join(f"{k} {n}" for k, n in release.counts_by_kind.items()))
    if release.previous:
        d = release.diff
        print(f"  since {release.previous}: +{d['added']} -{d['removed']} ~{d['changed']}")
    print(f"  card: {card}" + (
        f"   mlflow run: {release.mlflow_run_id}" if release.mlflow_run_id else ""))
    return 0


def cmd_list(args) -> int:
    from synth_assets.release.versions import list_releases

    with deployment_store(args.data) as store:
        releases = list_releases(store)
    if args.json:
        print(json.dumps([asdict(r) | {"diff": None} for r in releases], indent=2))
        return 0
    if not releases:
        print("no releases yet: `synth release create NAME`")
    for r in releases:
        kinds = ", ".join(f"{k} {n}" for k, n in r.counts_by_kind.items())
        print(f"{r.name:<20} {r.created_at}  {r.samples:>7} samples {r.hours:>8.3f} h  {kinds}")
    return 0


def cmd_diff(args) -> int:
    from synth_assets.release.versions import ReleaseError, diff_releases

    try:
        with deployment_store(args.data) as store:
            diff = diff_releases(store, args.old, args.new)
    except ReleaseError as error:
        return _fail(error)
    if args.json:
        print(json.dumps(diff, indent=2))
        return 0
    print(f"{args.old} -> {args.new}: {diff['added']} added, {diff['removed']} removed, {diff['changed']} changed, "
          f"{diff['unchanged']} unchanged")
    for kind in sorted({*diff["added_by_kind"], *diff["removed_by_kind"], *diff["changed_by_kind"]}):
        print(f"  {kind:<16} +{diff['added_by_kind'].get(kind, 0)} -{diff['removed_by_kind'].get(kind, 0)} "
              f"~{diff['changed_by_kind'].get(kind, 0)}")
    return 0


def cmd_verify(args) -> int:
    from synth_assets.release.versions import ReleaseError, verify_release

    try:
        with deployment_store(args.data) as store:
            result = verify_release(store, args.name)
    except ReleaseError as error:
        return _fail(error)
    if args.json:
        print(json.dumps(asdict(result) | {"ok": result.ok}, indent=2))
    else:
        for part in result.bad_parts:
            print(f"  ! part {part}")
        for sample_id in result.mismatched:
            print(f"  ! sample {sample_id}: its audio no longer matches the recorded hash")
        print(f"release {args.name}: {result.samples} samples checked, "
              + ("all match their recorded hashes" if result.ok else
                 f"{len(result.mismatched)} samples and {len(result.bad_parts)} parts do NOT match"))
    return 0 if result.ok else 1


def register(sub) -> None:
    release = sub.add_parser("release", help="named, frozen releases: create, list, diff, verify")
    commands = release.add_subparsers(dest="release_command", required=True)

    create = commands.add_parser("create", help="cut a release from the stored speech_dataset")
    create.add_argument("name")
    for option in ("partitions", "sources", "snapshots", "kinds"):
        create.add_argument(f"--{option}", nargs="+", help=f"only these {option} (default: all)")
    create.add_argument("--no-mos", action="store_true", help="skip the DNSMOS sample (~0.6 s a clip)")
    create.add_argument("--no-mlflow", action="store_true", help="do not log the release to MLflow")
    create.add_argument("--json", action="store_true")
    create.set_defaults(func=cmd_create)

    listing = commands.add_parser("list", help="the releases, oldest first")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=cmd_list)

    diff = commands.add_parser("diff", help="samples added, removed and changed between two releases")
    diff.add_argument("old")
    diff.add_argument("new")
    diff.add_argument("--json", action="store_true")
    diff.set_defaults(func=cmd_diff)

    verify = commands.add_parser("verify", help="recompute the content hashes of a release")
    verify.add_argument("name")
    verify.add_argument("--json", action="store_true")
    verify.set_defaults(func=cmd_verify)
