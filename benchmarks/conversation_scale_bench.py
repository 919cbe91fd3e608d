"""Conversations at the scale of the data: how many of a real instruction file's records become
conversations, and how fast a partition's conversations render on one worker and on two.

    python -m benchmarks.conversation_scale_bench [--alpaca FILE] [--render N] [--workers 1,2]
                                                  [--memory N] [--json]

1. The real Alpaca sample (/work/shared/data/alpaca-real-300.json, read by path, never copied) is
   read as crawl_snapshot reads it and its instruction scripts made as instruction_dialogues makes
   them: documents, scripted, quarantined by reason, duplicates.
2. The first ``--render`` of its instruction documents (all when 0) are rendered as instruction_dialogues
   renders them (units of conversations, word times from Whisper tiny.en, the voices SYNTH_USER_VOICES /
   SYNTH_ASSISTANT_VOICE choose, else the defaults), once per worker count: conversation hours per
   wall hour, and the share of the rendered instructions that became conversations.
3. ``--memory N``: N distinct synthetic instructions streamed through the script stage, with the
   peak traced memory.
"""

from __future__ import annotations

import argparse
import collections
import json
import tempfile
import time
import tracemalloc
from pathlib import Path

from synth_assets import settings
from synth_assets.core import names, parts
from synth_assets.core.mix import MixTargets
from synth_assets.core.records import Document, Quarantined, seed_from_id
from synth_assets.core.stage_run import StageRun
from synth_assets.core.storage import LocalStore
from synth_assets.crawl.sources import read_file
from synth_assets.dialogues import render
from synth_assets.dialogues.units import RenderReport
from synth_assets.spoken.rewrite import DropText, to_spoken
from synth_assets.tts.policy import VoicePolicy

ALPACA = Path("/work/shared/data/alpaca-real-300.json")
KEY = "alpaca/real/alpaca-real-300.json"


def crawl(path: Path, store: LocalStore) -> dict:
    docs, bad = [], []
    for item in read_file(path, source="alpaca", snapshot="real", rel_path=KEY):
        (bad if isinstance(item, Quarantined) else docs).append(item)
    parts.write_parts(store, names.CRAWL_SNAPSHOT, KEY, [d.to_row() for d in docs if isinstance(d, Document)],
                      fingerprint_value="bench")
    return {"records_read": len(docs) + len(bad), "documents": len(docs), "crawl_quarantined": len(bad)}


def reason_kind(reason: str) -> str:
    text = reason.split(": ", 1)[-1]
    return text.split(":")[0].split(" (")[0]


def script_figures(store: LocalStore) -> dict:
    stage = StageRun(names.INSTRUCTION_DIALOGUES, KEY, "bench", "bench")
    tally = render.InstructionTally()
    scripts = list(render.instruction_scripts(stage, store, KEY, tally=tally))
    reasons = collections.Counter(reason_kind(q.reason) for q in stage.quarantined)
    unspeakable = collections.Counter()
    for script in scripts:  # what voicing will refuse: the spoken rewrite of every turn, without audio
        try:
            for index, turn in enumerate(script.turns):
                to_spoken(turn.text, seed=seed_from_id(script.id, f"turn{index}"), role=turn.role, filler_rate=0.0)
        except DropText as error:
            unspeakable[f"{type(error).__name__}: {str(error).split(':')[0]}"] += 1
    speakable = len(scripts) - sum(unspeakable.values())
    return {"instruction_documents": tally.documents, "scripted": len(scripts), "invalid": tally.invalid,
            "duplicates": tally.duplicates, "scripted_share": round(len(scripts) / max(tally.documents, 1), 4),
            "speakable": speakable, "speakable_share_of_valid": round(speakable / max(len(scripts), 1), 4),
            "unspeakable_reasons": dict(unspeakable.most_common()),
            "quarantine_reasons": dict(reasons.most_common()),
            "examples": [q.reason[:160] for q in stage.quarantined[:6]]}


def rendered(store: LocalStore, workers: int, count: int, threads: int = 0) -> dict:
    from synth_assets.asr.transcriber import Transcriber

    subset = LocalStore(Path(tempfile.mkdtemp(prefix="conv-scale-")))
    rows = list(parts.read_rows(store, names.CRAWL_SNAPSHOT, KEY))
    parts.write_parts(subset, names.CRAWL_SNAPSHOT, KEY, rows[:count] if count else rows, fingerprint_value="bench")
    # The engine threads the product gives a worker: one (TTSVoices leaves the policy's default), each
    # worker of a pool one core's share (units.py). --threads overrides, e.g. one process on every core.
    policy = VoicePolicy(**settings.voice_choice(), workers=workers, **({"threads": threads} if threads else {}))
    stage, tally, report = StageRun(names.INSTRUCTION_DIALOGUES, KEY, "bench", "bench"), render.InstructionTally(), \
        RenderReport()
    start = time.perf_counter()
    made = list(render.instruction_dialogues(stage, subset, KEY, 1.0, policy, MixTargets(), Transcriber(),
                                             tally=tally, report=report))
    wall = time.perf_counter() - start
    seconds = sum(r["duration_s"] for r in made)
    instruction = sum(r["kind"] == "instruction" for r in made)
    covered = set().union(*(documents_spoken(r) for r in made)) if made else set()
    voicing = [q.reason[:160] for q in stage.quarantined if q.position == "voicing"]
    return {"workers": report.workers, "threads": policy.threads if report.workers == 1 else "one core's share",
            "units": report.units, "conversations": len(made),
            "instruction_conversations": instruction, "clarifications": len(made) - instruction,
            "instruction_documents": tally.documents, "valid_instructions": tally.scripted,
            "valid_documents_spoken": len(covered),
            "valid_that_became_conversations": round(len(covered) / max(tally.scripted, 1), 4),
            "documents_that_became_conversations": round(len(covered) / max(tally.documents, 1), 4),
            "voicing_failures": voicing, "conversation_hours": round(seconds / 3600, 4),
            "wall_s": round(wall, 1), "conversation_hours_per_wall_hour": round(seconds / wall, 3),
            "user_voices": dict(collections.Counter(r["user_voice"] for r in made))}


def documents_spoken(row: dict) -> set[str]:
    """The instruction documents a conversation speaks: its own, and those a long session or a question
    barge-in chained in (a clarification speaks the document it was made from)."""
    params = json.loads(row.get("params") or "{}")
    return {row["parent_id"], *params.get("chained", ()), *params.get("session", ())} - {None}


def memory(count: int) -> dict:
    store = LocalStore(Path(tempfile.mkdtemp(prefix="conv-memory-")))
    parts.write_parts(store, names.CRAWL_SNAPSHOT, KEY, (
        {"id": f"doc-{i}", "kind": "alpaca", "source": "alpaca", "snapshot": "s", "license": "CC BY-NC 4.0",
         "file": KEY, "position": f"item {i}", "text": f"USER: Explain idea number {i} of the list in one line."
                                                       f"\n\nASSISTANT: It is idea {i}, and a good one."}
        for i in range(count)), fingerprint_value="bench")
    stage = StageRun(names.INSTRUCTION_DIALOGUES, KEY, "bench", "bench")
    tracemalloc.start()
    start = time.perf_counter()
    made = sum(1 for _ in render.with_clarifications(render.instruction_scripts(stage, store, KEY), None, 0.35))
    wall = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"instructions": count, "scripts": made, "peak_traced_mb": round(peak / 2**20, 1),
            "wall_s_traced": round(wall, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--alpaca", type=Path, default=ALPACA)
    parser.add_argument("--render", type=int, default=24, help="instruction documents to render (0: all)")
    parser.add_argument("--workers", default="1,2", help="worker counts to render with, comma-separated")
    parser.add_argument("--threads", type=int, default=0,
                        help="engine threads of the one-worker render (default: the product's, one)")
    parser.add_argument("--memory", type=int, default=0, help="synthetic instructions for the memory check")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    store = LocalStore(Path(tempfile.mkdtemp(prefix="conv-scale-")))
    result = {"file": str(args.alpaca), **crawl(args.alpaca, store), "scripts": script_figures(store)}
    runs = [rendered(store, int(w), args.render, args.threads) for w in args.workers.split(",") if w.strip()] if args.render >= 0 else []
    result["renders"] = runs
    if len(runs) >= 2 and runs[0]["conversation_hours_per_wall_hour"]:
        result["speedup"] = round(runs[-1]["conversation_hours_per_wall_hour"] / runs[0]["conversation_hours_per_wall_hour"], 2)
        result["same_conversations"] = len({r["conversations"] for r in runs}) == 1
    if args.memory:
        result["memory"] = memory(args.memory)
    print(json.dumps(result, indent=None if args.json else 2))


if __name__ == "__main__":
    main()
