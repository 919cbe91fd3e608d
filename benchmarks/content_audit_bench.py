"""Content audit: the conversations a landing zone makes, read as a listener would.

    python -m benchmarks.content_audit_bench [--landing sample|large|PATH] [--premises N] [--json]

Builds every conversation script the dialogue stages would voice from each file of the landing zone,
with the same functions and caps as the assets (instruction conversations and their clarifications
from Alpaca / UltraChat files, false premises from the segments of MediaWiki files, safety
conversations for the mix's share), speaks each turn's text the way the rendering does (rewrite and
fillers with the same seeds), and counts each defect kind of synth_assets/dialogues/audit.py, with
examples. No audio is made: the audit reads the words.

``sample`` is the bundled landing zone; ``large`` is made in a temporary folder from the real data of
/work/shared/data (read by path, never copied into the repository): the 300 Alpaca records (all of them made
into conversations) and the gensim enwiki dump (106 articles, 40 false premises).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from pathlib import Path

from synth_assets.core.mix import MixTargets
from synth_assets.core.records import Document
from synth_assets.crawl.sources import read_file
from synth_assets.dialogues.audit import audit_release
from synth_assets.dialogues.false_premise import false_premise_scripts
from synth_assets.dialogues.instructions import INSTRUCTION_KINDS, BadInstruction, instruction_script, parse_turns
from synth_assets.dialogues.render import clarification_start, with_clarifications
from synth_assets.dialogues.scripts import safety_scripts, used_request
from synth_assets.segments.language import boilerplate, foreign_passage
from synth_assets.segments.segment import split_document

SAMPLE = Path(__file__).resolve().parents[1] / "synth_assets" / "sample_landing"
DATA = Path("/work/shared/data")
INSTRUCTIONS_PER_PARTITION = 20  # InstructionConfig's default
PREMISES_PER_PARTITION = 3  # FalsePremiseConfig's default


def large_landing(root: Path) -> Path:
    """A landing zone of the real Alpaca records and the real enwiki dump, a file each (linked, not
    copied). One Alpaca file: the reader numbers records within a file, so two files of one snapshot
    would give their documents the same ids."""
    folder = root / "alpaca" / "2026-11-01"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "alpaca-real-300.json").symlink_to(DATA / "alpaca-real-300.json")
    wiki = root / "wikipedia" / "2026-11-01"
    wiki.mkdir(parents=True, exist_ok=True)
    (wiki / "enwiki-shortened.xml.bz2").symlink_to(DATA / "enwiki-shortened.xml.bz2")
    return root


def partition_scripts(path: Path, landing: Path, mix: MixTargets, premises: int, instructions_cap: int, seen: set[str],
                      counts: dict) -> tuple[list, dict[str, str]]:
    rel = path.relative_to(landing).as_posix()
    source, snapshot, _ = rel.split("/", 2)
    documents = [d for d in read_file(path, source=source, snapshot=snapshot, rel_path=rel) if isinstance(d, Document)]
    scripts, answers, instructions = [], {}, []
    for document in documents:
        if document.kind in INSTRUCTION_KINDS:
            row = {"id": document.id, "kind": document.kind, "text": document.text, "source": document.source,
                   "snapshot": document.snapshot, "license": document.license}
            try:
                instructions.append(instruction_script(row))
            except BadInstruction as error:
                counts["quarantined"][re.sub(r"^turn \d+: |[:;,(].*$", "", str(error))[:60]] += 1
                continue
            turns = parse_turns(document.text)
            answers[document.id] = next((t.text for t in turns if t.role == "assistant"), "")
    scripts += list(with_clarifications(iter(instructions), instructions_cap,
                                        mix.clarifications_per_instruction, clarification_start(rel)))
    segments, titles = [], {}
    for document in documents:
        if document.kind != "mediawiki" or document.content_hash in seen:
            continue  # text_segments drops a document unchanged since an earlier snapshot
        seen.add(document.content_hash)
        titles[document.id] = document.title
        found, _ = split_document(document)
        segments += [s for s in found if not boilerplate(s.text) and not foreign_passage(s.text, ("en",))]
    scripts += false_premise_scripts(segments, max_count=premises, titles=titles)
    others = len(scripts)
    safety = safety_scripts(rel, mix.safety_count(others, rel), counts["safety_used"])
    counts["safety_used"].update(used_request(s.params) for s in safety)  # as render.earlier_safety reads them
    return scripts + safety, answers


def _bare(text: str) -> list[str]:
    return re.sub(r"[^\w'\s-]+", " ", text).lower().split()


def audibility(scripts: list, voices: list[str]) -> dict:
    """Voice each clarification's garbled question (a near miss, a wrong name, or the key word masked by
    noise or a dropout) and ask Whisper tiny.en whether it hears the intended word."""
    from collections import Counter

    from synth_assets.asr.transcriber import Transcriber
    from synth_assets.core.audio import SAMPLE_RATE
    from synth_assets.core.records import seed_from_id
    from synth_assets.dialogues.audit import spoken_turns
    from synth_assets.dialogues.clarification import clarification_script
    from synth_assets.dialogues.mask import MASKED, mask_turn
    from synth_assets.dialogues.words import estimate_word_times
    from synth_assets.tts.durations import text_word_times
    from synth_assets.tts.policy import VoicePolicy

    swaps, seen = [], set()
    for script in scripts:
        if script.kind in ("instruction", "clarification"):
            clarified = script if script.kind == "clarification" else clarification_script(script)
            detail = json.loads(clarified.params)["clarification"]
            if detail["garble"] != "cut_off" and clarified.turns[0].text not in seen:
                seen.add(clarified.turns[0].text)
                swaps.append((clarified, detail))
    policy, transcriber = VoicePolicy(user_voices=tuple(voices), workers=1), Transcriber(pack_seconds=0)
    heard, examples = 0, []
    started = time.perf_counter()
    kinds = Counter()
    for index, (script, detail) in enumerate(swaps):
        said = spoken_turns(script)[0]
        voice = voices[index % len(voices)]
        seed = seed_from_id(script.id, "turn0")
        audio, timed = policy.synthesize_timed(voice, said, seed=seed)
        if detail["garble"] == MASKED:  # as the rendering masks it (dialogues/conversation.py)
            times = (text_word_times(said, timed)[0] if timed is not None else []) or \
                estimate_word_times(said, audio, SAMPLE_RATE)
            audio, _ = mask_turn(audio, times, detail["said"], detail["mask"], seed)
        kinds[detail["garble"]] += 1
        words = _bare(transcriber.transcribe(audio, SAMPLE_RATE).text)
        ok = detail["said"].lower() not in words
        heard += ok
        if len(examples) < 16:
            heard_as = detail.get("heard", detail.get("mask"))
            examples.append(f"{'heard' if ok else 'MISSED'}: {detail['said']} -> {heard_as} "
                            f"({voice}): "
                            f"Whisper: {' '.join(words)[:100]}")
    return {"swapped_clarifications": len(swaps), "by_garble": dict(kinds), "heard_differently": heard,
            "share": round(heard / len(swaps), 3) if swaps else None,
            "seconds": round(time.perf_counter() - started, 1), "examples": examples}


def run(landing: Path, premises: int, instructions_cap: int = INSTRUCTIONS_PER_PARTITION, examples: int = 3,
        voices: list[str] | None = None) -> dict:
    from collections import Counter

    started = time.perf_counter()
    mix, seen, scripts, answers = MixTargets(), set(), [], {}
    counts = {"quarantined": Counter(), "safety_used": set()}
    files = sorted(p for p in landing.rglob("*") if p.is_file() or p.is_symlink())
    files = [p for p in files if p.relative_to(landing).parts[0] != "stackexchange"]
    for path in sorted(files, key=lambda p: (p.relative_to(landing).parts[1], str(p))):
        made, found = partition_scripts(path, landing, mix, premises, instructions_cap, seen, counts)
        scripts += made
        answers.update(found)
    audit = audit_release(scripts, answers, examples=examples)
    if voices:
        counts["audible"] = audibility(scripts, voices)
    return {"audible": counts.get("audible"), "landing": str(landing), "partitions": len(files),
            "conversations": len(scripts),
            "quarantined_instructions": dict(counts["quarantined"]), "seconds": round(time.perf_counter() - started, 1),
            **audit.to_dict(), "lines": audit.lines()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--landing", default="sample", help="sample, large, or a landing-zone folder")
    parser.add_argument("--premises", type=int, default=None,
                        help=f"false premises per partition (default {PREMISES_PER_PARTITION}; large: 40)")
    parser.add_argument("--instructions", type=int, default=None,
                        help=f"instruction conversations per partition (default {INSTRUCTIONS_PER_PARTITION}; "
                        "large: 300)")
    parser.add_argument("--examples", type=int, default=3, help="examples printed of each defect kind")
    parser.add_argument("--audible", action="store_true", help="voice swapped clarifications, ask Whisper")
    parser.add_argument("--voices", default="piper-joe,flite-slt", help="user voices for --audible")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        if args.landing == "sample":
            landing, premises = SAMPLE, args.premises or PREMISES_PER_PARTITION
        elif args.landing == "large":
            landing, premises = large_landing(Path(tmp)), args.premises or 40
        else:
            landing, premises = Path(args.landing), args.premises or PREMISES_PER_PARTITION
        cap = args.instructions or (300 if args.landing == "large" else INSTRUCTIONS_PER_PARTITION)
        result = run(landing, premises, cap, args.examples, args.voices.split(",") if args.audible else None)
    if args.json:
        print(json.dumps({k: v for k, v in result.items() if k != "lines"}, indent=1))
        return 0
    print(f"content audit of {args.landing}: {result['partitions']} partitions, {result['conversations']} "
          f"conversations ({result['seconds']} s)")
    print(f"instructions quarantined: {result['quarantined_instructions']}")
    print("\n".join(result["lines"]))
    if result["audible"]:
        audible = result["audible"]
        print(f"mishearings heard (Whisper tiny.en does not hear the intended word): {audible['heard_differently']} "
              f"of {audible['swapped_clarifications']} ({audible['share']}; {audible['by_garble']}), "
              f"{audible['seconds']} s")
        print("\n".join(f"      {e}" for e in audible["examples"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
