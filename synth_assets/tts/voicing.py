"""How a partition of spoken text becomes clips: plan each clip, reuse the ones already stored, and
synthesize the rest (in the worker pool when it pays), in input order.

Planning is sequential and deterministic (voice, seed, speed and variation come from the row id and
the partition's gender rotation), so a clip's id is known before any audio exists; that is what
lets a recompute find the clips it already has.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from itertools import islice
from typing import Any, Callable, Iterable, Iterator

from synth_assets.core import names, parts
from synth_assets.core.audio import SAMPLE_RATE
from synth_assets.core.fields import setting
from synth_assets.core.limits import MAX_CLIP_SECONDS
from synth_assets.core.records import LINEAGE_COLUMNS, Quarantined, params, seed_from_id, stable_id
from synth_assets.core.speech_records import Clip
from synth_assets.core.stage_run import StageRun
from synth_assets.core.storage import Store
from synth_assets.tts.clips import ClipAudio, ClipFailed, ClipJob, Outcome
from synth_assets.tts.policy import VoiceChoice, VoicePolicy
from synth_assets.tts.pool import SynthesisReport, pool_is_up, synthesize_in_order, worth_a_pool
from synth_assets.tts.registry import REGISTRY, Voice, model_hash
from synth_assets.tts.reuse import PreviousClips
from synth_assets.tts.speakable import clean_for_speech


@dataclass(frozen=True)
class Prosody:
    """The ranges a clip's speaking rate and (Piper's) sampling noise are drawn from."""

    min_speed: float = setting(0.95, "Slowest speaking rate drawn per clip.")
    max_speed: float = setting(1.05, "Fastest speaking rate drawn per clip.")
    # Piper's sampling noise (its defaults are 0.667 and 0.8): drawn per clip for Piper voices.
    min_noise_scale: float = setting(0.6, "Piper noise_scale, low end.")
    max_noise_scale: float = setting(0.75, "Piper noise_scale, high end.")
    min_noise_w_scale: float = setting(0.7, "Piper noise_w_scale, low end.")
    max_noise_w_scale: float = setting(0.9, "Piper noise_w_scale, high end.")


@dataclass(frozen=True)
class ClipPlan:
    """Everything about one clip except its audio."""

    row: dict[str, Any]  # the spoken-text row
    voice: Voice
    choice: VoiceChoice
    seed: int
    speed: float
    variation: dict[str, float]
    clip_id: str = ""
    text: str = ""  # what the voice is given: the row's text, cleaned
    refused: str = ""  # why it cannot be voiced (text it cannot speak, a voice missing here)


@dataclass
class VoicingTally:
    """How a partition's clips came to be, for the asset's metadata."""

    synthesized: int = 0  # clips sent to an engine (successes and failures)
    reused: int = 0  # clips copied from the partition's stored parts
    pool: SynthesisReport = field(default_factory=SynthesisReport)

    def metadata(self) -> dict[str, int]:
        return {"clips_synthesized": self.synthesized, "clips_reused": self.reused,
                "tts_workers": self.pool.workers, "tts_worker_crashes": self.pool.worker_crashes}


def plan_clips(rows: Iterable[dict[str, Any]], partition: str, prosody: Prosody, voices: VoicePolicy) -> Iterator[ClipPlan]:
    """One plan per spoken-text row, its speed and variation drawn from the ``prosody`` ranges."""
    slot = seed_from_id(partition, "gender-slot") % 1000  # where this partition's rotation starts
    for row in rows:
        seed = seed_from_id(row["id"], "voice")
        if row["role"] == "assistant":
            voice = REGISTRY[voices.assistant_voice]
            choice = VoiceChoice(voice.id, voice.gender, voice.accent)
        else:
            choice = voices.choose_user_voice(seed, slot)
            slot += 1
        voice = REGISTRY[choice.voice_id]
        rng = random.Random(seed)
        speed = round(rng.uniform(prosody.min_speed, prosody.max_speed), 3)
        variation = ({"noise_scale": round(rng.uniform(prosody.min_noise_scale, prosody.max_noise_scale), 3),
                      "noise_w_scale": round(rng.uniform(prosody.min_noise_w_scale, prosody.max_noise_w_scale), 3)}
                     if voice.engine == "piper" else {})
        plan = ClipPlan(row, voice, choice, seed, speed, variation)
        try:
            text = clean_for_speech(row["text"])
            clip_id = stable_id(names.TTS_AUDIO, row["id"], voice.id, model_hash(voice.id), speed, seed,
                                *variation.values())
        except Exception as error:  # text it cannot speak, or a voice whose engine is missing here
            yield replace(plan, refused=f"{type(error).__name__}: {error}")
            continue
        yield replace(plan, clip_id=clip_id, text=text)


def job_for(plan: ClipPlan, max_seconds: float) -> ClipJob:
    return ClipJob(plan.clip_id, plan.voice.engine_spec, plan.text, plan.seed, plan.speed,
                   tuple(plan.variation.items()), max_seconds)


def voice_partition(plans: Callable[[], Iterator[ClipPlan]], previous: PreviousClips | None, voices: VoicePolicy,
                    *, max_seconds: float, tally: VoicingTally) -> Iterator[tuple[ClipPlan, Outcome]]:
    """(plan, clip or failure) for every plan, in order. ``plans`` makes the plan stream afresh: when
    the pool is not up yet, a first pass counts the clips to make (stopping at the threshold) to
    decide whether starting it pays."""
    workers, threads = voices.worker_count(), voices.threads
    # A pool already up costs nothing more; otherwise count (up to the threshold) what there is to make.
    parallel = workers > 1 and (pool_is_up(workers, threads) or worth_a_pool(
        workers, threads, _count_to_make(plans(), previous, voices.pool_min_clips), voices.pool_min_clips))

    def work() -> Iterator[tuple[ClipPlan, ClipJob | Outcome]]:
        for plan in plans():
            if plan.refused:
                yield plan, ClipFailed(plan.refused)
                continue
            stored = previous.find(plan.clip_id, plan.text) if previous is not None else None
            if stored is not None:
                tally.reused += 1
                yield plan, stored
            else:
                tally.synthesized += 1
                yield plan, job_for(plan, max_seconds)

    return synthesize_in_order(work(), workers=workers, threads=threads, parallel=parallel, report=tally.pool)


def _count_to_make(plans: Iterator[ClipPlan], previous: PreviousClips | None, limit: int) -> int:
    new = (p for p in plans if not p.refused and (previous is None or not previous.has(p.clip_id, p.text)))
    return sum(1 for _ in islice(new, limit))


def clip_row(plan: ClipPlan, audio: ClipAudio) -> Clip:
    """The tts_audio row of a finished clip (code_version and run_id are stamped by the stage)."""
    row, voice = plan.row, plan.voice
    return Clip(
        id=plan.clip_id, parent_id=row["id"], stage=names.TTS_AUDIO,
        params=params(voice_id=voice.id, engine=voice.family or voice.engine, model_hash=model_hash(voice.id),
                      seed=plan.seed, speed=plan.speed, **plan.variation, accent=voice.accent,
                      gender_slot=plan.choice.slot, cleaned_text=plan.text if plan.text != row["text"] else None,
                      deterministic=voice.deterministic),
        **{k: row[k] for k in LINEAGE_COLUMNS},
        text=plan.text, voice_id=voice.id, voice_gender=voice.gender, voice_accent=voice.accent,
        voice_license=voice.license, sample_rate=SAMPLE_RATE,
        duration_s=audio.duration_s, rms_dbfs=audio.rms_dbfs, audio=audio.flac,
    )


def voice_clips(stage: StageRun, store: Store, partition: str, prosody: Prosody, voices: VoicePolicy,
                tally: VoicingTally) -> Iterator[dict[str, Any]]:
    """tts_audio's work: a clip row for every spoken-text row of the partition; a clip that cannot be
    made (text, engine crash, bad samples) is quarantined alone."""
    def plans():
        return plan_clips(parts.read_rows(store, names.SPOKEN_TEXT, partition), partition, prosody, voices)

    # Opened before the first new part replaces an old one: clips already made are copied, not remade.
    with PreviousClips(store, names.TTS_AUDIO, partition, stage.code_version) as previous:
        for plan, outcome in voice_partition(plans, previous, voices, max_seconds=MAX_CLIP_SECONDS, tally=tally):
            if isinstance(outcome, ClipFailed):
                stage.quarantine(Quarantined(stage=names.TTS_AUDIO, file=plan.row["id"], position=plan.choice.voice_id,
                                             reason=outcome.reason, raw=plan.row["text"][:300]))
                continue
            yield clip_row(plan, outcome).to_row()


def voice_inputs(voices: VoicePolicy) -> dict[str, Any]:
    """What in the voice policy changes a clip's bytes: the voices and their model hashes, the
    assistant voice. Workers and threads are left out: they change how fast clips are made, never their bytes."""
    return {"voices": {v: model_hash(v) for v in voices.available_user_voices()},
            "assistant_voice": voices.assistant_voice}
