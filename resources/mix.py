"""The conversation mix resource: the target share of each conversation kind, handed to the dialogue
stages (which steer their counts toward it) and to speech_dataset (whose conversation_mix check judges
the release against it) as a plain ``MixTargets`` (synth_assets/core/mix.py)."""

from __future__ import annotations

from dagster import ConfigurableResource
from pydantic import Field

from synth_assets.core.mix import MixTargets

_DEFAULTS = MixTargets()


class ConversationMix(ConfigurableResource):
    """Target shares of the conversation kinds across a release, by count; they sum to 1
    (SYNTH_CONVERSATION_MIX sets them)."""

    safety: float = Field(default=_DEFAULTS.safety, description="Safety refusals; each partition renders "
                          "this share beside its other conversations.")
    false_premise: float = Field(default=_DEFAULTS.false_premise, description="False-premise corrections "
                                 "(FalsePremiseConfig.per_article from each article with an alterable fact).")
    instruction: float = Field(default=_DEFAULTS.instruction, description="Instruction conversations (one per "
                               "valid Alpaca or UltraChat document, or InstructionConfig.rate of them).")
    clarification: float = Field(default=_DEFAULTS.clarification, description="Clarifications; made for "
                                 "clarification / instruction of the instruction conversations.")

    def targets(self) -> MixTargets:
        return MixTargets(safety=self.safety, false_premise=self.false_premise, instruction=self.instruction,
                          clarification=self.clarification)
