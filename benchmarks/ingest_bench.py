"""Reader throughput and memory: `python -m benchmarks.ingest_bench [--mb N]`.

Generates dumps in each source format from the bundled sample (pages re-numbered and varied so no two
are identical), then measures, each in a fresh subprocess so peak RSS is the reader's own:
  - the floor: a bare streaming XML parse of the same MediaWiki file (defusedxml iterparse, elements
    cleared, no wikitext work);
  - each reader: documents/s and MB/s of input per core, peak RSS;
and the cost of re-materializing an unchanged snapshot partition against its first materialization.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from synth_assets.settings import SAMPLE_LANDING

WIKI_SAMPLE = next((SAMPLE_LANDING / "wikipedia" / "2026-11-01").glob("*.xml"))


def make_mediawiki(path: Path, megabytes: float) -> int:
    """A dump of re-numbered sample articles, each with a few words shuffled so every page differs."""
    text = WIKI_SAMPLE.read_text()
    head, rest = text.split("  <page>", 1)
    pages = ["  <page>" + p for p in rest.rsplit("</mediawiki>", 1)[0].split("  <page>")]
    rng = random.Random(7)
    written, count = 0, 0
    with open(path, "w") as out:
        out.write(head)
        while written < megabytes * 1e6:
            page = pages[count % len(pages)]
            page = re.sub(r"<id>(\d+)</id>", lambda m: f"<id>{int(m.group(1)) * 1000 + count}</id>", page, count=2)
            page = page.replace("<title>", f"<title>Copy {count} of ", 1)
            words = page.split(" ")
            for _ in range(5):
                i, j = rng.randrange(len(words)), rng.randrange(len(words))
                if words[i].isalpha() and words[j].isalpha():  # plain prose words, never markup
                    words[i], words[j] = words[j], words[i]
            page = " ".join(words)
            out.write(page)
            written += len(page)
            count += 1
        out.write("</mediawiki>\n")
    return count


def make_posts(path: Path, megabytes: float) -> int:
    """Stack Exchange rows of the sample, re-numbered in blocks so questions keep their answers."""
    source = (SAMPLE_LANDING / "stackexchange" / "2026-11-01" / "Posts.xml").read_text()
    rows = [line for line in source.splitlines() if line.strip().startswith("<row ")]
    shift = 10 ** (len(str(max(int(re.search(r'Id="(\d+)"', r).group(1)) for r in rows))) + 1)
    written, block = 0, 0
    with open(path, "w") as out:
        out.write('<?xml version="1.0" encoding="utf-8"?>\n<posts>\n')
        while written < megabytes * 1e6:
            for row in rows:
                row = re.sub(r'\b(Id|ParentId|AcceptedAnswerId)="(\d+)"',
                             lambda m: f'{m.group(1)}="{int(m.group(2)) + block * shift}"', row)
                out.write(row + "\n")
                written += len(row) + 1
            block += 1
        out.write("</posts>\n")
    return block * len(rows)


def make_jsonl(path: Path, megabytes: float, kind: str) -> int:
    source = next((SAMPLE_LANDING / kind / "2026-11-01").iterdir())
    rows = ([json.loads(line) for line in source.read_text().splitlines() if line.strip()] if kind == "ultrachat"
            else json.loads(source.read_text()))
    written, count = 0, 0
    with open(path, "w") as out:
        out.write("[\n" if kind == "alpaca" else "")
        while written < megabytes * 1e6:
            row = dict(rows[count % len(rows)])
            row["id"] = str(count)
            line = json.dumps(row)
            out.write(("," if kind == "alpaca" and count else "") + line + "\n")
            written += len(line) + 1
            count += 1
        out.write("]\n" if kind == "alpaca" else "")
    return count


CHILD = r"""
import json, resource, sys, time
from pathlib import Path
path, mode = Path(sys.argv[1]), sys.argv[2]
start, cpu0 = time.perf_counter(), time.process_time()
documents = quarantined = 0
if mode == "bare":
    from defusedxml.ElementTree import iterparse
    for event, elem in iterparse(str(path), events=("end",)):
        if elem.tag.endswith("}page") or elem.tag == "page":
            documents += 1
            elem.clear()
else:
    from synth_assets.core.records import Quarantined
    from synth_assets.crawl.sources import read_file
    for record in read_file(path, source="bench", snapshot="s", rel_path=path.name):
        if isinstance(record, Quarantined):
            quarantined += 1
        else:
            documents += 1
print(json.dumps({"wall_s": time.perf_counter() - start, "cpu_s": time.process_time() - cpu0,
                  "documents": documents, "quarantined": quarantined,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def measure(path: Path, mode: str) -> dict:
    done = subprocess.run([sys.executable, "-c", CHILD, str(path), mode], capture_output=True, text=True, check=True)
    result = json.loads(done.stdout)
    megabytes = path.stat().st_size / 1e6
    result.update(mb=round(megabytes, 1), mb_per_s_per_core=round(megabytes / result["cpu_s"], 2),
                  docs_per_s=round(result["documents"] / result["wall_s"], 1))
    return result


def rematerialize_cost(work: Path, megabytes: float) -> dict:
    """crawl_snapshot on one partition, then again with nothing changed."""
    from dagster import DagsterInstance, materialize

    from resources.storage import LocalStorage
    from synth_assets.assets.crawl import crawl_snapshot
    from synth_assets.orchestration.partitions import shards

    landing = work / "landing"
    (landing / "wiki" / "s1").mkdir(parents=True)
    make_mediawiki(landing / "wiki" / "s1" / "dump.xml", megabytes)
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(shards.name, ["wiki/s1/dump.xml"])
    resources = {"landing": LocalStorage(root=str(landing)), "store": LocalStorage(root=str(work / "data"))}
    times = []
    for _ in range(2):
        start = time.perf_counter()
        materialize([crawl_snapshot], partition_key="wiki/s1/dump.xml", instance=instance, resources=resources)
        times.append(time.perf_counter() - start)
    return {"mb": megabytes, "first_s": round(times[0], 2), "unchanged_rerun_s": round(times[1], 2),
            "rerun_share": round(times[1] / times[0], 3)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=float, default=100.0, help="size of the generated MediaWiki dump")
    parser.add_argument("--jsonl-mb", type=float, default=20.0)
    parser.add_argument("--rerun-mb", type=float, default=20.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ingest-bench-") as tmp:
        work = Path(tmp)
        files = {"mediawiki": work / "wiki.xml", "stackexchange": work / "Posts.xml",
                 "alpaca": work / "alpaca.json", "ultrachat": work / "chat.jsonl"}
        make_mediawiki(files["mediawiki"], args.mb)
        make_posts(files["stackexchange"], args.jsonl_mb)
        make_jsonl(files["alpaca"], args.jsonl_mb, "alpaca")
        make_jsonl(files["ultrachat"], args.jsonl_mb, "ultrachat")
        rows = [("bare XML parse (floor)", measure(files["mediawiki"], "bare"))]
        rows += [(f"{kind} reader", measure(path, "reader")) for kind, path in files.items()]
        print(f"{'reader':<26}{'MB':>8}{'docs':>9}{'docs/s':>10}{'MB/s/core':>11}{'peak RSS MB':>13}")
        for name, r in rows:
            print(f"{name:<26}{r['mb']:>8}{r['documents']:>9}{r['docs_per_s']:>10}{r['mb_per_s_per_core']:>11}"
                  f"{r['peak_rss_mb']:>13.0f}")
        rerun = rematerialize_cost(work / "rerun", args.rerun_mb)
        print(f"re-materialize unchanged snapshot ({rerun['mb']} MB): first {rerun['first_s']} s, "
              f"rerun {rerun['unchanged_rerun_s']} s = {rerun['rerun_share']:.1%} of the first")


if __name__ == "__main__":
    main()
