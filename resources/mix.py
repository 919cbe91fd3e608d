"""The conversation mix resource: the target share of each conversation kind, handed to the dialogue
stages (which steer their counts toward it) and to speech_dataset (whose conversation_mix check judges
the release against it) as a plain ``MixTargets`` (synth_assets/core/mix.py, where each share is
declared)."""

from __future__ import annotations

from dagster import ConfigurableResource

from synth_assets.core.mix import MixTargets
from synth_assets.orchestration.config import carrying, settings_from


class ConversationMix(ConfigurableResource, carrying(MixTargets)):
    """Target shares of the conversation kinds across a release, by count; they sum to 1
    (SYNTH_CONVERSATION_MIX sets them)."""

    def targets(self) -> MixTargets:
        return settings_from(MixTargets, self)
