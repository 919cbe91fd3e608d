"""`synth plan`: what a landing zone will cost before anything runs (synth_assets/drivers/plan.py)."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def cmd_plan(args) -> int:
    from resources.storage import LocalStorage
    from synth_assets import settings
    from synth_assets.drivers import plan

    landing = Path(args.landing or settings.landing_root())
    if not landing.is_dir():
        print(f"synth plan: landing folder {landing} does not exist", file=sys.stderr)
        return 2
    keys = None
    if args.partitions:
        known = set(plan.landing_shards(LocalStorage(root=str(landing)), settings.slice_bytes()))
        unknown = [k for k in args.partitions if k not in known]
        if unknown:
            print(f"synth plan: not a partition of {landing}: {', '.join(unknown)}", file=sys.stderr)
            return 2
        keys = args.partitions
    data = Path(args.data)
    store = LocalStorage(root=str(data)) if data.is_dir() else None
    instance = None
    if store is not None and settings.dagster_home().joinpath("dagster.yaml").exists():
        from synth_assets.drivers.runner import ensure_instance

        instance = ensure_instance()
    progress = (lambda message: None) if args.json else (lambda message: print(message, file=sys.stderr))
    result = plan.plan_landing(LocalStorage(root=str(landing)), store, keys=keys, instance=instance,
                               audio_landing=LocalStorage(root=str(args.audio_landing)) if args.audio_landing else None,
                               workers=args.workers or settings.command_workers(), progress=progress)
    if not result["partitions"]:
        print(f"synth plan: no dump files in {landing} (expected <source>/<snapshot>/<file>)", file=sys.stderr)
        return 2
    print(json.dumps(result, indent=2) if args.json else plan.table(result))
    return 0


def register(sub) -> None:
    parser = sub.add_parser("plan", help="what a landing zone will cost, before anything runs",
                            description="Reads the landing zone's text with the text stages' own functions and "
                            "estimates clips, audio hours, conversations, step-hours and wall time per worker count, "
                            "from the rates this instance measured (default rates where it has none).")
    parser.add_argument("--landing", help="folder laid out as <source>/<snapshot>/<files> (default: SYNTH_LANDING "
                        "or the bundled sample)")
    parser.add_argument("--audio-landing", help="folder of real recordings to plan as well")
    parser.add_argument("--partitions", nargs="+", metavar="KEY", help="only these partitions of the landing zone")
    parser.add_argument("--workers", type=int, help="partition workers to estimate the wall time for (default: cores)")
    parser.add_argument("--json", action="store_true")
    parser.set_defaults(func=cmd_plan)
