"""The conversations' checks (safety, false-premise and instruction dialogues): two channels, the
assistant left, two distinct voices, word times that fit, each kind's own rule, and the configured mix.
The columns they judge are those of the stages' records (Conversation, FalsePremiseConversation,
InstructionConversation: core/conversation_records.py), documented there."""

from __future__ import annotations

import json

import pandas as pd

from dagster import MetadataValue

from quality.base import Suite, advisory, between, gxe, lineage, nonempty_text
from synth_assets.core import names
from synth_assets.core.conversation_records import Conversation, FalsePremiseConversation, InstructionConversation
from synth_assets.core.limits import CONVERSATION_MIX_MIN, GENDER_TOLERANCE, TARGET_FEMALE_SHARE
from synth_assets.dialogues import alignment
from synth_assets.dialogues.false_premise import contains_words
from synth_assets.dialogues.refusal import refuses

# Conversations (synth_assets/dialogues/): two channels, assistant left, and two distinct voices.
CONVERSATION_RULES = ("Conversations are 24 kHz stereo with the assistant on channel 0 (assistant-left), 2+ turns, "
                      "no voice speaks on both channels, and each turn's word times run in order inside it and "
                      "spell the words it was given (the first ones when it was cut); the female share of user "
                      f"voices is the configured target within {GENDER_TOLERANCE:.0%} and one conversation (judged from "
                      f"{CONVERSATION_MIX_MIN} conversations).")


def _distinct_voices(row) -> bool:
    """No voice of a user turn (or backchannel) is a voice of an assistant turn, nor the assistant voice."""
    said = json.loads(row["turns"]) + json.loads(row.get("backchannels") or "[]")
    user = {t["voice"] for t in said if t["role"] == "user"} | {row["user_voice"]}
    assistant = {t["voice"] for t in said if t["role"] == "assistant"} | {row["assistant_voice"]}
    return not user & assistant


def _words_fit(row) -> bool:
    """Each turn's and backchannel's word times (rows from before they had them are let through) run in
    order inside it, and are the words it was given: all of them, or the first ones when it was cut."""
    for turn in json.loads(row["turns"]) + json.loads(row.get("backchannels") or "[]"):
        if "words" not in turn:
            continue
        said, spoken = [w["word"] for w in turn["words"]], turn["spoken"].split()
        if said != spoken[:len(said)] or (len(said) < len(spoken) and not turn.get("interrupted")):
            return False
        edges = [t for w in turn["words"] for t in (w["start"], w["end"])]
        slack = 0.002  # times are rounded to the millisecond
        if edges != sorted(edges) or (edges and (edges[0] < turn["start"] - slack or edges[-1] > turn["end"] + slack)):
            return False
    return True


def _conversation_columns(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(voices_distinct=[_distinct_voices(r) for r in frame.to_dict("records")],
                        words_fit=[_words_fit(r) for r in frame.to_dict("records")],
                        user_female=(frame["user_gender"] == "female").astype(float),
                        is_clarification=(frame["kind"] == "clarification").astype(float))


def conversation_mix(frame: pd.DataFrame, target_female_share: float = TARGET_FEMALE_SHARE,
                     clarification_share: float | None = None, clarification_start: float = 0.0,
                     min_conversations: int = CONVERSATION_MIX_MIN) -> list:
    """The configured mix, within one conversation's worth: the female share of user voices (a rotation
    per partition, judged from ``min_conversations``), and the clarifications made per instruction (a
    rotation from the partition's ``clarification_start``, render.rotation_pick)."""
    expectations = []
    total = len(frame)
    if "user_female" in frame and total >= min_conversations:
        slack = GENDER_TOLERANCE + 1.0 / total
        expectations.append(gxe.ExpectColumnMeanToBeBetween(
            column="user_female", min_value=round(target_female_share - slack, 4),
            max_value=round(target_female_share + slack, 4)))
    if clarification_share is not None and "is_clarification" in frame and total:
        instructions = int((frame["kind"] == "instruction").sum())
        if "turn_taking" in frame:  # a long session, or a barge-in with the next document's request, is
            # several instruction scripts (dialogues/behaviours.py)
            instructions += sum(b.get("exchanges", 1) - 1 if b["kind"] == "long_session" else b.get("chained", 0)
                                for plan in frame.loc[frame["kind"] == "instruction", "turn_taking"]
                                if plan for b in json.loads(plan).get("behaviours", []))
        expected = int(instructions * clarification_share + clarification_start + 1e-9) / total
        # Not rounded: one clarification more than expected is within one, however many conversations.
        expectations.append(gxe.ExpectColumnMeanToBeBetween(
            column="is_clarification", min_value=max(0.0, expected - 1.0 / total) - 1e-9,
            max_value=expected + 1.0 / total + 1e-9))
    return expectations


def _every_assistant_turn_refuses(turns: str) -> bool:
    said = [t for t in json.loads(turns) if t["role"] == "assistant"]
    return bool(said) and all(refuses(t["text"]) and refuses(t["spoken"]) for t in said)


def _safety_columns(frame: pd.DataFrame) -> pd.DataFrame:
    return _conversation_columns(frame).assign(assistant_refuses=frame["turns"].map(_every_assistant_turn_refuses))


def _answer_corrects(row) -> bool:
    answers = " ".join(t["spoken"] for t in json.loads(row["turns"]) if t["role"] == "assistant")
    return contains_words(answers, row["true_spoken"]) and not contains_words(answers, row["altered_spoken"])


def _premise_columns(frame: pd.DataFrame) -> pd.DataFrame:
    return _conversation_columns(frame).assign(answer_corrects=[_answer_corrects(r) for r in frame.to_dict("records")])


def _conversation_expectations() -> list:
    return [*lineage(), gxe.ExpectColumnValuesToBeInSet(column="channels", value_set=[2]),
            gxe.ExpectColumnValuesToBeInSet(column="sample_rate", value_set=[24000]),
            gxe.ExpectColumnValuesToBeInSet(column="channel_layout", value_set=["assistant-left"]),
            gxe.ExpectColumnValuesToBeInSet(column="voices_distinct", value_set=[True]),
            gxe.ExpectColumnValuesToBeInSet(column="words_fit", value_set=[True]),
            between("turn_count", 2, None), between("duration_s", 0.5, 300.0), between("overlap_s", 0.0)]


ALIGNMENT_RULES = ("Whisper hears the turns their voices timed in a seeded share of the conversations "
                   "(SYNTH_ALIGNMENT_CHECK_SHARE): a turn whose median word-edge error against its labels passes "
                   f"{alignment.MISALIGNED_MS:g} ms (judged on {alignment.MIN_WORDS}+ words heard as labelled; "
                   "Whisper's own error is 40-80 ms) means its voice's durations are wrong. Warns, naming the "
                   "conversations.")


def _checked_turns(frame: pd.DataFrame) -> pd.DataFrame:
    """The conversations with a turn judged by the alignment check, with their worst turn's median edge
    error (ms)."""
    worst = []
    for turns in frame["turns"]:
        medians = [alignment.turn_median_ms(t[alignment.CHECK_KEY]) for t in json.loads(turns)
                   if t.get(alignment.CHECK_KEY)]
        medians = [m for m in medians if m is not None]
        worst.append(max(medians) if medians else None)
    judged = frame.assign(alignment_median_ms=worst)
    return judged[judged["alignment_median_ms"].notna()]


def _alignment_limit(frame: pd.DataFrame, **_) -> list:
    return [between("alignment_median_ms", 0.0, alignment.MISALIGNED_MS)]


def _alignment_explain(frame: pd.DataFrame, **_) -> dict:
    return {"alignment_check": MetadataValue.json(
        alignment.summarize(zip(frame["id"], frame["turns"].map(json.loads))))}


def _alignment_suite(asset: str, record: type) -> Suite:
    return advisory(f"{asset}_alignment", asset, ALIGNMENT_RULES, _checked_turns, _alignment_limit,
                    _alignment_explain, record=record)


STAGE_SUITES = (
    Suite("safety_dialogues_valid", names.SAFETY_DIALOGUES, CONVERSATION_RULES + " Every assistant turn "
          "refuses, as written and as spoken (synth_assets/dialogues/refusal.py), and none complies.",
          lambda: [*_conversation_expectations(),
                   gxe.ExpectColumnValuesToBeInSet(column="assistant_refuses", value_set=[True])],
          prepare=_safety_columns, from_frame=conversation_mix, record=Conversation),
    Suite("false_premise_dialogues_valid", names.FALSE_PREMISE_DIALOGUES, CONVERSATION_RULES + " Each answer "
          "names the true value and not the altered one, both as spoken.",
          lambda: [*_conversation_expectations(),
                   gxe.ExpectColumnValuesToBeInSet(column="answer_corrects", value_set=[True])],
          prepare=_premise_columns, from_frame=conversation_mix, record=FalsePremiseConversation),
    Suite("instruction_dialogues_valid", names.INSTRUCTION_DIALOGUES, CONVERSATION_RULES + " Each also has its "
          "first question and answer as mono clips (LLaMA-Omni layout), and the clarifications are the configured "
          "share of instruction conversations within one.",
          lambda: [*_conversation_expectations(), nonempty_text("question_text"), nonempty_text("answer_text")],
          prepare=_conversation_columns, from_frame=conversation_mix, record=InstructionConversation),
    _alignment_suite(names.SAFETY_DIALOGUES, Conversation),
    _alignment_suite(names.FALSE_PREMISE_DIALOGUES, FalsePremiseConversation),
    _alignment_suite(names.INSTRUCTION_DIALOGUES, InstructionConversation),
)
