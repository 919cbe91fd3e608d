"""How long each domain package takes to import in a fresh interpreter (best of N), how many modules
sit at the top of synth_assets/, and the import cycles (tests/architecture/ finds them the same way).

    python -m benchmarks.import_bench [--repeats 5]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("core", "crawl", "segments", "spoken", "tts", "asr", "augment", "dialogues", "recordings", "release")
IMPORT_ALL = ("import importlib, pkgutil\n"
              "root = importlib.import_module('{name}')\n"
              "for info in pkgutil.walk_packages(getattr(root, '__path__', []), root.__name__ + '.'):\n"
              "    importlib.import_module(info.name)\n")


def import_seconds(name: str, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", IMPORT_ALL.format(name=name)], check=True, cwd=ROOT)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "tests" / "architecture"))
    from test_import_rules import cycles, import_graph  # the same graph the tests check

    baseline = import_seconds("json", args.repeats)  # the interpreter's own start-up
    print(f"interpreter start-up: {baseline:.2f} s (included in the figures below)")
    print(f"{'package':<28}{'import s':>9}")
    for package in PACKAGES:
        print(f"{'synth_assets.' + package:<28}{import_seconds('synth_assets.' + package, args.repeats):>9.2f}")
    for name in ("synth_assets.definitions",):
        print(f"{name:<28}{import_seconds(name, args.repeats):>9.2f}   (Dagster, GX and every asset: for comparison)")
    top = sorted(p.name for p in (ROOT / "synth_assets").glob("*.py"))
    print(f"modules at the top of synth_assets/: {len(top)} ({', '.join(top)})")
    found = cycles(import_graph())
    print(f"import cycles: {len(found)}" + "".join(f"\n  {' <-> '.join(c)}" for c in found))


if __name__ == "__main__":
    main()
