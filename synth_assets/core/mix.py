"""The conversation mix: the share of each conversation kind a release aims at, and the seeded
rounding the dialogue stages steer their counts with.

``settings.conversation_mix()`` reads the targets (SYNTH_CONVERSATION_MIX); the ``ConversationMix``
resource hands them to the dialogue stages and to speech_dataset, whose conversation_mix check
judges the release against them.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from synth_assets.core.fields import setting
from synth_assets.core.records import seed_from_id

KINDS = ("safety", "false_premise", "instruction", "clarification")


class MixError(ValueError):
    """Target shares that cannot be a mix; the message says why."""


@dataclass(frozen=True)
class MixTargets:
    """Target share of each conversation kind, by count of conversations; they sum to 1.

    The defaults are what the bundled sample makes (`synth demo`): its Alpaca and UltraChat files
    give 21 instruction conversations (every valid instruction), its two Wikipedia files 11 false
    premises (one per article with an alterable fact), a clarification for about a third of the
    instructions, and safety conversations a fifth of all.
    """

    safety: float = setting(0.2, "Safety refusals; each partition renders this share beside its other "
                            "conversations.")
    false_premise: float = setting(0.22, "False-premise corrections (FalsePremiseConfig.per_article from each "
                                   "article with an alterable fact).")
    instruction: float = setting(0.43, "Instruction conversations (one per valid Alpaca or UltraChat document, "
                                 "or InstructionConfig.rate of them).")
    clarification: float = setting(0.15, "Clarifications; made for clarification / instruction of the "
                                   "instruction conversations.")

    def __post_init__(self):
        shares = self.shares()
        if any(not (isinstance(v, (int, float)) and 0.0 <= v <= 1.0) for v in shares.values()):
            raise MixError(f"conversation mix {shares}: every share must be a number from 0 to 1")
        if abs(sum(shares.values()) - 1.0) > 1e-3:
            raise MixError(f"conversation mix {shares}: the shares sum to {sum(shares.values()):.3f}, not 1")
        if self.safety >= 1.0:
            raise MixError("conversation mix: safety conversations fill their share beside the other kinds, "
                           "so the safety share must stay under 1")

    def shares(self) -> dict[str, float]:
        return asdict(self)

    @classmethod
    def parse(cls, text: str) -> MixTargets:
        """From ``kind=share`` pairs separated by commas, every kind named once."""
        shares: dict[str, float] = {}
        for item in filter(None, (part.strip() for part in text.split(","))):
            kind, _, value = (piece.strip() for piece in item.partition("="))
            if kind not in KINDS or kind in shares:
                raise MixError(f"conversation mix {text!r}: {kind!r} is unknown or named twice "
                               f"(kinds: {', '.join(KINDS)})")
            try:
                shares[kind] = float(value)
            except ValueError as error:
                raise MixError(f"conversation mix {text!r}: {kind}={value!r} is not a number") from error
        missing = [k for k in KINDS if k not in shares]
        if missing:
            raise MixError(f"conversation mix {text!r}: name every kind (missing {', '.join(missing)})")
        return cls(**shares)

    @property
    def clarifications_per_instruction(self) -> float:
        """Clarifications made per instruction conversation; each instruction makes one at most."""
        return min(1.0, self.clarification / self.instruction) if self.instruction else 0.0

    def safety_count(self, others: int, partition: str) -> int:
        """Safety conversations that bring a partition with ``others`` conversations of the other kinds
        to the safety share (safety scripts are drawn from a bank, so their count is free)."""
        return seeded_round(others * self.safety / (1.0 - self.safety), partition, "safety share")


def phase(key: str, purpose: str) -> float:
    """A fraction in [0, 1) drawn from ``key``: the same on every rerun."""
    return seed_from_id(key, purpose) / 2**32


def seeded_round(value: float, key: str, purpose: str) -> int:
    """``value`` rounded up or down by a draw seeded by ``key``: up with the probability of its
    fraction, so over many partitions the rounding cancels out instead of piling up on one side."""
    return math.floor(value + phase(key, purpose))


def first_slot(partition: str) -> int:
    """Where a partition's voice rotation starts: partitions do not all begin with the same gender,
    so the one conversation a partition has over its share falls to either gender alike."""
    return seed_from_id(partition, "voice rotation") % 1000
