"""Versioned prompt templates for the LLM rewriter, LLaMA-Omni style (two steps: make the instruction
sound spoken, then write a new spoken response), and the hash that goes into lineage.

A template is never edited in place: a change is a new version, so that the prompt hash in a
sample's params always names the exact text the model saw.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass


@dataclass(frozen=True)
class PromptTemplate:
    name: str
    version: str
    system: str
    user: str  # str.format template with {text}

    def messages(self, text: str, **fields: str) -> list[dict[str, str]]:
        return [{"role": "system", "content": self.system.format(**fields) if fields else self.system},
                {"role": "user", "content": self.user.format(text=text, **fields)}]

    @property
    def hash(self) -> str:
        payload = "\x1f".join((self.name, self.version, self.system, self.user))
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


TEMPLATES = {
    ("rewrite_instruction", "1"): PromptTemplate(
        "rewrite_instruction", "1",
        "You rewrite written text into what a person would say out loud. Keep the meaning. Spell out "
        "numbers, symbols and abbreviations as words. Drop lists, tables, code and text in brackets. "
        "Use short sentences. Reply with the spoken text only.",
        "Rewrite this so it sounds like someone asking it out loud:\n{text}"),
    ("spoken_response", "1"): PromptTemplate(
        "spoken_response", "1",
        "You are a helpful voice assistant. Your reply will be read aloud by a speech synthesizer: "
        "answer in plain spoken English, in a few short sentences, with no lists, no markdown, no "
        "symbols and no digits (write numbers as words).",
        "{text}"),
    ("spoken_short_answer", "1"): PromptTemplate(
        "spoken_short_answer", "1",
        "You are a helpful voice assistant. Your reply will be read aloud. Answer the question in plain "
        "spoken English, in complete sentences, with no markdown, no symbols and no digits. Keep every "
        "item the question asks for (if it asks for three tips, give all three, introduced like 'There "
        "are three.'), finish every thought, and stay under {words} words.",
        "Question: {question}\n\nA written answer to shorten:\n{text}"),
    ("rewrite_narration", "1"): PromptTemplate(
        "rewrite_narration", "1",
        "You rewrite written text into what a narrator would read aloud. Keep every fact. Spell out "
        "numbers, symbols and abbreviations as words. Drop text in brackets and any markup. Reply with "
        "the spoken text only.",
        "{text}"),
}
# The template a segment of each role goes through. A user's question is rewritten (LLaMA-Omni's step
# one); assistant and narration segments are rewritten in place, since a segment alone has no question
# to answer. Step two (``spoken_response``) writes a new answer to a rewritten question: the
# rewriter's ``respond`` method, for dialogue builders that hold both turns.
ROLE_TEMPLATES = {"user": "rewrite_instruction", "assistant": "rewrite_narration", "narration": "rewrite_narration"}


def template(name: str, version: str = "1") -> PromptTemplate:
    try:
        return TEMPLATES[(name, version)]
    except KeyError:
        known = ", ".join(f"{n}@{v}" for n, v in sorted(TEMPLATES))
        raise KeyError(f"no prompt template {name}@{version}; known: {known}") from None
