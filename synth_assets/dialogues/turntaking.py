"""Turn-taking for full-duplex conversations, drawn per conversation from a seed and recorded.

Between two speakers the next one's first speech follows the previous one's last speech by a
floor-transfer offset (FTO) drawn from a human distribution: by default the quantiles of two-party
telephone English (CallHome: median 0.06 s, 44 % of changes overlapping, 4 % over 1 s; the
reference statistics in /work/shared/data/turn_taking_reference), or the quantiles measured on a
collection of real calls (synth_assets/dialogues/duplex.py, ``fto_quantiles``). A negative FTO is an
overlap of real speech. A user may barge in on the assistant: both are heard together for a human
moment, and the assistant stops at a word boundary it reached. While one side speaks, the listener
says a short backchannel at some of its phrase ends (chosen at layout, from the word times). Every
value drawn is kept with the conversation, so a listener can check what was meant.
"""

from __future__ import annotations

import bisect
import random
from dataclasses import asdict, dataclass, field

# Continuers and acknowledgements; NEUTRAL ones agree to nothing, so they fit before any reply.
BACKCHANNELS = ("Mm-hm.", "Uh-huh.", "Mm.", "Right.", "Okay.", "Yeah.", "I see.", "Sure.", "Got it.",
                "Oh, okay.", "Yes.", "Oh, I see.", "Ah, okay.", "Uh-huh, yeah.")
NEUTRAL_BACKCHANNELS = ("Mm-hm.", "Uh-huh.", "Mm.")
# Two-party telephone English (CallHome, 140 calls, 19,877 speaker changes): FTO quantiles in seconds.
CALLHOME_FTO_QUANTILES = ((0.0, -0.9), (0.1, -0.56), (0.25, -0.21), (0.5, 0.06), (0.75, 0.35), (0.9, 0.68),
                          (0.96, 1.0), (1.0, 1.4))


@dataclass(frozen=True)
class TurnTakingStyle:
    """The draw's distributions (seconds)."""

    fto_quantiles: tuple[tuple[float, float], ...] = CALLHOME_FTO_QUANTILES  # (probability, FTO), rising
    max_overlap_share: float = 0.4  # an overlap takes at most this share of the shorter speech of the two
    pause_s: tuple[float, float] = (0.3, 0.9)  # the same speaker again after a pause
    barge_in_rate: float = 0.3  # of assistant turns followed by a user turn
    barge_in_at: tuple[float, float] = (0.35, 0.75)  # share of the assistant's speech heard before the user starts
    barge_in_overlap_s: tuple[float, float] = (0.25, 0.6)  # the assistant goes on at least this long over the user...
    reaction_max_s: float = 1.2  # ...and stops at its first word end after that, within this of the user's start
    backchannels_per_s: float = 1 / 12  # of the speaker's speech, at its phrase ends (CallHome: 2.65 a minute)
    backchannel_min_turn_s: float = 2.0
    backchannel_phrase_pause_s: float = 0.15  # a pause between words this long is a phrase end (as is , . ; : ? !)
    backchannel_delay_s: tuple[float, float] = (0.0, 0.25)  # after the phrase end
    backchannel_speed: tuple[float, float] = (0.9, 1.15)  # prosody varied
    backchannel_spacing_s: float = 2.0
    hesitation_rate: float = 0.2  # of user turns with a phrase end: the user stops mid-turn and goes on...
    hesitation_s: tuple[float, float] = (0.5, 2.0)  # ...after this long, while the assistant keeps listening

    def __post_init__(self):
        probabilities = [p for p, _ in self.fto_quantiles]
        values = [v for _, v in self.fto_quantiles]
        if probabilities[0] != 0.0 or probabilities[-1] != 1.0 or probabilities != sorted(probabilities) \
                or values != sorted(values):
            raise ValueError(f"fto_quantiles must rise from probability 0 to 1: {self.fto_quantiles}")
        if self.barge_in_overlap_s[0] < 0.15:
            raise ValueError("a barge-in must be heard for at least 0.15 s of both speaking")


def draw_fto(rng: random.Random, quantiles: tuple[tuple[float, float], ...]) -> float:
    """One FTO from the piecewise-linear inverse CDF through ``quantiles``."""
    u = rng.random()
    probabilities = [p for p, _ in quantiles]
    i = max(1, min(len(quantiles) - 1, bisect.bisect_right(probabilities, u)))
    (p0, v0), (p1, v1) = quantiles[i - 1], quantiles[i]
    return round(v0 + (v1 - v0) * ((u - p0) / (p1 - p0) if p1 > p0 else 0.0), 3)


@dataclass
class Transition:
    """How turn ``index`` starts relative to the turn before it (speech edge to speech edge)."""

    index: int
    kind: str  # fto (another speaker), pause (the same one again) or barge_in
    seconds: float = 0.0  # the FTO or pause drawn; negative: the speakers overlap
    barge_in_at: float = 0.0  # share of the previous (assistant) speech heard before the user starts
    overlap_s: float = 0.0  # barge-in: how long the assistant goes on over the user, at least


@dataclass
class Backchannel:
    during: int  # index of the turn it is said during
    text: str
    after_word: int  # index of the speaker's word whose end is the phrase end
    delay_s: float
    speed: float


@dataclass
class Hesitation:
    turn: int  # index of the user turn that stops mid-way
    after_word: int  # the phrase end it stops at
    seconds: float  # the silence added there


@dataclass
class TurnTakingPlan:
    transitions: list[Transition] = field(default_factory=list)
    backchannels: list[Backchannel] = field(default_factory=list)  # as said (filled at layout)
    backchannel_seed: int = 0
    hesitations: list[Hesitation] = field(default_factory=list)  # filled at layout, where phrase ends are known
    behaviours: list[dict] = field(default_factory=list)  # dialogues/behaviours.py: kind, turns, what was heard

    def to_dict(self) -> dict:
        return asdict(self)


def _uniform(rng: random.Random, bounds: tuple[float, float]) -> float:
    return round(rng.uniform(*bounds), 3)


def draw_plan(roles: list[str], seed: int, style: TurnTakingStyle = TurnTakingStyle(), *,
              allow_barge_in: bool = True, barge_ins: frozenset[int] = frozenset(),
              calm: frozenset[int] = frozenset()) -> TurnTakingPlan:
    """The transitions between consecutive turns, for these roles (backchannels are chosen at layout,
    where the phrase ends are known, from ``backchannel_seed``). Turns in ``barge_ins`` (a user telling
    the assistant to stop) always barge in; turns in ``calm`` (side talk) never do."""
    rng = random.Random(seed)
    plan = TurnTakingPlan(backchannel_seed=rng.randrange(2**31))
    for index in range(1, len(roles)):
        before, now = roles[index - 1], roles[index]
        if before == now:  # the same speaker again: a pause, never an overlap with itself
            plan.transitions.append(Transition(index, "pause", _uniform(rng, style.pause_s)))
        elif before == "assistant" and now == "user" and (index in barge_ins or (
                allow_barge_in and rng.random() < style.barge_in_rate and index not in calm)):
            plan.transitions.append(Transition(index, "barge_in", barge_in_at=_uniform(rng, style.barge_in_at),
                                               overlap_s=_uniform(rng, style.barge_in_overlap_s)))
        else:
            seconds = draw_fto(rng, style.fto_quantiles)  # side talk starts once the assistant is silent
            seconds = max(seconds, style.pause_s[0]) if index in calm else seconds
            plan.transitions.append(Transition(index, "fto", seconds))
    return plan


def backchannel_forms(listener: str, kind: str) -> tuple[str, ...]:
    """What the listener may say without contradicting what follows: the assistant only while a plain
    instruction is asked (never during a harmful request, a false premise or a question it will ask to
    hear again); the user anything while an instruction is answered, else only neutral continuers."""
    if listener == "assistant":
        return BACKCHANNELS if kind == "instruction" else ()
    return BACKCHANNELS if kind == "instruction" else NEUTRAL_BACKCHANNELS
