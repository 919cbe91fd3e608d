"""The conversation mix a release holds: each kind's count and hours beside its target share, and
the share of conversations with a female user voice, judged as speech_dataset's conversation_mix
check judges them (quality/release.py) and shown in its metadata."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from synth_assets.core.mix import KINDS, MixTargets


def judged(conversations: int, tolerance: float) -> bool:
    """A mix is judged once one conversation moves a share by no more than the tolerance: below
    that, a partition rounding its count one way would fail a release that holds its targets."""
    return conversations >= math.ceil(1.0 / tolerance - 1e-9)


def allowed(target: float, conversations: int, tolerance: float) -> tuple[float, float]:
    """The shares that pass: the target within the tolerance plus one conversation, which covers the
    rounding (no whole count is nearer a share than half a conversation, and each partition rounds
    its own counts)."""
    slack = tolerance + 1.0 / max(conversations, 1)
    return round(max(0.0, target - slack), 4), round(min(1.0, target + slack), 4)


@dataclass(frozen=True)
class Share:
    """One line of the mix: a kind (or the female user voices) against its target."""

    name: str
    target: float
    count: int
    seconds: float
    count_share: float
    hours_share: float
    low: float
    high: float

    @property
    def ok(self) -> bool:
        return self.low <= self.count_share <= self.high


@dataclass(frozen=True)
class MixReport:
    conversations: int
    hours: float
    judged: bool
    kinds: list[Share]
    female: Share

    def markdown(self) -> str:
        verdict = ("judged by count: target within the tolerance and one conversation" if self.judged else
                   f"not judged: {self.conversations} conversations are too few for the tolerance")
        lines = [f"{self.conversations} conversations, {self.hours:.3f} h; {verdict}.", "",
                 "| | target | share (count) | share (hours) | count | hours | passes between | |",
                 "|---|---:|---:|---:|---:|---:|---|---|"]
        for share in [*self.kinds, self.female]:
            mark = ("ok" if share.ok else "OFF") if self.judged else ""
            lines.append(f"| {share.name} | {share.target:.1%} | {share.count_share:.1%} | {share.hours_share:.1%} | "
                         f"{share.count} | {share.seconds / 3600:.3f} | {share.low:.1%} - {share.high:.1%} | {mark} |")
        return "\n".join(lines)

    def shares(self) -> dict[str, float]:
        return {s.name: round(s.count_share, 4) for s in self.kinds}


def measure_mix(conversations: Iterable[tuple[str, float, str | None]], targets: MixTargets,
                target_female_share: float, tolerance: float) -> MixReport:
    """The mix of ``conversations``, each (kind, seconds, user gender): rows of other kinds are skipped."""
    rows = [(kind, float(seconds), gender) for kind, seconds, gender in conversations if kind in KINDS]
    total, seconds = len(rows), sum(s for _, s, _ in rows)

    def share(name: str, target: float, chosen: list[tuple[str, float, str | None]]) -> Share:
        chosen_seconds = sum(s for _, s, _ in chosen)
        return Share(name, target, len(chosen), chosen_seconds, len(chosen) / total if total else 0.0,
                     chosen_seconds / seconds if seconds else 0.0, *allowed(target, total, tolerance))

    return MixReport(
        conversations=total, hours=seconds / 3600, judged=judged(total, tolerance),
        kinds=[share(kind, target, [r for r in rows if r[0] == kind]) for kind, target in targets.shares().items()],
        female=share("female user voice", target_female_share, [r for r in rows if r[2] == "female"]),
    )
