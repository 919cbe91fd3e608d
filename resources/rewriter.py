"""The text rewriter resource: which rewriter `spoken_text` uses, from configuration, handed to the
stage as a plain ``Rewriter`` (synth_assets/spoken/llm.py: rules, a local transformers model, or an
OpenAI-compatible endpoint; its fields are the settings)."""

from __future__ import annotations

from dagster import ConfigurableResource

from synth_assets.orchestration.config import carrying, settings_from
from synth_assets.spoken.llm import Rewriter, smollm2_dir  # noqa: F401 - re-exported


class TextRewriter(ConfigurableResource, carrying(Rewriter)):
    """Rewrites written text into its spoken form; see synth_assets/spoken/llm.py for the backends."""

    def rewriter(self) -> Rewriter:
        return settings_from(Rewriter, self)
