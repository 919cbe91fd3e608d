"""Typed rows of the dialogue stages, in the manner of core/speech_records.py: one record per kind of
conversation row, each column documented once, here, with where the release carries it (or why not).

- ``Conversation``: a safety_dialogues row, one script voiced as a two-channel conversation
  (synth_assets/dialogues/render.py conversation_record); the columns every conversation row has;
- ``FalsePremiseConversation``: a false_premise_dialogues row, with the altered detail the check looks for;
- ``InstructionConversation``: an instruction_dialogues row (kind instruction or clarification), with its
  first question and answer as mono clips (LLaMA-Omni's layout).
The release row they become is ``ReleaseRow`` (synth_assets/release/rows.py conversation_sample).

The field order is the stored column order: the script's columns first (core/records.py DialogueScript:
the lineage columns, ``code_version`` and ``run_id`` among them, which the stage stamps in place when it
writes, core/stage_run.py), the voicing's next, the kind's own last; so
``Record.to_row(Record.from_row(stored)) == stored``. A column the release carries and that rows stored
before it lack is None by default, as the release reads it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
import math
from typing import Any

from synth_assets.core import names, records
from synth_assets.core.speech_records import IN_LINEAGE, column

NOT_A_TRAINING_INPUT = ("what the stage's check judges the conversation by; " + IN_LINEAGE)


@dataclass
class Conversation:
    """A safety_dialogues row, and the columns every conversation row has: a script voiced in stereo
    (24 kHz, assistant on channel 0), its turns with their voices, times and word times, the turn-taking
    drawn, the duplex timing heard, and the audio with the user channel augmented beside it."""

    id: str = column("The conversation's stable id (dia-...): a release sample's id", release="id")
    parent_id: str | None = column("The script's parent: the crawl document, segment or template it was made from",
                                   None, release="parent_id")
    stage: str = column("The asset that made it", not_released="the release row's `kind` says which stage made the "
                        "sample; its own `stage` is speech_dataset")
    params: str = column("JSON object: what made the script (templates, detail altered, recipe, behaviours...)",
                         "{}", release="lineage")
    code_version: str = column("The code version of the asset that wrote it", release="made_by_code")
    run_id: str = column("The Dagster run that wrote it", release="made_by_run")
    kind: str = column("safety, false_premise, instruction or clarification (release/rows.py CONVERSATION_KINDS)",
                       release="kind")
    source: str = column("Landing-zone source name (safety: safety-bank)", release="source")
    snapshot: str = column("Crawl snapshot id (safety: the bank's version)", release="snapshot")
    turns: str = column("JSON list of the turns: role, channel, voice, text, spoken, start, end, words, labels; "
                        "the release's ``text`` is their spoken words, 'role: spoken / ...'", "[]", release="turns")
    license: str = column("The license of the source text", release="text_license")
    turn_count: int = column("How many turns", 0, not_released="the release's `turns` holds them; " + IN_LINEAGE)
    backchannels: str | None = column("JSON list of the backchannels, with word times", None, release="backchannels")
    turn_taking: str | None = column("JSON object: the turn-taking plan drawn (transitions, hesitations, behaviours)",
                                     None, release="turn_taking")
    channels: int = column("2: stereo", 2, release="channels")
    channel_layout: str | None = column("Which role each channel holds: assistant-left", None, release="channel_layout")
    sample_rate: int = column("Samples per second of ``audio`` (24000)", 0, release="sample_rate")
    duration_s: float = column("Seconds of audio", 0.0, release="duration_s")
    overlap_s: float | None = column("Seconds both channels speak", None, release="overlap_s")
    interruptions: int | None = column("Barge-ins: turns cut by the other speaker", None, release="interruptions")
    user_voice: str = column("The user's voice (channel 1)", release="voice_id")
    user_gender: str | None = column("The user voice's gender (the mix of user genders is checked on it)", None,
                                     release="user_gender")
    assistant_voice: str = column("The assistant's voice (channel 0)", release="assistant_voice")
    words_assistant: str | None = column("JSON list: the assistant channel's words with times", None,
                                         release="words_assistant")
    words_user: str | None = column("JSON list: the user channel's words with times", None, release="words_user")
    word_times: str = column("Where the word times came from: engine, whisper or estimate (the least good of the "
                             "turns')", not_released="each turn in `turns` says where its word times came from; "
                             + IN_LINEAGE)
    word_times_estimated: int = column("Turns and backchannels whose word times are estimated", 0,
                                       not_released=IN_LINEAGE)
    document_id: str = column("The crawl document (or template) the conversation came from", release="source_document")
    audio: bytes = column("The conversation, stereo FLAC bytes, channels as ``channel_layout`` says", b"",
                          release="audio")
    duplex: str | None = column("JSON object: the duplex timing heard in the audio (synth_assets/dialogues/duplex.py: "
                                "floor-transfer offsets, overlap, barge-ins heard, unlabelled speech)", None,
                                release="duplex")
    augmentation: str = column("JSON object: the moshi-user recipe applied to the user channel, its steps drawn",
                               "{}", not_released="`audio_augmented` carries its result; " + IN_LINEAGE)
    user_snr_db: float = column("The user channel's speech over the noise added, dB (NaN: nothing added)", math.nan,
                                not_released="the release's `snr_db` is measured from the audio for every sample "
                                "alike; " + IN_LINEAGE)
    audio_augmented: bytes | None = column("The conversation with the user channel augmented (moshi-user, the "
                                           "assistant channel leaking in as echo), FLAC; the assistant channel as in "
                                           "``audio``", None, release="audio_augmented")

    def to_row(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    @classmethod
    def from_row(cls, row: dict[str, Any]):
        return records.from_row(cls, row)


@dataclass
class FalsePremiseConversation(Conversation):
    """A false_premise_dialogues row: the user asks on an altered fact, the assistant corrects it. The
    check looks for the true value, and not the altered one, in the answer, both as spoken."""

    detail_kind: str = column("The kind of detail altered: number, year, place...", not_released=NOT_A_TRAINING_INPUT)
    true_spoken: str = column("The true value as spoken", not_released=NOT_A_TRAINING_INPUT)
    altered_spoken: str = column("The altered value as spoken", not_released=NOT_A_TRAINING_INPUT)


@dataclass
class InstructionConversation(Conversation):
    """An instruction_dialogues row (kind instruction or clarification): also the first question that
    is no behaviour of its own, and its answer, as mono clips (LLaMA-Omni's layout)."""

    question_audio: bytes = column("The first question, mono FLAC", b"",
                                   not_released="a release sample holds one audio, the conversation's; the "
                                   "question is a span of it (`turns`); " + IN_LINEAGE)
    answer_audio: bytes = column("Its answer, mono FLAC", b"", not_released="a span of the conversation's audio "
                                 "(`turns`); " + IN_LINEAGE)
    question_text: str = column("The question as spoken", not_released="the release's `turns` holds it; "
                                + IN_LINEAGE)
    answer_text: str = column("The answer as spoken", not_released="the release's `turns` holds it; " + IN_LINEAGE)


# Each dialogue stage's row.
BY_ASSET = {names.SAFETY_DIALOGUES: Conversation, names.FALSE_PREMISE_DIALOGUES: FalsePremiseConversation,
            names.INSTRUCTION_DIALOGUES: InstructionConversation}


def columns(record: type) -> dict[str, str]:
    """Column name -> its documentation, in the stored order (the field order: the stage stamps
    ``code_version`` and ``run_id`` where the script's columns hold them)."""
    return {f.name: f.metadata.get("doc", "") for f in dataclasses.fields(record)}


def own_columns(record: type) -> tuple[str, ...]:
    """The columns a kind of conversation adds to Conversation's."""
    base = {f.name for f in dataclasses.fields(Conversation)}
    return tuple(f.name for f in dataclasses.fields(record) if f.name not in base)


def conversation_of(values: dict[str, Any], kind_values: dict[str, Any]) -> Conversation:
    """The record of a voiced conversation: Conversation's ``values``, and ``kind_values`` the columns of
    its kind (none: a Conversation; a false premise's or an instruction's own columns: theirs)."""
    for record in (Conversation, FalsePremiseConversation, InstructionConversation):
        if set(kind_values) == set(own_columns(record)):
            return record(**values, **kind_values)
    raise ValueError(f"no conversation record has exactly the columns {sorted(kind_values)}")
