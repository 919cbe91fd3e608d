"""The release's checks (speech_dataset): the samples and their audio gates, which block, and two that
warn: the conversation mix and the conversations' duplex timing. The columns they judge are those of
ReleaseRow (release/rows.py), documented there."""

from __future__ import annotations

import pandas as pd
from dagster import MetadataValue

from quality.base import Suite, advisory, between, gxe, nonempty_text, not_null, unique
from synth_assets.core import names
from synth_assets.core.limits import (
    CONVERSATION_MIX_TOLERANCE,
    MAX_CLIPPING_RATIO,
    MAX_SILENCE_RATIO,
    MIN_PEAK_DBFS,
    MIN_SNR_DB,
    TARGET_FEMALE_SHARE,
)
from synth_assets.core.mix import KINDS, MixTargets
from synth_assets.dialogues import duplex
from synth_assets.release.mix import allowed, judged, measure_mix
from synth_assets.release.rows import ReleaseRow

def audio_quality_gates(frame: pd.DataFrame, min_peak_dbfs: float = MIN_PEAK_DBFS,
                        max_clipping_ratio: float = MAX_CLIPPING_RATIO, max_silence_ratio: float = MAX_SILENCE_RATIO,
                        min_snr_db: float = MIN_SNR_DB, **_) -> list:
    """The release's audio gates, at the thresholds the stage was configured with (core/audio_quality.py)."""
    if "peak_dbfs" not in frame:
        return []
    return [between("peak_dbfs", min_peak_dbfs, 0.0), between("clipping_ratio", 0.0, max_clipping_ratio),
            between("silence_ratio", 0.0, max_silence_ratio), between("snr_db", min_snr_db, None)]


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
    return [between("duplex_unlabelled_s", 0.0, targets.unlabelled_speech_max_s),
            between("duplex_barge_ins_missed", 0, 0),
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


STAGE_SUITES = (
    Suite("dataset_valid", names.SPEECH_DATASET, "Every released sample has audio, text and lineage, and meets "
          "the audio quality gates (peak, clipping, silence, SNR) the speech_dataset Config sets.",
          lambda: [unique("id"), nonempty_text(), not_null("parent_id"), not_null("source_document"),
                   between("duration_s", 0.3, 300.0)], from_frame=audio_quality_gates, record=ReleaseRow),
    # Checks that warn rather than block: the asset's data is sound, but not what was aimed at.
    advisory("conversation_mix", names.SPEECH_DATASET, "The release's conversations hold the configured mix "
          "(SYNTH_CONVERSATION_MIX, the ConversationMix resource): each kind's share by count, and the share of "
          "female user voices (TTSVoices.target_female_share), within the speech_dataset Config's mix_tolerance "
          f"(default {CONVERSATION_MIX_TOLERANCE:.0%}) and one conversation of its target. Judged from "
          "1 / mix_tolerance conversations (20 by default): below that one conversation is more than the tolerance. "
          "Shares by hours are shown beside, and the conversations' share of the release's hours is judged "
          "against the Config's min_conversation_hours_share (0: not judged). Warns, does not block: a landing "
          "zone without instruction documents, say, makes sound data in another mix.",
          _release_conversations, release_mix, release_mix_table, record=ReleaseRow),
    advisory("duplex_timing", names.SPEECH_DATASET, "The conversations' turn-taking as heard in their audio "
          "(synth_assets/dialogues/duplex.py: speech is a 10 ms frame above -50 dBFS per channel): no speech outside "
          "the labelled words of turns and backchannels (beyond 50 ms), every labelled barge-in heard (both channels "
          "together for 0.15 s), and, from 20 speaker changes, the floor-transfer offsets' median within 0-0.4 s and "
          "p90 under 1 s, at least 25 % of speaker changes overlapping and an overlap share of speech time of "
          "3-15 %. Targets from SYNTH_DUPLEX_TARGETS. Warns, does not block: the data is sound, its timing off target.",
          _release_duplex, release_duplex, release_duplex_table, record=ReleaseRow),
)
