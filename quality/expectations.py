"""Expectation suites (Great Expectations 1.x, called directly) and the Dagster check results they give.

dagster-ge only supports GX < 1, so suites run here against a pandas frame of a partition's metadata
columns (never the audio bytes), and each suite becomes one asset check: blocking, or a warning (ADVISORY).
"""

from __future__ import annotations

import functools
import importlib
import json
import os
from dataclasses import dataclass
from typing import Callable

import pandas as pd
from dagster import AssetCheckResult, AssetCheckSeverity, AssetCheckSpec, AssetKey, MetadataValue

from synth_assets.core.limits import (
    CONVERSATION_MIX_MIN,
    CONVERSATION_MIX_TOLERANCE,
    GENDER_MIN_CLIPS,
    GENDER_TOLERANCE,
    LIGHT_RECIPE_WER_GAP,
    MAX_CLIP_SECONDS,
    LOUD_RMS_DBFS,
    MAX_CLIPPING_RATIO,
    MAX_MEDIAN_WER,
    MAX_SILENCE_RATIO,
    MIN_PEAK_DBFS,
    MIN_SNR_DB,
    RECORDING_MIN_CONFIDENCE,
    SILENT_RMS_DBFS,
    TARGET_FEMALE_SHARE,
    VOICE_MAX_BAD_AUDIO_SHARE,
    VOICE_MIN_CLIPS,
    VOICE_RATE_FACTOR,
    VOICE_WER_MARGIN,
    WER_THRESHOLD,
)



class _OnFirstUse:
    """A module imported when one of its names is first read: Great Expectations takes about half of
    loading the definitions (every run, every UI start), and only a check that runs needs it."""

    def __init__(self, module: str):
        self._module = module

    def __getattr__(self, name: str):
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
        os.environ.setdefault("TQDM_DISABLE", "1")  # GX draws a progress bar per validation otherwise
        return getattr(importlib.import_module(self._module), name)


gx = _OnFirstUse("great_expectations")
gxe = _OnFirstUse("great_expectations.expectations")

from synth_assets.augment.recipes import RECIPES
from synth_assets.core import names
from synth_assets.core.mix import KINDS, MixTargets
from synth_assets.dialogues import duplex
from synth_assets.dialogues.false_premise import contains_words
from synth_assets.dialogues.refusal import refuses
from synth_assets.release.mix import allowed, judged, measure_mix
from synth_assets.segments.wholeness import ends_mid_sentence, starts_mid_sentence
from synth_assets.spoken.speakable import unspeakable_excerpt
from synth_assets.tts.gate import load_cards


@dataclass(frozen=True)
class Suite:
    """A named set of expectations over one asset's rows; ``build`` makes fresh expectation objects."""

    name: str
    asset: str
    description: str
    build: Callable[[], list]
    blocking: bool = True
    # Expectations that depend on the partition itself (how many rows it has), and the derived
    # columns they read: added to the frame before validation, never stored.
    from_frame: Callable[[pd.DataFrame], list] | None = None
    prepare: Callable[[pd.DataFrame], pd.DataFrame] | None = None
    # Metadata beside the report, from the prepared frame and the settings: what was judged, as a person reads it.
    explain: Callable[[pd.DataFrame], dict] | None = None

    def spec(self, partitioned: bool = True) -> AssetCheckSpec:
        return AssetCheckSpec(name=self.name, asset=AssetKey(self.asset), description=self.description,
                              blocking=self.blocking)


@functools.lru_cache(maxsize=1)
def _batch_definition():
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    asset = context.data_sources.add_pandas("synth_assets").add_dataframe_asset("partition")
    return context, asset.add_batch_definition_whole_dataframe("whole")


def validate(suite: Suite, frame: pd.DataFrame, settings: dict | None = None) -> AssetCheckResult:
    """Run a suite on a frame and say, per expectation, what failed and a few offending values.
    ``settings``: configured values the suite's partition-dependent expectations judge against."""
    if frame.empty:
        return AssetCheckResult(check_name=suite.name, asset_key=AssetKey(suite.asset), passed=True,
                                metadata={"rows": 0, "note": "empty partition: nothing to check"})
    context, batch_definition = _batch_definition()
    if suite.prepare is not None:
        frame = suite.prepare(frame)
    explained = suite.explain(frame, **(settings or {})) if suite.explain is not None else {}
    if frame.empty:  # the rows the suite judges (a release's conversations) may be none
        return AssetCheckResult(check_name=suite.name, asset_key=AssetKey(suite.asset), passed=True,
                                metadata={"rows": 0, "note": "nothing to check", **explained})
    built = suite.build() + (suite.from_frame(frame, **(settings or {})) if suite.from_frame is not None else [])
    expectations = gx.ExpectationSuite(name=suite.name, expectations=built)
    result = batch_definition.get_batch(batch_parameters={"dataframe": frame}).validate(expectations)
    lines, failed = [], 0
    for item in result.results:
        config = item.expectation_config
        column = config.kwargs.get("column", "")
        detail = item.result or {}
        status = "ok" if item.success else "FAILED"
        failed += not item.success
        unexpected = detail.get("unexpected_percent")
        sample = detail.get("partial_unexpected_list") or []
        if not sample and detail.get("observed_value") is not None:
            observed = detail["observed_value"]
            sample = [f"observed {observed:.3f}" if isinstance(observed, float) else f"observed {observed}"]
        lines.append(f"| {config.type} | {column} | {status} | "
                     f"{'' if unexpected is None else f'{unexpected:.1f} %'} | {str(sample[:3])[:80]} |")
    table = "| expectation | column | result | unexpected | examples |\n|---|---|---|---|---|\n" + "\n".join(lines)
    return AssetCheckResult(
        check_name=suite.name, asset_key=AssetKey(suite.asset), passed=bool(result.success),
        severity=AssetCheckSeverity.ERROR if suite.blocking else AssetCheckSeverity.WARN,
        metadata={"rows": len(frame), "failed_expectations": failed, "report": MetadataValue.md(table), **explained},
    )


def _between(column: str, low=None, high=None, mostly: float = 1.0):
    return gxe.ExpectColumnValuesToBeBetween(column=column, min_value=low, max_value=high, mostly=mostly)


def _not_null(column: str):
    return gxe.ExpectColumnValuesToNotBeNull(column=column)


def _nonempty_text(column: str = "text"):
    return gxe.ExpectColumnValueLengthsToBeBetween(column=column, min_value=1)


def _unique(column: str = "id"):
    return gxe.ExpectColumnValuesToBeUnique(column=column)


def _lineage():
    return [_unique("id"), _not_null("stage"), _not_null("code_version"), _not_null("run_id")]


# Bump when an expectation changes without its suite's description changing: stored check results
# of unchanged partitions are reused only while this and the description match.
SUITES_VERSION = 5


# Speech: the blocking checks look for breakage (a voice gone silent, racing or unintelligible; an ASR
# that hears nothing), not for hard text. A clip that misses is filtered out by augmented_clips and the
# release (WER_THRESHOLD); its partition goes on. Each fault names its voice, and the report shows it.

@functools.lru_cache(maxsize=1)
def _cards() -> dict:
    return load_cards()


def _faults_by_voice(frame: pd.DataFrame, judge: Callable[[str, pd.DataFrame], str]) -> pd.DataFrame:
    """A ``voice_fault`` column: per row, what is wrong with its voice ('' when nothing is)."""
    if "voice_id" not in frame:
        return frame.assign(voice_fault="")
    faults = {voice: judge(voice, clips) for voice, clips in frame.groupby("voice_id")}
    return frame.assign(voice_fault=frame["voice_id"].map(faults).fillna(""))


def _audio_fault(voice: str, clips: pd.DataFrame) -> str:
    """Silent or overloud clips beyond a few, or a speaking rate far off the voice's card."""
    bad = int(((clips["rms_dbfs"] < SILENT_RMS_DBFS) | (clips["rms_dbfs"] > LOUD_RMS_DBFS)).sum())
    if bad > 1 and bad > VOICE_MAX_BAD_AUDIO_SHARE * len(clips):
        return f"{voice}: {bad} of {len(clips)} clips silent or overloud (RMS outside {SILENT_RMS_DBFS:g} to {LOUD_RMS_DBFS:g} dBFS)"
    card_rate = getattr(_cards().get(voice), "words_per_second", None)
    if card_rate and len(clips) >= VOICE_MIN_CLIPS and "text" in clips:
        rate = float((clips["text"].str.split().str.len() / clips["duration_s"].clip(lower=0.01)).median())
        if not card_rate / VOICE_RATE_FACTOR <= rate <= card_rate * VOICE_RATE_FACTOR:
            return f"{voice}: speaks {rate:.2f} words/s, its card {card_rate:.2f} (allowed a factor of {VOICE_RATE_FACTOR:g})"
    return ""


def _voice_audio(frame: pd.DataFrame) -> pd.DataFrame:
    return _faults_by_voice(_voice_excess(frame), _audio_fault)


def voice_wer_allowed(voice: str) -> float:
    """The median round-trip WER above which a voice is broken: its card's plus VOICE_WER_MARGIN."""
    card_wer = getattr(_cards().get(voice), "median_wer", None) or 0.0
    return card_wer + VOICE_WER_MARGIN


def _wer_fault(voice: str, clips: pd.DataFrame) -> str:
    median = float(clips["wer"].median())
    allowed = voice_wer_allowed(voice)
    if len(clips) >= VOICE_MIN_CLIPS and median > allowed:
        return f"{voice}: median round-trip WER {median:.0%} over {allowed:.0%} (its card plus {VOICE_WER_MARGIN:.0%})"
    return ""


def _voice_wer(frame: pd.DataFrame) -> pd.DataFrame:
    return _faults_by_voice(frame, _wer_fault)


def voice_wer_table(frame: pd.DataFrame, **_) -> dict:
    """Per voice: clips, median WER against what it is allowed, and the share kept by the per-clip filter."""
    lines = ["| voice | clips | median WER | allowed | clips under the clip threshold |", "|---|---|---|---|---|"]
    for voice, clips in frame.groupby("voice_id"):
        lines.append(f"| {voice} | {len(clips)} | {clips['wer'].median():.1%} | {voice_wer_allowed(voice):.0%} | "
                     f"{(clips['wer'] <= WER_THRESHOLD).mean():.0%} |")
    return {"voices": MetadataValue.md("\n".join(lines))}


def _no_fault():
    return gxe.ExpectColumnValuesToBeInSet(column="voice_fault", value_set=[""])

# Segments: the share that may start or end inside a sentence.
MID_SENTENCE_SHARE = 0.01


def _mid_sentence(frame: pd.DataFrame) -> pd.DataFrame:
    """'' per whole segment, else which end is cut and how it reads (the check's examples)."""
    def where(text: str) -> str:
        if starts_mid_sentence(text):
            return f"starts: {text[:30]!r}"
        return f"ends: {text[-30:]!r}" if ends_mid_sentence(text) else ""
    return frame.assign(mid_sentence=frame["text"].fillna("").map(where))


# Spoken text: the share of rows a voice cannot read as written.
UNSPEAKABLE_SHARE = 0.005


def _unspeakable(frame: pd.DataFrame) -> pd.DataFrame:
    """'' per speakable row, else its first unspeakable character in context (the check's examples)."""
    return frame.assign(unspeakable=frame["text"].fillna("").map(unspeakable_excerpt))

# Gender balance of user / narration voices (assistant turns all use the one assistant voice).


def _user_female(frame: pd.DataFrame) -> pd.DataFrame:
    """1.0 for a female user/narration clip, 0.0 for a male one, NaN (skipped by the mean) for assistant turns."""
    if "voice_gender" not in frame or "role" not in frame:
        return frame
    female = (frame["voice_gender"] == "female").astype(float)
    return frame.assign(user_female=female.where(frame["role"] != "assistant"))


def gender_balance(frame: pd.DataFrame, target_female_share: float = TARGET_FEMALE_SHARE,
                   tolerance: float = GENDER_TOLERANCE, min_clips: int = GENDER_MIN_CLIPS) -> list:
    """The female share of user clips within ``tolerance`` of ``target``, plus one clip's worth.

    The voice policy assigns genders by a rotation over a partition's user clips (not a coin flip
    per clip), so a healthy partition sits within one clip of the target whatever its size; drift
    means clips of one gender were lost (an engine failing, a voice missing). The one-clip
    allowance keeps an odd count from failing, and partitions under ``min_clips`` user clips are
    not judged: there, a single quarantined clip moves the share by more than 5 points.
    """
    if "user_female" not in frame:
        return []
    users = int(frame["user_female"].notna().sum())
    if users < min_clips:
        return []
    slack = tolerance + 1.0 / users
    return [gxe.ExpectColumnMeanToBeBetween(column="user_female", min_value=round(target_female_share - slack, 4),
                                            max_value=round(target_female_share + slack, 4))]


def audio_quality_gates(frame: pd.DataFrame, min_peak_dbfs: float = MIN_PEAK_DBFS,
                        max_clipping_ratio: float = MAX_CLIPPING_RATIO, max_silence_ratio: float = MAX_SILENCE_RATIO,
                        min_snr_db: float = MIN_SNR_DB, **_) -> list:
    """The release's audio gates, at the thresholds the stage was configured with (core/audio_quality.py)."""
    if "peak_dbfs" not in frame:
        return []
    return [_between("peak_dbfs", min_peak_dbfs, 0.0), _between("clipping_ratio", 0.0, max_clipping_ratio),
            _between("silence_ratio", 0.0, max_silence_ratio), _between("snr_db", min_snr_db, None)]


# Conversations (synth_assets/dialogues/): two channels, assistant left, and two distinct voices.
CONVERSATION_RULES = ("Conversations are 24 kHz stereo with the assistant on channel 0 (assistant-left), 2+ turns, "
                      "no voice speaks on both channels, and each turn's word times run in order inside it and "
                      "spell the words it was given (the first ones when it was cut); the female share of user "
                      f"voices is the configured target within {GENDER_TOLERANCE:.0%} and one conversation (judged from "
                      f"{CONVERSATION_MIX_MIN} conversations).")


def _light_wer_gap(frame: pd.DataFrame) -> pd.DataFrame:
    """How much worse Whisper hears a light recipe's clip than the clean one (NaN for other recipes:
    the mean skips them). The worst clip is left out, one clip of slack as in the round-trip check:
    on a few short clips one misheard word is 10 points. 0 when nothing is left to judge."""
    if "wer" not in frame:
        return frame.assign(light_wer_gap=0.0)
    gap = frame["wer"] - frame["clean_wer"]
    if gap.notna().sum() > 1:
        gap[gap.idxmax()] = float("nan")
    return frame.assign(light_wer_gap=gap if gap.notna().any() else 0.0)


def _distinct_voices(row) -> bool:
    """No voice of a user turn (or backchannel) is a voice of an assistant turn, nor the assistant voice."""
    said = json.loads(row["turns"]) + json.loads(row.get("backchannels") or "[]")
    user = {t["voice"] for t in said if t["role"] == "user"} | {row["user_voice"]}
    assistant = {t["voice"] for t in said if t["role"] == "assistant"} | {row["assistant_voice"]}
    return not user & assistant


def _words_fit(row) -> bool:
    """Each turn's and backchannel's word times (rows from before they had them are let through) run in
    order inside it, and are the words it was given: all of them, or the first ones when it was cut."""
    for turn in json.loads(row["turns"]) + json.loads(row.get("backchannels") or "[]"):
        if "words" not in turn:
            continue
        said, spoken = [w["word"] for w in turn["words"]], turn["spoken"].split()
        if said != spoken[:len(said)] or (len(said) < len(spoken) and not turn.get("interrupted")):
            return False
        edges = [t for w in turn["words"] for t in (w["start"], w["end"])]
        slack = 0.002  # times are rounded to the millisecond
        if edges != sorted(edges) or (edges and (edges[0] < turn["start"] - slack or edges[-1] > turn["end"] + slack)):
            return False
    return True


def _conversation_columns(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(voices_distinct=[_distinct_voices(r) for r in frame.to_dict("records")],
                        words_fit=[_words_fit(r) for r in frame.to_dict("records")],
                        user_female=(frame["user_gender"] == "female").astype(float),
                        is_clarification=(frame["kind"] == "clarification").astype(float))


def conversation_mix(frame: pd.DataFrame, target_female_share: float = TARGET_FEMALE_SHARE,
                     clarification_share: float | None = None, clarification_start: float = 0.0,
                     min_conversations: int = CONVERSATION_MIX_MIN) -> list:
    """The configured mix, within one conversation's worth: the female share of user voices (a rotation
    per partition, judged from ``min_conversations``), and the clarifications made per instruction (a
    rotation from the partition's ``clarification_start``, render.rotation_pick)."""
    expectations = []
    total = len(frame)
    if "user_female" in frame and total >= min_conversations:
        slack = GENDER_TOLERANCE + 1.0 / total
        expectations.append(gxe.ExpectColumnMeanToBeBetween(
            column="user_female", min_value=round(target_female_share - slack, 4),
            max_value=round(target_female_share + slack, 4)))
    if clarification_share is not None and "is_clarification" in frame and total:
        instructions = int((frame["kind"] == "instruction").sum())
        if "turn_taking" in frame:  # a long session, or a barge-in with the next document's request, is
            # several instruction scripts (dialogues/behaviours.py)
            instructions += sum(b.get("exchanges", 1) - 1 if b["kind"] == "long_session" else b.get("chained", 0)
                                for plan in frame.loc[frame["kind"] == "instruction", "turn_taking"]
                                if plan for b in json.loads(plan).get("behaviours", []))
        expected = int(instructions * clarification_share + clarification_start + 1e-9) / total
        # Not rounded: one clarification more than expected is within one, however many conversations.
        expectations.append(gxe.ExpectColumnMeanToBeBetween(
            column="is_clarification", min_value=max(0.0, expected - 1.0 / total) - 1e-9,
            max_value=expected + 1.0 / total + 1e-9))
    return expectations


def _release_conversations(frame: pd.DataFrame) -> pd.DataFrame:
    """The release's conversations, with a 0/1 column per kind and for a female user voice (means are
    shares), and their share of the whole release's hours."""
    conversations = frame[frame["kind"].isin(KINDS)]
    total = float(frame["duration_s"].sum()) if len(frame) else 0.0
    hours_share = float(conversations["duration_s"].sum()) / total if total else 0.0
    conversations = conversations.assign(conversation_hours_share=hours_share)
    if "user_gender" not in conversations:  # a dataset made before the column
        conversations = conversations.assign(user_gender=None)
    return conversations.assign(user_female=(conversations["user_gender"] == "female").astype(float),
                                **{f"is_{kind}": (conversations["kind"] == kind).astype(float) for kind in KINDS})


def _mix_targets(conversation_mix: dict | None) -> MixTargets:
    return MixTargets(**conversation_mix) if conversation_mix else MixTargets()


def release_mix(frame: pd.DataFrame, conversation_mix: dict | None = None,
                target_female_share: float = TARGET_FEMALE_SHARE, mix_tolerance: float = CONVERSATION_MIX_TOLERANCE,
                min_conversation_hours_share: float = 0.0, **_) -> list:
    """Each kind's share of the release's conversations, and the female share of their user voices,
    within the tolerance and one conversation of the targets (release/mix.py), once judged; and by
    hours, the conversations' share of the release at least ``min_conversation_hours_share``."""
    total = len(frame)
    if not judged(total, mix_tolerance):
        return []
    hours = ([gxe.ExpectColumnMinToBeBetween(column="conversation_hours_share",
                                             min_value=round(min_conversation_hours_share, 4))]
             if min_conversation_hours_share > 0 else [])
    targets = {f"is_{kind}": share for kind, share in _mix_targets(conversation_mix).shares().items()}
    targets["user_female"] = target_female_share
    expectations = []
    for column, target in targets.items():
        low, high = allowed(target, total, mix_tolerance)
        expectations.append(gxe.ExpectColumnMeanToBeBetween(column=column, min_value=low, max_value=high))
    return expectations + hours


def release_mix_table(frame: pd.DataFrame, conversation_mix: dict | None = None,
                      target_female_share: float = TARGET_FEMALE_SHARE,
                      mix_tolerance: float = CONVERSATION_MIX_TOLERANCE, min_conversation_hours_share: float = 0.0,
                      **_) -> dict:
    """Target against measured, per kind and for the female user voices, and the conversations' share
    of the release's hours: the check's metadata."""
    report = measure_mix(zip(frame["kind"], frame["duration_s"], frame["user_gender"]),
                         _mix_targets(conversation_mix), target_female_share, mix_tolerance)
    share = float(frame["conversation_hours_share"].iloc[0]) if len(frame) else 0.0
    aim = f"at least {min_conversation_hours_share:.0%}" if min_conversation_hours_share > 0 else "not judged"
    return {"conversations": report.conversations, "mix": MetadataValue.md(report.markdown()),
            "conversation_hours_share": MetadataValue.md(f"{share:.1%} of the release's hours ({aim})")}


def _release_duplex(frame: pd.DataFrame) -> pd.DataFrame:
    """The release's conversations that carry their duplex timing, with per-conversation columns: seconds
    of speech outside the labelled words, and labelled barge-ins not heard."""
    conversations = frame[frame["kind"].isin(KINDS)]
    if "duplex" not in conversations:
        return conversations.iloc[0:0]
    conversations = conversations[conversations["duplex"].notna()]
    stats = duplex.stored(conversations["duplex"])
    return conversations.assign(duplex_unlabelled_s=[s.unlabelled_speech_s for s in stats],
                                duplex_barge_ins_missed=[s.barge_ins_labelled - s.barge_ins_heard for s in stats])


def release_duplex(frame: pd.DataFrame, duplex_targets: dict | None = None, **_) -> list:
    """Per conversation: no speech outside its labels (beyond the tolerance) and every labelled barge-in
    heard; pooled (from enough speaker changes): the FTO median and p90, the share of changes that
    overlap and the overlap share of speech within the targets (a column holding what they miss)."""
    targets = duplex.targets_from(duplex_targets)
    summary = duplex.summarize(duplex.stored(frame["duplex"]), targets.unlabelled_speech_max_s)
    frame["duplex_distribution_misses"] = "; ".join(duplex.distribution_misses(summary, targets))
    return [_between("duplex_unlabelled_s", 0.0, targets.unlabelled_speech_max_s),
            _between("duplex_barge_ins_missed", 0, 0),
            gxe.ExpectColumnValuesToBeInSet(column="duplex_distribution_misses", value_set=[""])]


def release_duplex_table(frame: pd.DataFrame, duplex_targets: dict | None = None, **_) -> dict:
    """The pooled figures beside their targets, what is missed, and the FTO histogram."""
    targets = duplex.targets_from(duplex_targets)
    found = duplex.metadata(frame["duplex"]) if "duplex" in frame else {}
    if not found:
        return {}
    return {"duplex": MetadataValue.json(found["duplex"]), "duplex_targets": MetadataValue.json(
        {k: list(v) if isinstance(v, tuple) else v for k, v in targets.__dict__.items()}),
            "duplex_misses": found["duplex_misses"], "fto_histogram": MetadataValue.md(found["fto_histogram"])}


def _every_assistant_turn_refuses(turns: str) -> bool:
    said = [t for t in json.loads(turns) if t["role"] == "assistant"]
    return bool(said) and all(refuses(t["text"]) and refuses(t["spoken"]) for t in said)


def _safety_columns(frame: pd.DataFrame) -> pd.DataFrame:
    return _conversation_columns(frame).assign(assistant_refuses=frame["turns"].map(_every_assistant_turn_refuses))


def _answer_corrects(row) -> bool:
    answers = " ".join(t["spoken"] for t in json.loads(row["turns"]) if t["role"] == "assistant")
    return contains_words(answers, row["true_spoken"]) and not contains_words(answers, row["altered_spoken"])


def _premise_columns(frame: pd.DataFrame) -> pd.DataFrame:
    return _conversation_columns(frame).assign(answer_corrects=[_answer_corrects(r) for r in frame.to_dict("records")])


def _conversation_expectations() -> list:
    return [*_lineage(), gxe.ExpectColumnValuesToBeInSet(column="channels", value_set=[2]),
            gxe.ExpectColumnValuesToBeInSet(column="sample_rate", value_set=[24000]),
            gxe.ExpectColumnValuesToBeInSet(column="channel_layout", value_set=["assistant-left"]),
            gxe.ExpectColumnValuesToBeInSet(column="voices_distinct", value_set=[True]),
            gxe.ExpectColumnValuesToBeInSet(column="words_fit", value_set=[True]),
            _between("turn_count", 2, None), _between("duration_s", 0.5, 300.0), _between("overlap_s", 0.0)]


# Spread of user clips over the voices of each gender (the policy takes them in turn).


def _voice_excess(frame: pd.DataFrame) -> pd.DataFrame:
    """Per user clip: how many clips its voice has beyond an even split of its gender's user clips
    (rounded up) among the voices of that gender in the partition; NaN for assistant turns."""
    frame = _user_female(frame)
    if "user_female" not in frame or "voice_id" not in frame:
        return frame
    users = frame[frame["role"] != "assistant"]
    per_voice = users.groupby(["voice_gender", "voice_id"])["voice_id"].transform("size")
    per_gender = users.groupby("voice_gender")["voice_id"].agg(["size", "nunique"])
    fair = {g: -(-row["size"] // row["nunique"]) for g, row in per_gender.iterrows()}
    excess = per_voice - users["voice_gender"].map(fair)
    return frame.assign(user_voice_excess=excess.reindex(frame.index).astype(float))


def voice_spread(frame: pd.DataFrame, min_clips: int = GENDER_MIN_CLIPS) -> list:
    """No user voice takes more than its share of its gender's clips, plus one clip."""
    if "user_voice_excess" not in frame or int(frame["user_voice_excess"].notna().sum()) < min_clips:
        return []
    return [gxe.ExpectColumnMaxToBeBetween(column="user_voice_excess", max_value=1)]


def tts_balance(frame: pd.DataFrame, **settings) -> list:
    return gender_balance(frame, **settings) + voice_spread(frame)


SUITES: dict[str, Suite] = {s.asset: s for s in (
    Suite("documents_valid", names.CRAWL_SNAPSHOT, "Documents have text, a license and a unique id.",
          lambda: [*_lineage(), _nonempty_text(), _not_null("license"), _not_null("content_hash")]),
    Suite("snapshot_changes_valid", names.SNAPSHOT_CHANGES, "Every snapshot has counts, none negative.",
          lambda: [_not_null("source"), _not_null("snapshot"), _between("new", 0), _between("changed", 0),
                   _between("unchanged", 0), _between("removed", 0)]),
    Suite("segments_valid", names.TEXT_SEGMENTS, "Segments are non-empty, TTS-sized (at most 60 words) and "
          f"whole sentences: at most {MID_SENTENCE_SHARE:.0%} start or end mid-sentence (the report shows examples).",
          lambda: [*_lineage(), _nonempty_text(), _between("words", 1, 60), _not_null("parent_id"),
                   gxe.ExpectColumnValuesToBeInSet(column="mid_sentence", value_set=[""],
                                                   mostly=1.0 - MID_SENTENCE_SHARE)],
          prepare=_mid_sentence),
    Suite("spoken_text_valid", names.SPOKEN_TEXT, "Spoken text is non-empty, and at most "
          f"{UNSPEAKABLE_SHARE:.1%} of rows still hold digits, brackets, markup or non-Latin script (the "
          "report shows examples).",
          lambda: [*_lineage(), _nonempty_text(), _not_null("parent_id"),
                   gxe.ExpectColumnValuesToBeInSet(column="unspeakable", value_set=[""],
                                                   mostly=1.0 - UNSPEAKABLE_SHARE)],
          prepare=_unspeakable),
    Suite("tts_audio_valid", names.TTS_AUDIO, "Clips are 24 kHz mono and 0.3-30 s long; no voice is broken: "
          f"more than one and over {VOICE_MAX_BAD_AUDIO_SHARE:.0%} of its clips silent or overloud, or (from "
          f"{VOICE_MIN_CLIPS} clips) a speaking rate off its card by a factor of {VOICE_RATE_FACTOR:g} (the report "
          "names the voice); the female share "
          f"of user voices is the configured target (TTSVoices.target_female_share, default {TARGET_FEMALE_SHARE:.0%}) "
          f"within {GENDER_TOLERANCE:.0%} (judged from {GENDER_MIN_CLIPS} user clips), and no user voice takes more "
          "than its share of its gender's clips plus one.",
          lambda: [*_lineage(), gxe.ExpectColumnValuesToBeInSet(column="sample_rate", value_set=[24000]),
                   _between("duration_s", 0.3, MAX_CLIP_SECONDS), _not_null("voice_id"), _no_fault()],
          from_frame=tts_balance, prepare=_voice_audio),
    Suite("round_trip_wer", names.PSEUDO_LABELS,
          "Nothing is broken: the partition's median round-trip WER (sound-alike names forgiven, quality/metrics.py) "
          f"is at most {MAX_MEDIAN_WER:.0%}, and no voice's median is over its card's by more than "
          f"{VOICE_WER_MARGIN:.0%} (judged from {VOICE_MIN_CLIPS} clips; the report names the voice). Clips of hard "
          f"text over {WER_THRESHOLD:.0%} are filtered out downstream, not failed here.",
          lambda: [*_lineage(), gxe.ExpectColumnMedianToBeBetween(column="wer", min_value=0.0, max_value=MAX_MEDIAN_WER),
                   _no_fault()],
          prepare=_voice_wer, explain=voice_wer_table),
    Suite("augmented_valid", names.AUGMENTED_CLIPS, "Augmented clips are 24 kHz, finite and record their named, "
          "versioned recipe and its steps; light recipes keep the label: their round-trip WER is on average within "
          f"{LIGHT_RECIPE_WER_GAP:.0%} of the clean clip's (less the worst clip).",
          lambda: [*_lineage(), gxe.ExpectColumnValuesToBeInSet(column="sample_rate", value_set=[24000]),
                   _between("duration_s", 0.3, MAX_CLIP_SECONDS + 1), _nonempty_text("augmentations"),
                   gxe.ExpectColumnValuesToBeInSet(column="recipe", value_set=list(RECIPES)),
                   _not_null("recipe_version"),
                   gxe.ExpectColumnMeanToBeBetween(column="light_wer_gap", max_value=LIGHT_RECIPE_WER_GAP)],
          prepare=_light_wer_gap),
    Suite("safety_dialogues_valid", names.SAFETY_DIALOGUES, CONVERSATION_RULES + " Every assistant turn "
          "refuses, as written and as spoken (synth_assets/dialogues/refusal.py), and none complies.",
          lambda: [*_conversation_expectations(),
                   gxe.ExpectColumnValuesToBeInSet(column="assistant_refuses", value_set=[True])],
          prepare=_safety_columns, from_frame=conversation_mix),
    Suite("false_premise_dialogues_valid", names.FALSE_PREMISE_DIALOGUES, CONVERSATION_RULES + " Each answer "
          "names the true value and not the altered one, both as spoken.",
          lambda: [*_conversation_expectations(),
                   gxe.ExpectColumnValuesToBeInSet(column="answer_corrects", value_set=[True])],
          prepare=_premise_columns, from_frame=conversation_mix),
    Suite("instruction_dialogues_valid", names.INSTRUCTION_DIALOGUES, CONVERSATION_RULES + " Each also has its "
          "first question and answer as mono clips (LLaMA-Omni layout), and the clarifications are the configured "
          "share of instruction conversations within one.",
          lambda: [*_conversation_expectations(), _nonempty_text("question_text"), _nonempty_text("answer_text")],
          prepare=_conversation_columns, from_frame=conversation_mix),
    Suite("recorded_speech_valid", names.RECORDED_SPEECH,
          "Utterances of real recordings are 24 kHz, 0.3-30 s long, lie inside their file, come from a mono, "
          "left or right channel, and name the file (and its content hash) they were cut from.",
          lambda: [*_lineage(), gxe.ExpectColumnValuesToBeInSet(column="sample_rate", value_set=[24000]),
                   _between("duration_s", 0.3, MAX_CLIP_SECONDS), _between("start_s", 0.0),
                   gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A="end_s", column_B="start_s"),
                   gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A="file_duration_s", column_B="end_s",
                                                               or_equal=True),
                   gxe.ExpectColumnValuesToBeInSet(column="channel_name", value_set=["mono", "left", "right"]),
                   _between("source_rate", 8000, 192000), _not_null("file"), _not_null("file_sha256")]),
    Suite("recording_labels_valid", names.RECORDING_LABELS,
          "Every transcribed utterance has text and word timestamps; confidence (mean word probability) lies in "
          f"[0, 1] and is at least {RECORDING_MIN_CONFIDENCE} for half of a partition's utterances (else the audio "
          "is probably not English speech Whisper can hear).",
          lambda: [*_lineage(), _nonempty_text("transcript"), _between("word_count", 1),
                   _between("confidence", 0.0, 1.0),
                   _between("confidence", RECORDING_MIN_CONFIDENCE, 1.0, mostly=0.5), _not_null("parent_id")]),
    Suite("dataset_valid", names.SPEECH_DATASET, "Every released sample has audio, text and lineage, and meets "
          "the audio quality gates (peak, clipping, silence, SNR) the speech_dataset Config sets.",
          lambda: [_unique("id"), _nonempty_text(), _not_null("parent_id"), _not_null("source_document"),
                   _between("duration_s", 0.3, 300.0)], from_frame=audio_quality_gates),
)}

# Checks that warn rather than block: the asset's data is sound, but not what was aimed at.
ADVISORY: dict[str, tuple[Suite, ...]] = {names.SPEECH_DATASET: (
    Suite("conversation_mix", names.SPEECH_DATASET, "The release's conversations hold the configured mix "
          "(SYNTH_CONVERSATION_MIX, the ConversationMix resource): each kind's share by count, and the share of "
          "female user voices (TTSVoices.target_female_share), within the speech_dataset Config's mix_tolerance "
          f"(default {CONVERSATION_MIX_TOLERANCE:.0%}) and one conversation of its target. Judged from "
          "1 / mix_tolerance conversations (20 by default): below that one conversation is more than the tolerance. "
          "Shares by hours are shown beside, and the conversations' share of the release's hours is judged "
          "against the Config's min_conversation_hours_share (0: not judged). Warns, does not block: a landing "
          "zone without instruction documents, say, makes sound data in another mix.",
          lambda: [], prepare=_release_conversations, from_frame=release_mix, explain=release_mix_table,
          blocking=False),
    Suite("duplex_timing", names.SPEECH_DATASET, "The conversations' turn-taking as heard in their audio "
          "(synth_assets/dialogues/duplex.py: speech is a 10 ms frame above -50 dBFS per channel): no speech outside "
          "the labelled words of turns and backchannels (beyond 50 ms), every labelled barge-in heard (both channels "
          "together for 0.15 s), and, from 20 speaker changes, the floor-transfer offsets' median within 0-0.4 s and "
          "p90 under 1 s, at least 25 % of speaker changes overlapping and an overlap share of speech time of "
          "3-15 %. Targets from SYNTH_DUPLEX_TARGETS. Warns, does not block: the data is sound, its timing off target.",
          lambda: [], prepare=_release_duplex, from_frame=release_duplex, explain=release_duplex_table,
          blocking=False),
)}


def suites_for(asset: str) -> tuple[Suite, ...]:
    """Every suite an asset is checked with: its blocking one first, then any that warn."""
    return ((SUITES[asset],) if asset in SUITES else ()) + ADVISORY.get(asset, ())
