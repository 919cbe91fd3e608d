"""`synth plan`: what a landing zone will cost, before anything runs.

The text a landing zone holds is measured exactly: every dump file (or slice) is read, cut into
segments and rewritten into spoken form with the same functions as the text stages (rule-based
rewrite, duplicates removed across the plan's partitions), and documents unchanged since an earlier
snapshot in the store count for nothing, as the pipeline skips them. What the text will cost is then
estimated from rates: each stage's step seconds per unit of its work (document characters for the
text stages, voiced characters for `tts_audio`, speech seconds for the ASR stages, documents for the
dialogue stages, recording seconds for the recordings), and the audio a voiced character or a document
makes. Rates come from the runs this instance has recorded, for the voice pool that made them; where
there are none, from defaults measured on this project's reference machine (README "Performance").
The output says which.
"""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Callable, Iterable

from synth_assets import settings
from synth_assets.core import names, parts
from synth_assets.core.records import Document
from synth_assets.core.stage_run import StageError, StageRun
from synth_assets.core.storage import Store
from synth_assets.crawl import snapshots
from synth_assets.crawl.documents import read_documents, source_options
from synth_assets.crawl.shards import ShardKey, landing_shards, processing_order
from synth_assets.dialogues.instructions import INSTRUCTION_KINDS
from synth_assets.segments import dedup
from synth_assets.segments.partition import SegmentSettings
from synth_assets.segments.segment import split_document
from synth_assets.spoken.partition import SpokenSettings
from synth_assets.spoken.rewrite import DropText, spoken_text_record

TEXT_STAGES = (names.CRAWL_SNAPSHOT, names.TEXT_SEGMENTS, names.SPOKEN_TEXT)
SPEECH_STAGES = (names.TTS_AUDIO, names.PSEUDO_LABELS, names.AUGMENTED_CLIPS)
# What each stage's work is counted in (PartitionPlan's field names).
STAGE_UNIT = {
    **{stage: "document_chars" for stage in TEXT_STAGES},
    names.TTS_AUDIO: "voiced_chars",
    names.PSEUDO_LABELS: "speech_s",
    names.AUGMENTED_CLIPS: "speech_s",
    names.INSTRUCTION_DIALOGUES: "instruction_documents",
    names.FALSE_PREMISE_DIALOGUES: "article_documents",
    names.SAFETY_DIALOGUES: "documents",
    names.RECORDED_SPEECH: "recording_s",
    names.RECORDING_LABELS: "recording_s",
}
# A second worker on the same two cores: the README's scale bench measured 1.28x (default voices)
# and 1.40x (fast voices) over one worker, since one worker already runs its TTS pool on both cores.
EXTRA_WORKER_GAIN = 0.34
# Per run of a partition: Dagster's overhead (0.4-0.8 s measured), and once per command the models' loading.
OVERHEAD_S_PER_PARTITION = 0.8
STARTUP_S = 20.0


@dataclass
class PartitionPlan:
    key: str
    documents: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    quarantined: int = 0
    document_chars: int = 0  # characters of the documents the text stages read
    segments: int = 0  # clips to voice
    voiced_chars: int = 0
    instruction_documents: int = 0  # documents that are one question and its answer (Alpaca, UltraChat)
    article_documents: int = 0  # prose documents (false premises come from their facts)
    recording_s: float = 0.0
    # Estimated from rates:
    speech_s: float = 0.0
    conversation_s: float = 0.0
    conversations: float = 0.0
    step_s: dict[str, float] = field(default_factory=dict)
    stored: bool = False  # already in the store: nothing to run
    error: str = ""  # why the pipeline will fail this partition (an unreadable file): nothing to run either

    @property
    def work_s(self) -> float:
        return 0.0 if self.stored or self.error else sum(self.step_s.values())

    def units(self, name: str) -> float:
        return self.documents - self.unchanged if name == "documents" else float(getattr(self, name))


@dataclass
class Rates:
    """Step seconds per unit for each stage, and what a unit of text makes, with where each came from."""

    step_s_per_unit: dict[str, float]
    chars_per_speech_s: float
    conversations_per_instruction: float  # instruction conversations and clarifications
    conversations_per_article: float  # false premises
    safety_factor: float  # all conversations over those two: the mix's safety share comes on top
    conversation_s: float  # mean length of a conversation
    pool: str
    measured_from: dict[str, int] = field(default_factory=dict)  # stage -> partitions measured (0: default)

    def source(self, stage: str) -> str:
        runs = self.measured_from.get(stage, 0)
        return f"measured ({runs} partitions)" if runs else "default"


# Defaults: each stage's step seconds over the bundled sample, divided by the sample's units as this
# module counts them. "default": `synth demo` from an empty data folder on the 2-core reference machine,
# quiet, two workers (2026-12-07, 833 s), its step seconds scaled (x0.733) so that `wall_seconds` gives the
# wall time it took (`python -m benchmarks.plan_calibration`); "fast": the README's scale bench, one worker.
DEFAULT_RATES = {
    "default": {names.TTS_AUDIO: 740.7, names.PSEUDO_LABELS: 79.3, names.AUGMENTED_CLIPS: 49.3,
                names.INSTRUCTION_DIALOGUES: 163.4, names.FALSE_PREMISE_DIALOGUES: 22.6,
                names.SAFETY_DIALOGUES: 18.2, "text": 10.3},
    "fast": {names.TTS_AUDIO: 21.9, names.PSEUDO_LABELS: 55.9, names.AUGMENTED_CLIPS: 30.0,
             names.INSTRUCTION_DIALOGUES: 40.1, names.FALSE_PREMISE_DIALOGUES: 7.6,
             names.SAFETY_DIALOGUES: 10.4, "text": 1.7},
}
FAST_POOL_ENGINES = ("piper", "flite", "espeak")


def measure_text(landing: Store, store: Store | None, keys: Iterable[str] | None = None,
                 segment_settings: SegmentSettings = SegmentSettings(),
                 spoken_settings: SpokenSettings = SpokenSettings(),
                 progress: Callable[[str], None] = lambda message: None) -> list[PartitionPlan]:
    """Every partition's documents and the text it will voice, measured with the text stages' own functions."""
    keys = processing_order(keys if keys is not None else landing_shards(landing, settings.slice_bytes()))
    index = dedup.DedupIndex(segment_settings.near_duplicate_threshold, shingle_words=segment_settings.shingle_words)
    plans: list[PartitionPlan] = []
    planned: dict[tuple[str, str], dict[str, snapshots.Earlier]] = {}  # (source, snapshot) -> its documents
    for number, key in enumerate(keys, 1):
        progress(f"[{number}/{len(keys)}] reading {key}")
        shard, plan = ShardKey.parse(key), PartitionPlan(key)
        stage = StageRun(asset="plan", partition=key, run_id="plan", code_version="")
        known = snapshots.earlier_documents(store, snapshots.earlier_partitions(store, shard)) if store else {}
        for snapshot in sorted(s for (source, s) in planned if source == shard.source and s < shard.snapshot):
            known.update(planned[shard.source, snapshot])  # earlier snapshots of this plan, as the pipeline sees them
        plans.append(plan)
        try:
            rows = list(read_documents(stage, landing, shard, source_options(landing, shard.source), known))
        except StageError as error:  # the pipeline fails this partition alone, with the same message
            plan.error = str(error)
            continue
        plan.quarantined = len(stage.quarantined)
        for row in rows:
            planned.setdefault((shard.source, shard.snapshot), {})[row["doc_id"]] = snapshots.Earlier(
                row["previous_id"] if row.get("change") == snapshots.UNCHANGED else row["id"], row["content_hash"])
            plan.documents += 1
            change = row.get("change", snapshots.NEW)
            setattr(plan, change, getattr(plan, change) + 1)
            if change == snapshots.UNCHANGED:
                continue
            document = Document.from_row(row)
            plan.document_chars += len(document.text)
            segments, _ = split_document(document, min_words=segment_settings.min_words,
                                         max_words=segment_settings.max_words, pack_words=segment_settings.pack_words)
            kept = [s for s in segments if index.check_and_add(s.id, s.text) is None]
            if row.get("kind") in INSTRUCTION_KINDS:
                plan.instruction_documents += 1
            elif kept:
                plan.article_documents += 1
            for segment in kept:
                try:
                    spoken = spoken_text_record(segment, filler_rate=spoken_settings.filler_rate)
                except DropText:
                    continue
                plan.segments += 1
                plan.voiced_chars += len(spoken.text)
        plan.stored = store is not None and all(
            parts.stored_fingerprint(store, asset, key) is not None for asset in (*SPEECH_STAGES, *TEXT_STAGES))
    return plans


def measure_recordings(audio_landing: Store) -> list[PartitionPlan]:
    """One plan per audio batch, with the seconds of audio its files hold (read from their headers)."""
    import soundfile

    from synth_assets.recordings.batches import landing_audio_batches

    plans = []
    for key, files in landing_audio_batches(audio_landing, settings.audio_files_per_partition()).items():
        plan = PartitionPlan(key)
        for file in files:
            with audio_landing.local_copy(file) as path:
                try:
                    info = soundfile.info(str(path))
                    plan.recording_s += info.frames / info.samplerate
                except RuntimeError:
                    plan.quarantined += 1  # the stage quarantines it too, with the decoder's reason
        plan.documents = len(files)
        plans.append(plan)
    return plans


def pool_name(voice_ids: Iterable[str]) -> str:
    """The user voice pool's cost class: 'fast' when every user voice is a cheap engine (Piper, flite,
    espeak-ng), else 'default' (Kokoro blends speak most user turns)."""
    voices = [v for v in voice_ids if v]
    return "fast" if voices and all(v.startswith(FAST_POOL_ENGINES) for v in voices) else "default"


def default_rates(sample_plans: list[PartitionPlan], pool: str) -> Rates:
    """The README's reference figures per unit of the given plans (those of the bundled sample)."""
    table = DEFAULT_RATES[pool]
    total = {unit: sum(p.units(unit) for p in sample_plans) for unit in set(STAGE_UNIT.values())}
    chars_per_speech_s = 14.5  # voice cards: about 2.7 words a second, 5.4 characters a word
    speech_s = total["voiced_chars"] / chars_per_speech_s
    per_unit = {stage: table["text"] / 3 / max(total["document_chars"], 1) for stage in TEXT_STAGES}
    per_unit[names.TTS_AUDIO] = table[names.TTS_AUDIO] / max(total["voiced_chars"], 1)
    for stage in (names.PSEUDO_LABELS, names.AUGMENTED_CLIPS):
        per_unit[stage] = table[stage] / max(speech_s, 1.0)
    for stage in (names.INSTRUCTION_DIALOGUES, names.FALSE_PREMISE_DIALOGUES, names.SAFETY_DIALOGUES):
        per_unit[stage] = table[stage] / max(total[STAGE_UNIT[stage]], 1)
    # Recordings: Silero VAD and Whisper tiny.en, about 0.15 s per recording second on this machine.
    per_unit[names.RECORDED_SPEECH], per_unit[names.RECORDING_LABELS] = 0.03, 0.12
    # What the same demo made: 0.86 conversations per instruction document (an instruction or a
    # clarification; a barge-in or a long session joins documents into one conversation, and a few are
    # quarantined), 0.4 false premises per article (those with an alterable fact), safety on top of both
    # (1.26x), 33.6 s a conversation (34 conversations, 0.318 h).
    return Rates(per_unit, chars_per_speech_s=chars_per_speech_s, conversations_per_instruction=0.86,
                 conversations_per_article=0.4, safety_factor=1.26, conversation_s=33.6, pool=pool)


def measured_rates(instance, store: Store, defaults: Rates) -> Rates:
    """Rates from the successful partition runs this instance recorded whose parts are still in the store,
    for the pool ``defaults`` is for; stages never measured keep their default."""
    from dagster import DagsterRunStatus, RunsFilter

    seconds: dict[str, float] = defaultdict(float)
    units: dict[str, float] = defaultdict(float)
    measured: dict[str, int] = defaultdict(int)
    chars = speech = conversation_s = instructions = articles = 0.0
    made = {asset: 0 for asset in names.CONVERSATION_ASSETS}
    # partition -> step -> seconds: the longest of its successful runs (any job: `synth materialize` runs
    # the whole pipeline, a backfill its ordered and parallel parts), since a rerun that reused the stored
    # parts took no time to speak of.
    step_seconds: dict[str, dict[str, float]] = defaultdict(dict)
    for record in instance.get_run_records(RunsFilter(statuses=[DagsterRunStatus.SUCCESS])):
        partition = record.dagster_run.tags.get("dagster/partition")
        if not partition:
            continue
        for stat in instance.get_run_step_stats(record.dagster_run.run_id):
            if stat.end_time and stat.start_time:
                taken = step_seconds[partition]
                taken[stat.step_key] = max(taken.get(stat.step_key, 0.0), stat.end_time - stat.start_time)
    for partition, steps in step_seconds.items():
        voices = {r["voice_id"] for r in parts.read_rows(store, names.TTS_AUDIO, partition, columns=["voice_id", "role"])
                  if r["role"] != "assistant"}
        if not voices or pool_name(voices) != defaults.pool:
            continue
        documents = [d for d in parts.read_rows(store, names.CRAWL_SNAPSHOT, partition, columns=["text", "change", "kind"])
                     if d["change"] != snapshots.UNCHANGED]
        plan = PartitionPlan(partition, documents=len(documents), document_chars=sum(len(d["text"]) for d in documents),
                             voiced_chars=sum(len(r["text"]) for r in parts.read_rows(
                                 store, names.SPOKEN_TEXT, partition, columns=["text"])),
                             speech_s=sum(r["duration_s"] for r in parts.read_rows(
                                 store, names.TTS_AUDIO, partition, columns=["duration_s"])),
                             instruction_documents=sum(d["kind"] in INSTRUCTION_KINDS for d in documents))
        plan.article_documents = plan.documents - plan.instruction_documents
        for stage, unit in STAGE_UNIT.items():
            amount = plan.units(unit)
            if stage in steps and amount > 0:
                seconds[stage] += steps[stage]
                units[stage] += amount
                measured[stage] += 1
        chars += plan.voiced_chars
        speech += plan.speech_s
        instructions += plan.instruction_documents
        articles += plan.article_documents
        for asset in names.CONVERSATION_ASSETS:
            rows = list(parts.read_rows(store, asset, partition, columns=["duration_s"]))
            made[asset] += len(rows)
            conversation_s += sum(r["duration_s"] for r in rows)
    if not measured:
        return defaults
    conversations = sum(made.values())
    voiced = made[names.INSTRUCTION_DIALOGUES] + made[names.FALSE_PREMISE_DIALOGUES]
    return Rates({**defaults.step_s_per_unit, **{s: seconds[s] / units[s] for s in seconds if units[s] > 0}},
                 chars_per_speech_s=chars / speech if speech else defaults.chars_per_speech_s,
                 conversations_per_instruction=made[names.INSTRUCTION_DIALOGUES] / instructions if instructions
                 else defaults.conversations_per_instruction,
                 conversations_per_article=made[names.FALSE_PREMISE_DIALOGUES] / articles if articles
                 else defaults.conversations_per_article,
                 safety_factor=conversations / voiced if voiced else defaults.safety_factor,
                 conversation_s=conversation_s / conversations if conversations else defaults.conversation_s,
                 pool=defaults.pool, measured_from=dict(measured))


def estimate(plans: list[PartitionPlan], rates: Rates) -> None:
    """Fill each plan's speech seconds, conversations and step seconds from the rates."""
    for plan in plans:
        plan.speech_s = plan.voiced_chars / rates.chars_per_speech_s
        plan.conversations = rates.safety_factor * (plan.instruction_documents * rates.conversations_per_instruction
                                                    + plan.article_documents * rates.conversations_per_article)
        plan.conversation_s = plan.conversations * rates.conversation_s
        plan.step_s = {stage: plan.units(unit) * rates.step_s_per_unit[stage]
                       for stage, unit in STAGE_UNIT.items()
                       if plan.units(unit) > 0 and stage in rates.step_s_per_unit}


def wall_seconds(plans: list[PartitionPlan], workers: int, cores: int | None = None) -> float:
    """Expected wall time with ``workers`` partition workers: the work shared out with the gain a worker
    adds on these cores, never less than the largest unit (a partition's speech or its dialogues)."""
    cores = cores or os.cpu_count() or 1
    todo = [p for p in plans if p.work_s > 0]
    work = sum(p.work_s for p in todo)
    if not todo:
        return 0.0
    gain = 1.0 + EXTRA_WORKER_GAIN * (min(workers, cores) - 1)
    largest = max(sum(s for stage, s in p.step_s.items() if stage in SPEECH_STAGES) for p in todo)
    return STARTUP_S + OVERHEAD_S_PER_PARTITION * len(todo) + max(work / gain, largest)


def report(plans: list[PartitionPlan], rates: Rates, workers: int) -> dict:
    todo = [p for p in plans if not p.stored and not p.error]
    total_work = sum(p.work_s for p in todo)
    return {
        "partitions": len(plans), "to_run": len(todo), "stored": sum(p.stored for p in plans),
        "unreadable": {p.key: p.error for p in plans if p.error},
        "documents": sum(p.documents for p in plans), "changed_or_new": sum(p.new + p.changed for p in plans),
        "voiced_characters": sum(p.voiced_chars for p in todo), "clips": sum(p.segments for p in todo),
        "speech_hours": round(sum(p.speech_s for p in todo) / 3600, 3),
        "conversations": round(sum(p.conversations for p in todo)),
        "conversation_hours": round(sum(p.conversation_s for p in todo) / 3600, 3),
        "recording_hours": round(sum(p.recording_s for p in todo) / 3600, 3),
        "audio_hours": round(sum(p.speech_s + p.conversation_s for p in todo) / 3600, 3),
        "step_hours": round(total_work / 3600, 3),
        "wall_s": {str(n): round(wall_seconds(plans, n), 1) for n in sorted({1, 2, workers})},
        "workers": workers, "pool": rates.pool,
        "rates": {stage: {"s_per_unit": round(value, 8), "unit": STAGE_UNIT.get(stage, ""), "from": rates.source(stage)}
                  for stage, value in sorted(rates.step_s_per_unit.items())},
        "per_partition": [{**{k: v for k, v in asdict(p).items() if k != "step_s"},
                           "step_s": round(p.work_s, 1)} for p in plans],
    }


def table(result: dict) -> str:
    lines = [f"{'partition':<46}{'docs':>7}{'new/chg':>9}{'clips':>7}{'speech h':>10}{'convs':>7}{'step s':>9}"]
    for p in result["per_partition"]:
        state = "stored" if p["stored"] else "fails" if p["error"] else f"{p['step_s']:.0f}"
        lines.append(f"{p['key'][:45]:<46}{p['documents']:>7}{p['new'] + p['changed']:>9}{p['segments']:>7}"
                     f"{p['speech_s'] / 3600:>10.3f}{p['conversations']:>7.0f}{state:>9}")
    walls = ", ".join(f"{n} worker{'s' if n != '1' else ''}: {s / 60:.1f} min" for n, s in result["wall_s"].items())
    lines += ["",
              f"to run: {result['to_run']} of {result['partitions']} partitions ({result['stored']} already stored), "
              f"{result['voiced_characters']:,} characters to voice in {result['clips']:,} clips",
              f"audio: {result['speech_hours']:.2f} h of speech clips + {result['conversation_hours']:.2f} h in "
              f"{result['conversations']} conversations (estimated) = {result['audio_hours']:.2f} h"
              + (f"; {result['recording_hours']:.2f} h of recordings to label" if result["recording_hours"] else ""),
              f"work: {result['step_hours']:.2f} step-hours with the {result['pool']} voice pool; wall: {walls}",
              *(f"will fail: {key}: {error}" for key, error in result["unreadable"].items()),
              "rates: " + ", ".join(f"{stage} {info['from']}" for stage, info in result["rates"].items())]
    return "\n".join(lines)


def plan_landing(landing: Store, store: Store | None, *, audio_landing: Store | None = None,
                 keys: list[str] | None = None, workers: int = 1, instance=None,
                 progress: Callable[[str], None] = lambda message: None) -> dict:
    """The whole plan of a landing zone (see ``report``): its text measured, then estimated with the
    rates ``instance`` measured for the configured user voices (defaults without one)."""

    plans = measure_text(landing, store, keys, progress=progress)
    if audio_landing is not None:
        plans += measure_recordings(audio_landing)
    pool = pool_name(settings.voice_choice().get("user_voices", ["kokoro"]))
    from resources.storage import LocalStorage  # the bundled sample: the defaults' reference

    rates = default_rates(measure_text(LocalStorage(root=str(settings.SAMPLE_LANDING)), None), pool)
    if instance is not None and store is not None:
        rates = measured_rates(instance, store, rates)
    estimate(plans, rates)
    return report(plans, rates, workers)
