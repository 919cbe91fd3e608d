"""Sentences per second per core of the rule-based verbalizer (`synth normalize`'s engine).

Runs in this one process (one core), on a fixed mix of prose sentences with and without numbers,
so the figure is comparable between runs:

    .venv/bin/python -m benchmarks.normalize_bench [--seconds 5] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import time

from synth_assets.spoken.verbalize import verbalize

SENTENCES = [
    "The population was 45,190 at the 2010 census, up from 38,201 in 2000.",
    "Founded in 1872, the company had revenues of $3.2 billion and employed 12,000 people.",
    "He was born on 4 March 1961 in St. Louis, Missouri, and died on June 3, 2004.",
    "The bridge is 1,280 m long and cost €45 million to build.",
    "Call us at (555) 123-4567 or email info@example.org before 5:30 p.m.",
    "About 70% of the 1.5 million residents live within 10 km of the coast.",
    "In the 1990s, the U.S. and the U.K. signed the treaty, see Chapter IV.",
    "The river rises in the northern hills and reaches the sea after a long journey.",
    "Mix flour, water, salt and yeast into a dough and let it rise for two hours.",
    "Dr. Smith said the results were promising, e.g. in the second trial.",
]


def run(seconds: float = 5.0) -> dict:
    for sentence in SENTENCES:  # warm the caches and compiled patterns
        verbalize(sentence)
    done, start = 0, time.process_time()
    while time.process_time() - start < seconds:
        for sentence in SENTENCES:
            verbalize(sentence)
        done += len(SENTENCES)
    cpu = time.process_time() - start
    return {"sentences": done, "cpu_seconds": round(cpu, 3),
            "sentences_per_second_per_core": round(done / cpu, 1), "cores_available": os.cpu_count()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="CPU time to spend")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    report = run(args.seconds)
    print(json.dumps(report) if args.json else
          f"verbalizer: {report['sentences_per_second_per_core']:.0f} sentences/s per core "
          f"({report['sentences']} sentences in {report['cpu_seconds']} s CPU)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
