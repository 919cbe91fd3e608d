"""The TTS resource: the voice policy's settings from configuration, handed to the tts stage as a
plain ``VoicePolicy`` (synth_assets/tts/policy.py, where each setting is declared). The registry of
voices is synth_assets/tts/registry.py; "Adding a voice" in the README says how to add one."""

from __future__ import annotations

from dagster import ConfigurableResource

from synth_assets.orchestration.config import carrying, settings_from
from synth_assets.tts.policy import VoicePolicy


class TTSVoices(ConfigurableResource, carrying(VoicePolicy)):
    """Voices and the policy that picks them: users balanced by gender, one assistant voice."""

    def policy(self) -> VoicePolicy:
        return settings_from(VoicePolicy, self)
