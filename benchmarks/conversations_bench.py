"""Conversations benchmark: how fast full-duplex conversations render, what their turn-taking looks
like, the kind and voice mix, and whether Whisper hears each stereo channel as its own turns.

    python -m benchmarks.conversations_bench [--per-kind N] [--behaviour-share S] [--barge-in-share S] [--json]

Renders N conversations of each kind (instruction and clarification from a small written set of
instructions, safety from the bank, false premises from written facts) with the default voices, in
this process, then transcribes each channel separately (Whisper tiny.en) against the words said on
it (the user channel's reference holds the background speech labelled there; also scored with its
backchannels silenced). Also the round-trip WER of light augmentation recipes against the clean turn,
and the barge-ins by form (labelled and obeyed, from the plans; labelled and heard, from the audio).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import time

import numpy as np

from quality.metrics import wer
from synth_assets.augment.recipes import RECIPES, apply_recipe
from synth_assets.core.audio import SAMPLE_RATE, from_flac
from synth_assets.core.records import Segment
from synth_assets.core.stage_run import StageRun
from synth_assets.dialogues import duplex
from synth_assets.dialogues.clarification import clarification_script
from synth_assets.dialogues.false_premise import false_premise_scripts
from synth_assets.dialogues.instructions import instruction_script
from synth_assets.dialogues.behaviours import BEHAVIOURS, BehaviourShares, background_speech, barge_in_counts, \
    counts, with_duplex_behaviours
from synth_assets.dialogues.render import qa_pair, voiced_rows
from synth_assets.dialogues.scripts import safety_scripts
from synth_assets.tts.policy import VoicePolicy

# Written for this benchmark.
INSTRUCTIONS = [
    ("Give one tip for keeping bread fresh.", "Keep the loaf in a cloth bag at room temperature, and slice only "
     "what you need each day. A fridge makes bread go stale faster."),
    ("Explain why the sky looks blue during the day.", "Sunlight scatters off the air, and blue light scatters much "
     "more than red light. So the whole sky glows blue when the sun is up."),
    ("How do I keep a houseplant alive in a dark room?", "Pick a plant that copes with low light, like a snake plant "
     "or a pothos. Water it only when the soil is dry, and wipe the dust off its leaves."),
    ("Describe a good morning routine for a student.", "Wake up at the same time every day and drink a glass of "
     "water. Eat a simple breakfast, then spend ten minutes planning the day before classes start."),
    ("What should I pack for a day hike?", "Bring plenty of water, a snack, a light jacket and a map. Sturdy shoes "
     "matter more than anything else, and tell someone where you are going."),
    ("Suggest a way to learn new words in a foreign language.", "Learn a few words every day from short stories, "
     "and say them out loud. Reviewing them a day later and a week later helps them stick."),
]
FACTS = [
    "The old bridge in the town centre was finished in 1872 after four years of work.",
    "The lake covers about twelve square kilometres and is very cold all year round.",
    "The museum opened in March and now welcomes about 300 visitors every single day.",
    "The tower was designed by Gustave Eiffel and completed for the World's Fair in Paris.",
    "The river flows for about 285 km before it reaches the sea near the harbour.",
    "The castle was rebuilt in 1654 after a fire destroyed most of the eastern wing.",
]


def scripts(per_kind: int, shares: BehaviourShares = BehaviourShares()) -> list:
    docs = [{"id": f"bench-doc-{i}", "kind": "alpaca", "text": f"USER: {q}\n\nASSISTANT: {a}", "source": "bench",
             "snapshot": "bench", "license": "Apache-2.0"} for i, (q, a) in enumerate(INSTRUCTIONS)]
    plain = [instruction_script(d) for d in docs][:per_kind]
    clarifications = [clarification_script(s) for s in plain][:per_kind]
    # The duplex behaviours in their shares (a long session takes the next scripts with it).
    instructions = list(with_duplex_behaviours(plain, shares))
    segments = [Segment(id=f"bench-seg-{i}", parent_id="bench-doc", stage="text_segments", text=t, license="CC0")
                for i, t in enumerate(FACTS)]
    premises = false_premise_scripts(segments, max_count=per_kind, titles={"bench-doc": "The town"})
    return instructions + clarifications + safety_scripts("bench/bench/0", per_kind) + premises


def channel_wer(row: dict, transcriber) -> dict:
    """Each channel transcribed on its own, against the words said on it: turns, backchannels and, on the
    user channel, the background speech labelled there (another voice, quieter, but speech Whisper hears).
    Also the user channel with its backchannels silenced, against its turns and background alone (how well
    the user's requests are heard), and the user channel against the reference before the background was
    counted (``user_turns_backchannels``: the figure this benchmark reported before)."""
    audio, rate = from_flac(row["audio"])
    background = [w for b in background_speech(row["turn_taking"]) for w in b["words"]]
    result = {}
    for role, channel in (("assistant", 0), ("user", 1)):
        words = json.loads(row[f"words_{role}"])
        reference = " ".join(w["word"] for w in sorted(words + (background if role == "user" else []),
                                                       key=lambda w: w["start"]))
        heard = transcriber.transcribe(audio[:, channel], rate).text
        result[role] = wer(reference, heard)
        result[f"{role}_pair"] = (reference, heard)
        result[f"{role}_words"] = len(reference.split())
    result["user_turns_backchannels"] = wer(" ".join(w["word"] for w in json.loads(row["words_user"])),
                                            result["user_pair"][1])
    user = audio[:, 1].copy()
    for item in json.loads(row["backchannels"]):
        if item["role"] == "user":
            user[max(0, int((item["speech_start"] - 0.05) * rate)):int((item["speech_end"] + 0.05) * rate)] = 0.0
    turns = [w for t in json.loads(row["turns"]) if t["role"] == "user" for w in t["words"]]
    reference = " ".join(w["word"] for w in sorted(turns + background, key=lambda w: w["start"]))
    result["user_no_backchannels"] = wer(reference, transcriber.transcribe(user, rate).text)
    return result


def light_recipe_wer(rows: list[dict], transcriber) -> dict[str, float]:
    """Mean round-trip WER of each light recipe on the assistant's first turn, against the clean turn's."""
    scores: dict[str, list[float]] = {name: [] for name, r in RECIPES.items() if r.light}
    for row in rows:
        if row["kind"] != "instruction":
            continue
        clean, _ = from_flac(row["answer_audio"])
        for name in scores:
            audio = apply_recipe(name, clean, seed=len(row["id"])).audio
            scores[name].append(wer(row["answer_text"], transcriber.transcribe(audio, SAMPLE_RATE).text))
    return {name: round(statistics.fmean(v), 4) for name, v in scores.items() if v}


def run(per_kind: int, shares: BehaviourShares = BehaviourShares()) -> dict:
    from synth_assets.asr.transcriber import Transcriber

    stage = StageRun("conversations_bench", "bench", "bench", "bench")
    extra = {}

    sampled: list[tuple[str, str, np.ndarray, list[dict]]] = []  # engine-timed whole turns, for the Whisper check

    def keep_pair(script, voiced):
        for turn, audio in zip(voiced.turns, voiced.turn_audio):
            if turn["word_times"].startswith("engine") and not turn["interrupted"] and len(sampled) < SAMPLED_TURNS:
                sampled.append((turn["word_times"], turn["spoken"], audio,
                                [{**w, "start": w["start"] - turn["start"], "end": w["end"] - turn["start"]}
                                 for w in turn["words"]]))
        if script.kind != "instruction":
            return {}
        pair = qa_pair(script, voiced)  # the first exchange that is no behaviour of its own
        return {"answer_audio": pair["answer_audio"], "answer_text": pair["answer_text"]}

    transcriber = Transcriber()  # word times come from Whisper, as in the assets
    start, cpu = time.perf_counter(), time.process_time()
    rows = list(voiced_rows(stage, scripts(per_kind, shares), VoicePolicy(workers=1), lambda s: "bench",
                            extra=keep_pair, transcriber=transcriber))
    render_s, render_cpu_s = time.perf_counter() - start, time.process_time() - cpu
    seconds = sum(r["duration_s"] for r in rows)
    transitions = [t["transition"] for r in rows for t in json.loads(r["turns"])[1:]]
    # The labelled offsets: before issue 20, clip edge to clip edge of "gap" transitions; since, speech edge to
    # speech edge of every change of speaker (fto, barge_in).
    gaps = [t["seconds"] for t in transitions if t["kind"] in ("gap", "fto", "barge_in")]
    kinds: dict[str, int] = {}
    for t in transitions:
        kinds[t["kind"]] = kinds.get(t["kind"], 0) + 1
    wers = [channel_wer(r, transcriber) for r in rows]
    extra["light_recipe_wer"] = light_recipe_wer(rows, transcriber)
    extra["word_times"] = word_time_methods(rows, sampled, transcriber)
    extra["behaviours"] = behaviours(rows)
    count = lambda key: {k: sum(r[key] == k for r in rows) for k in sorted({r[key] for r in rows})}  # noqa: E731
    return {
        "conversations": len(rows), "quarantined": [q.reason for q in stage.quarantined],
        "audio_hours": round(seconds / 3600, 4), "render_wall_s": round(render_s, 1),
        "conversation_hours_per_wall_hour": round(seconds / render_s, 2), "render_cpu_s": round(render_cpu_s, 1),
        "conversation_hours_per_cpu_hour": round(seconds / render_cpu_s, 2),
        "overlap_share": round(sum(r["overlap_s"] for r in rows) / seconds, 4),
        "transitions": kinds,
        "labelled_offset_s": {"n": len(gaps), "p10": round(float(np.percentile(gaps, 10)), 3),
                  "median": round(statistics.median(gaps), 3), "p90": round(float(np.percentile(gaps, 90)), 3)},
        "interruptions": sum(r["interruptions"] for r in rows),
        "backchannels": sum(len(json.loads(r["backchannels"])) for r in rows),
        "by_kind": count("kind"), "user_voices": count("user_voice"), "user_genders": count("user_gender"),
        "assistant_voices": count("assistant_voice"),
        "wer_assistant_channel": round(statistics.fmean(w["assistant"] for w in wers), 4),
        "wer_user_channel": round(statistics.fmean(w["user"] for w in wers), 4),
        # the same transcripts against the reference before background speech was counted on the user channel
        "wer_user_channel_without_background_in_reference": round(
            statistics.fmean(w["user_turns_backchannels"] for w in wers), 4),
        "wer_user_channel_backchannels_silenced": round(statistics.fmean(w["user_no_backchannels"] for w in wers), 4),
        "wer_user_channel_pooled": round(sum(w["user"] * w["user_words"] for w in wers)
                                         / max(1, sum(w["user_words"] for w in wers)), 4),
        "wer_by_kind": {k: {role: round(statistics.fmean(w[role] for w, r in zip(wers, rows) if r["kind"] == k), 4)
                            for role in ("assistant", "user")} for k in count("kind")},
        "worst_user_channels": [{"kind": r["kind"], "voice": r["user_voice"], "wer": round(w["user"], 3),
                                 "said": w["user_pair"][0], "heard": w["user_pair"][1]}
                                for w, r in sorted(zip(wers, rows), key=lambda p: -p[0]["user"])[:3]],
        "duplex": duplex_report(rows),
        **extra,
    }


SAMPLED_TURNS = 24


def word_time_methods(rows: list[dict], sampled: list, transcriber) -> dict:
    """How the turns were timed, and the sampled check: Whisper's times of engine-timed turns against the
    engine's own (its error, since the engine's durations are what the voice said)."""
    from synth_assets.dialogues.words import Clip, time_words

    methods: dict[str, int] = {}
    for row in rows:
        for item in json.loads(row["turns"]) + json.loads(row["backchannels"]):
            methods[item["word_times"]] = methods.get(item["word_times"], 0) + 1
    start = time.perf_counter()
    heard = time_words([Clip(text, audio, SAMPLE_RATE) for _, text, audio, _ in sampled], transcriber)
    whisper_s = time.perf_counter() - start
    errors: dict[str, list[float]] = {}
    for (method, _, _, truth), timed in zip(sampled, heard):
        if timed.method.startswith("whisper"):
            errors.setdefault(method, []).extend(abs(a[k] - b[k]) for a, b in zip(timed.words, truth)
                                                 for k in ("start", "end"))
    return {"methods": methods, "engine_error_ms": 0.0,
            "whisper_check_turns": len(sampled), "whisper_check_s": round(whisper_s, 2),
            "whisper_vs_engine_ms": {m: {"median": round(1000 * statistics.median(v), 1),
                                         "p90": round(1000 * float(np.percentile(v, 90)), 1)}
                                     for m, v in sorted(errors.items())}}


def behaviours(rows: list[dict]) -> dict:
    """Each labelled behaviour's count and share: barge-ins per assistant-to-user change (in the kinds that
    allow them), backchannels by form and by who says them, overlapping speaker changes as planned."""
    changes = barge = 0
    forms: dict[str, int] = {}
    by_role: dict[str, int] = {}
    for row in rows:
        turns = json.loads(row["turns"])
        for before, after in zip(turns, turns[1:]):
            if before["role"] == "assistant" and after["role"] == "user":
                changes += 1
                barge += after["transition"]["kind"] == "barge_in"
        for item in json.loads(row["backchannels"]):
            forms[item["text"]] = forms.get(item["text"], 0) + 1
            by_role[item["role"]] = by_role.get(item["role"], 0) + 1
    conversations = counts(r["turn_taking"] for r in rows)
    by_form = barge_in_counts(r["turn_taking"] for r in rows)
    answers = sum(t["role"] == "assistant" for r in rows if r["kind"] == "instruction" for t in json.loads(r["turns"]))
    plans = [json.loads(r["turn_taking"]) for r in rows]
    stops = [b for p in plans for b in p.get("behaviours", []) if b["kind"] == "stop"]
    instructions = sum(r["kind"] == "instruction" for r in rows)
    return {"assistant_to_user_changes": changes, "barge_ins": barge,
            "barge_in_share": round(barge / changes, 3) if changes else None,
            "backchannels_by_role": by_role, "backchannel_forms": forms,
            "duplex_behaviours": {"instruction_conversations": instructions, "conversations_with": conversations,
                                  "share_of_instruction_conversations": {
                                      k: round(v / instructions, 3) if instructions else None
                                      for k, v in conversations.items()},
                                  "stops_obeyed": sum(bool(b.get("obeyed")) for b in stops), "stops": len(stops),
                                  "barge_ins_by_form": by_form, "instruction_assistant_turns": answers,
                                  "longest_conversation_s": max((r["duration_s"] for r in rows), default=0.0),
                                  "behaviours": list(BEHAVIOURS)}}


def duplex_report(rows: list[dict]) -> dict:
    """The turn-taking heard in the conversations' audio (synth_assets/dialogues/duplex.py), pooled and
    per kind, with the targets it misses."""
    measured = []
    for row in rows:
        audio, rate = from_flac(row["audio"])
        measured.append((row["kind"], duplex.measure_audio(audio, rate, turns=json.loads(row["turns"]),
                                                             backchannels=json.loads(row["backchannels"]),
                                                             background=background_speech(row["turn_taking"]))))
    pooled = duplex.summarize([m for _, m in measured])
    return {**pooled, "misses": duplex.judge(pooled),
            "fto_histogram": duplex.fto_histogram([f for _, m in measured for f in m.ftos]),
            "by_kind": {kind: duplex.summarize([m for k, m in measured if k == kind])
                        for kind in sorted({k for k, _ in measured})}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-kind", type=int, default=4)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--behaviour-share", type=float, default=None,
                        help="give every duplex behaviour this share of instruction conversations (default: the "
                        "product's shares, behaviours.BehaviourShares)")
    parser.add_argument("--barge-in-share", type=float, default=None,
                        help="the share of instruction answers the user barges in on (default: the product's, "
                        "BehaviourShares.barge_in)")
    args = parser.parse_args()
    shares = BehaviourShares()
    if args.behaviour_share is not None:
        shares = BehaviourShares(**{name: args.behaviour_share for name in BEHAVIOURS})
    if args.barge_in_share is not None:
        shares = dataclasses.replace(shares, barge_in=args.barge_in_share)
    report = run(args.per_kind, shares)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
