"""Turn-taking for full-duplex conversations, drawn per conversation from a seed and recorded.

Between two turns the next speaker leaves a gap, starts right away (no gap) or overlaps the end of
the previous turn; a user may barge in on the assistant, which then stops mid-sentence. While one
side speaks long enough, the listener sometimes says a short backchannel ("mm-hm") on its own
channel. Every value drawn is kept with the conversation, so a listener can check what was meant.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, field

BACKCHANNELS = ("Mm-hm.", "Right.", "Okay.", "Yeah.", "I see.")


@dataclass(frozen=True)
class TurnTakingStyle:
    """Shares and ranges of the draw (seconds); the shares of gap, no gap and overlap sum to 1."""

    gap_share: float = 0.6
    no_gap_share: float = 0.15
    overlap_share: float = 0.25
    gap_s: tuple[float, float] = (0.2, 0.9)
    overlap_s: tuple[float, float] = (0.1, 0.45)
    barge_in_rate: float = 0.25  # of assistant turns followed by a user turn
    barge_in_at: tuple[float, float] = (0.45, 0.8)  # where in the assistant turn the user starts
    reaction_s: tuple[float, float] = (0.15, 0.4)  # how long the assistant keeps talking after that
    backchannel_rate: float = 0.35  # of turns long enough to hold one
    backchannel_min_turn_s: float = 2.5
    backchannel_at: tuple[float, float] = (0.35, 0.75)


@dataclass
class Transition:
    """How turn ``index`` starts relative to the turn before it."""

    index: int
    kind: str  # gap, no_gap, overlap or barge_in
    seconds: float = 0.0  # the gap or the overlap
    barge_in_at: float = 0.0  # share of the previous (assistant) turn heard before the user starts
    reaction_s: float = 0.0


@dataclass
class Backchannel:
    during: int  # index of the turn it is said during
    text: str
    at: float  # share of that turn elapsed when it starts


@dataclass
class TurnTakingPlan:
    transitions: list[Transition] = field(default_factory=list)
    backchannels: list[Backchannel] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def _uniform(rng: random.Random, bounds: tuple[float, float]) -> float:
    return round(rng.uniform(*bounds), 3)


def draw_plan(roles: list[str], seed: int, style: TurnTakingStyle = TurnTakingStyle(), *,
              allow_barge_in: bool = True) -> TurnTakingPlan:
    """The transitions between consecutive turns and the candidate backchannels, for these roles.

    Backchannels are candidates: the layout keeps only those whose turn turns out long enough.
    """
    rng = random.Random(seed)
    plan = TurnTakingPlan()
    for index in range(1, len(roles)):
        before, now = roles[index - 1], roles[index]
        if before == now:  # the same speaker again: a pause, never an overlap with itself
            plan.transitions.append(Transition(index, "gap", _uniform(rng, style.gap_s)))
            continue
        if allow_barge_in and before == "assistant" and now == "user" and rng.random() < style.barge_in_rate:
            plan.transitions.append(Transition(index, "barge_in", barge_in_at=_uniform(rng, style.barge_in_at),
                                               reaction_s=_uniform(rng, style.reaction_s)))
            continue
        draw = rng.random()
        if draw < style.gap_share:
            plan.transitions.append(Transition(index, "gap", _uniform(rng, style.gap_s)))
        elif draw < style.gap_share + style.no_gap_share:
            plan.transitions.append(Transition(index, "no_gap", 0.0))
        else:
            plan.transitions.append(Transition(index, "overlap", _uniform(rng, style.overlap_s)))
    for index in range(len(roles)):
        if rng.random() < style.backchannel_rate:
            plan.backchannels.append(Backchannel(index, rng.choice(BACKCHANNELS), _uniform(rng, style.backchannel_at)))
    return plan
