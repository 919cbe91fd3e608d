"""The TTS resource: the voice policy's settings from configuration, handed to the tts stage as a
plain ``VoicePolicy`` (synth_assets/tts/policy.py). The registry of voices is
synth_assets/tts/registry.py; "Adding a voice" in the README says how to add one."""

from __future__ import annotations

from dagster import ConfigurableResource
from pydantic import Field

from synth_assets.tts.policy import VoicePolicy

_DEFAULTS = VoicePolicy()


class TTSVoices(ConfigurableResource):
    """Voices and the policy that picks them: users balanced by gender, one assistant voice."""

    user_voices: list[str] = Field(default=list(_DEFAULTS.user_voices),
                                   description="Voice ids users speak with, spread evenly within each gender; "
                                   "the assistant voice is never one of them.")
    assistant_voice: str = Field(default=_DEFAULTS.assistant_voice, description="The one consistent assistant voice.")
    threads: int = Field(default=_DEFAULTS.threads,
                         description="Engine threads per worker, so parallel workers do not fight.")
    workers: int = Field(default=_DEFAULTS.workers, description="TTS worker processes per partition; 0: one per "
                         "usable core; 1: synthesize in the step's own process.")
    pool_min_clips: int = Field(default=_DEFAULTS.pool_min_clips, description="A partition with fewer clips to make "
                                "runs in process (unless the worker pool is already up): below this the pool's "
                                "start-up costs more than it saves.")
    target_female_share: float = Field(default=_DEFAULTS.target_female_share,
                                       description="Share of user clips voiced by a female voice; the balance "
                                       "check of tts_audio judges against the same number.")

    def policy(self) -> VoicePolicy:
        return VoicePolicy(user_voices=tuple(self.user_voices), assistant_voice=self.assistant_voice,
                           threads=self.threads, workers=self.workers, pool_min_clips=self.pool_min_clips,
                           target_female_share=self.target_female_share)
