"""Full-duplex timing measured from the audio, not from the plan: what a listener hears.

Speech is a 10 ms frame above -50 dBFS on a channel. Each channel's speech frames make runs; runs
closer than ``merge_gap_s`` join into one stretch of speech (a breath between words is not a turn
end). A short stretch (under ``short_s``) said while the other channel's speech surrounds it is a
backchannel and does not take the floor. On the remaining stretches, in time order, a speaker change
is a stretch by the other channel than the floor holder's; its floor-transfer offset (FTO) is its
first speech minus the previous speaker's last speech before it (negative: the two overlap). The
same measurement runs on synthetic conversations (with their labels) and on real two-channel calls.

With labels (the conversation's turns and backchannels with word times) it also finds speech the
labels do not cover (more than ``tolerance_s`` from every labelled word on that channel), and
whether each labelled barge-in is heard: both channels speaking together for at least
``barge_in_min_s``.
"""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass, field

import numpy as np

FRAME_S = 0.01
SPEECH_DBFS = -50.0


@dataclass(frozen=True)
class DuplexTargets:
    """What the release's audio must show (the sample run's targets of issue 20)."""

    fto_median_s: tuple[float, float] = (0.0, 0.4)
    fto_p90_max_s: float = 1.0
    overlapping_changes_min: float = 0.25  # share of speaker changes with overlapping speech
    overlap_share: tuple[float, float] = (0.03, 0.15)  # of speech time
    barge_in_min_s: float = 0.15  # both channels heard at once, for a labelled barge-in to count as heard
    unlabelled_speech_max_s: float = 0.05  # per conversation, speech outside labelled words (tolerance apart)
    min_changes: int = 20  # fewer speaker changes are too few to judge the distribution


def targets_from(overrides: dict | None) -> DuplexTargets:
    """DuplexTargets with configured overrides (lists become tuples); an unknown field is refused by name."""
    known = set(DuplexTargets.__dataclass_fields__)
    unknown = set(overrides or {}) - known
    if unknown:
        raise ValueError(f"unknown duplex targets {sorted(unknown)} (known: {sorted(known)})")
    return DuplexTargets(**{k: tuple(v) if isinstance(v, list) else v for k, v in (overrides or {}).items()})


@dataclass(frozen=True)
class Measure:
    """How speech is found: frame length, level, and how runs become turns."""

    frame_s: float = FRAME_S
    speech_dbfs: float = SPEECH_DBFS
    # Runs closer than this are one stretch: voices pause 0.2-0.45 s at commas and between sentences
    # (the reference statistics of real calls join transcribed segments closer than 0.2 s).
    merge_gap_s: float = 0.5
    short_s: float = 1.0
    tolerance_s: float = 0.05  # labels must match the audio this closely


@dataclass
class DuplexStats:
    """One conversation (or call) as heard."""

    duration_s: float
    speech_s: float  # either channel speaking
    overlap_s: float  # both channels speaking
    ftos: list[float] = field(default_factory=list)  # one per speaker change, seconds
    backchannels_heard: int = 0
    barge_ins_labelled: int = 0
    barge_ins_heard: int = 0
    barge_in_overlaps: list[float] = field(default_factory=list)  # seconds both heard, per labelled barge-in
    barge_in_forms: dict = field(default_factory=dict)  # form -> [labelled, heard] (the user turn's ``barge_in``)
    unlabelled_speech_s: float = 0.0
    labels_checked: bool = False

    def to_dict(self) -> dict:
        return asdict(self)


def speech_frames(channel: np.ndarray, rate: int, measure: Measure = Measure()) -> np.ndarray:
    """One bool per frame: the frame's RMS is above ``measure.speech_dbfs``."""
    frame = max(1, int(round(measure.frame_s * rate)))
    count = channel.size // frame
    if count == 0:
        return np.zeros(0, bool)
    power = (channel[:count * frame].astype(np.float64).reshape(count, frame) ** 2).mean(axis=1)
    return 10 * np.log10(power + 1e-20) > measure.speech_dbfs


def runs(active: np.ndarray, frame_s: float, merge_gap_s: float = 0.0) -> list[tuple[float, float]]:
    """(start, end) seconds of each run of active frames, runs closer than ``merge_gap_s`` joined."""
    if active.size == 0 or not active.any():
        return []
    padded = np.concatenate([[False], active, [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    spans = [(float(s) * frame_s, float(e) * frame_s) for s, e in zip(edges[::2], edges[1::2])]
    merged = [spans[0]]
    for start, end in spans[1:]:
        if start - merged[-1][1] < merge_gap_s - 1e-9:
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _surrounded(span: tuple[float, float], other: list[tuple[float, float]], reach: float) -> bool:
    """The other channel speaks within ``reach`` before the span starts and within ``reach`` after it ends."""
    before = any(s <= span[0] and e >= span[0] - reach for s, e in other)
    after = any(e >= span[1] and s <= span[1] + reach for s, e in other)
    return before and after


def floor_transfers(spans: dict[int, list[tuple[float, float]]],
                    measure: Measure = Measure()) -> tuple[list[float], int]:
    """The FTO of each speaker change between channels 0 and 1, and the backchannels set aside."""
    floor, backchannels = [], 0
    for channel, own in spans.items():
        other = spans[1 - channel]
        for span in own:
            if span[1] - span[0] < measure.short_s and _surrounded(span, other, measure.short_s):
                backchannels += 1
            else:
                floor.append((span[0], span[1], channel))
    floor.sort()
    ftos, holder, last_end = [], None, {0: None, 1: None}
    for start, end, channel in floor:
        if holder is not None and channel != holder and last_end[holder] is not None:
            if end <= last_end[holder]:  # said wholly inside the other's speech: it never took the floor
                continue
            ftos.append(round(start - last_end[holder], 3))
        holder = channel
        last_end[channel] = max(end, last_end[channel] or end)
    return ftos, backchannels


def _covered(active: np.ndarray, labels: list[tuple[float, float]], frame_s: float, tolerance: float) -> np.ndarray:
    """Frames of ``active`` inside no label (each widened by ``tolerance``)."""
    outside = active.copy()
    for start, end in labels:
        first = max(0, int(np.floor((start - tolerance) / frame_s)))
        last = min(outside.size, int(np.ceil((end + tolerance) / frame_s)))
        outside[first:last] = False
    return outside


def _labelled_spans(items: list[dict]) -> list[tuple[float, float]]:
    """Each labelled word's span (a turn without words: its start and end)."""
    spans = []
    for item in items:
        words = item.get("words") or []
        spans += [(w["start"], w["end"]) for w in words] if words else [(item["start"], item["end"])]
    return spans


def measure_audio(audio: np.ndarray, rate: int, *, turns: list[dict] | None = None,
                  backchannels: list[dict] | None = None, background: list[dict] | None = None, layout: tuple[str, str] = ("assistant", "user"),
                  measure: Measure = Measure(), barge_in_min_s: float = DuplexTargets.barge_in_min_s) -> DuplexStats:
    """The stats of a two-channel recording; with ``turns`` (and ``backchannels``, and ``background``
    speech labelled on a channel: other voices, not a turn) also what the labels miss and whether each labelled barge-in (a turn ``interrupted``) is heard."""
    if audio.ndim != 2 or audio.shape[1] != 2:
        raise ValueError(f"two channels needed, got shape {audio.shape}")
    active = [speech_frames(audio[:, c], rate, measure) for c in (0, 1)]
    size = min(a.size for a in active)
    active = [a[:size] for a in active]
    both = active[0] & active[1]
    spans = {c: runs(active[c], measure.frame_s, measure.merge_gap_s) for c in (0, 1)}
    ftos, heard_backchannels = floor_transfers(spans, measure)
    stats = DuplexStats(duration_s=round(audio.shape[0] / rate, 3),
                        speech_s=round(float((active[0] | active[1]).sum()) * measure.frame_s, 3),
                        overlap_s=round(float(both.sum()) * measure.frame_s, 3), ftos=ftos,
                        backchannels_heard=heard_backchannels)
    if turns is None:
        return stats
    stats.labels_checked = True
    items = turns + (backchannels or []) + (background or [])
    outside = 0
    for channel, role in enumerate(layout):
        labels = _labelled_spans([t for t in items if t["role"] == role])
        outside += int(_covered(active[channel], labels, measure.frame_s, measure.tolerance_s).sum())
    stats.unlabelled_speech_s = round(outside * measure.frame_s, 3)
    for index, turn in enumerate(turns[:-1]):
        if not turn.get("interrupted"):
            continue
        after = turns[index + 1]
        stats.barge_ins_labelled += 1
        first = int(after["start"] / measure.frame_s)
        last = int(np.ceil(turn["end"] / measure.frame_s)) + 1
        together = round(float(both[first:last].sum()) * measure.frame_s, 3)
        stats.barge_in_overlaps.append(together)
        stats.barge_ins_heard += together >= barge_in_min_s - 1e-9
        form = stats.barge_in_forms.setdefault(after.get("barge_in", "plain"), [0, 0])
        form[0] += 1
        form[1] += together >= barge_in_min_s - 1e-9
    return stats


def _by_form(stats: list[DuplexStats]) -> dict[str, dict[str, int]]:
    """Labelled barge-ins by their form (wait, actually, correction, new_question, stop, plain), and how
    many of each are heard."""
    found: dict[str, dict[str, int]] = {}
    for s in stats:
        for form, (labelled, heard) in s.barge_in_forms.items():
            entry = found.setdefault(form, {"labelled": 0, "heard": 0})
            entry["labelled"] += labelled
            entry["heard"] += heard
    return dict(sorted(found.items()))


def _percentile(values: list[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 3) if values else None


def summarize(stats: list[DuplexStats], unlabelled_max_s: float = DuplexTargets.unlabelled_speech_max_s) -> dict:
    """Pooled figures of many conversations or calls: FTO distribution, overlapping changes, overlap
    share of speech time, backchannels heard, labelled barge-ins heard, speech outside the labels."""
    ftos = [f for s in stats for f in s.ftos]
    speech = sum(s.speech_s for s in stats)
    minutes = sum(s.duration_s for s in stats) / 60
    labelled = [s for s in stats if s.labels_checked]
    return {
        "conversations": len(stats), "speaker_changes": len(ftos),
        "fto_median_s": round(statistics.median(ftos), 3) if ftos else None,
        "fto_p10_s": _percentile(ftos, 10), "fto_p90_s": _percentile(ftos, 90),
        "share_changes_overlapping": round(sum(f < 0 for f in ftos) / len(ftos), 3) if ftos else None,
        "overlap_share_of_speech": round(sum(s.overlap_s for s in stats) / speech, 4) if speech else None,
        "backchannels_heard_per_min": round(sum(s.backchannels_heard for s in stats) / minutes, 2) if minutes else None,
        "barge_ins_labelled": sum(s.barge_ins_labelled for s in stats),
        "barge_ins_heard": sum(s.barge_ins_heard for s in stats),
        "barge_ins_by_form": _by_form(stats),
        "unlabelled_speech_s": round(sum(s.unlabelled_speech_s for s in labelled), 3),
        "conversations_with_unlabelled_speech": sum(
            s.unlabelled_speech_s > unlabelled_max_s for s in labelled),
    }


def judge(summary: dict, targets: DuplexTargets = DuplexTargets()) -> list[str]:
    return distribution_misses(summary, targets) + label_misses(summary, targets)


def distribution_misses(summary: dict, targets: DuplexTargets = DuplexTargets()) -> list[str]:
    """Each target the pooled figures miss, as a sentence; empty when all are met (the distribution is
    judged from ``targets.min_changes`` speaker changes)."""
    failures = []
    if summary["speaker_changes"] >= targets.min_changes:
        low, high = targets.fto_median_s
        if not low <= summary["fto_median_s"] <= high:
            failures.append(f"FTO median {summary['fto_median_s']} s is outside {low}-{high} s")
        if summary["fto_p90_s"] >= targets.fto_p90_max_s:
            failures.append(f"FTO p90 {summary['fto_p90_s']} s is not under {targets.fto_p90_max_s} s")
        if summary["share_changes_overlapping"] < targets.overlapping_changes_min:
            failures.append(f"{summary['share_changes_overlapping']:.0%} of speaker changes overlap, "
                            f"under {targets.overlapping_changes_min:.0%}")
        low, high = targets.overlap_share
        if summary["overlap_share_of_speech"] is not None and not low <= summary["overlap_share_of_speech"] <= high:
            failures.append(f"overlap share of speech {summary['overlap_share_of_speech']:.1%} is outside "
                            f"{low:.0%}-{high:.0%}")
    return failures


def label_misses(summary: dict, targets: DuplexTargets = DuplexTargets()) -> list[str]:
    failures = []
    if summary["barge_ins_heard"] < summary["barge_ins_labelled"]:
        failures.append(f"{summary['barge_ins_labelled'] - summary['barge_ins_heard']} of "
                        f"{summary['barge_ins_labelled']} labelled barge-ins are not heard (both channels "
                        f"under {targets.barge_in_min_s} s together)")
    if summary["conversations_with_unlabelled_speech"]:
        failures.append(f"{summary['conversations_with_unlabelled_speech']} conversations have speech outside "
                        f"their labelled words ({summary['unlabelled_speech_s']} s in all)")
    return failures


def fto_histogram(ftos: list[float], bins: tuple[float, ...] = tuple(np.round(np.arange(-1.0, 2.01, 0.2), 1))) -> dict:
    """FTO counts per 200 ms bin from -1 s to 2 s (the ends catch what lies beyond)."""
    edges = list(bins)
    counts = {f"{a:+.1f}..{b:+.1f}": 0 for a, b in zip(edges, edges[1:])}
    keys = list(counts)
    for value in ftos:
        index = min(len(keys) - 1, max(0, int(np.searchsorted(edges, value, side="right")) - 1))
        counts[keys[index]] += 1
    return counts


def from_record(record: dict) -> DuplexStats:
    """The stats stored with a conversation row (its ``duplex`` column, decoded)."""
    return DuplexStats(**record)


def stored(values) -> list[DuplexStats]:
    """The stats of rows' ``duplex`` column (JSON text; rows stored before it, null, are skipped)."""
    import json

    return [from_record(json.loads(v)) for v in values if isinstance(v, str) and v]


def fto_histogram_markdown(ftos: list[float], title: str = "floor-transfer offsets") -> str:
    """The FTO histogram as a bar chart for the Dagster UI."""
    from synth_assets.core.plots import bar_chart_png, markdown_image

    counts = fto_histogram(ftos)
    labels = [k.split("..")[0] for k in counts]
    return markdown_image(bar_chart_png(labels, list(counts.values()), "FTO (s), bins of 0.2 s from",
                                       "speaker changes"), title)


def metadata(values) -> dict:
    """What the UI shows of a set of conversations' duplex timing: the pooled figures, the targets
    missed, and the FTO histogram."""
    stats = stored(values)
    summary = summarize(stats)
    return {"duplex": {k: v for k, v in summary.items() if v is not None},
            "duplex_misses": "; ".join(judge(summary)) or "none",
            "fto_histogram": fto_histogram_markdown([f for s in stats for f in s.ftos])}
