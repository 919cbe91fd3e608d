"""The dialogue stages' work: scripts drawn (safety), built from segments (false premises) or from
instruction documents, each voiced as a two-channel conversation; a conversation that cannot be
voiced is quarantined alone, with the reason."""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator

from synth_assets.asr.transcriber import Transcriber
from synth_assets.augment.recipes import RECIPES, apply_recipe
from synth_assets.core import names, parts
from synth_assets.core.audio import SAMPLE_RATE, to_flac
from synth_assets.core.conversation_records import Conversation, conversation_of
from synth_assets.core.mix import MixTargets, first_slot, phase, seeded_round
from synth_assets.core.records import DialogueScript, Quarantined, Segment, seed_from_id
from synth_assets.core.stage_run import StageRun
from synth_assets.core.storage import Store
from synth_assets.dialogues.alignment import sampled
from synth_assets.dialogues.behaviours import BehaviourShares, with_duplex_behaviours
from synth_assets.dialogues.clarification import clarification_script
from synth_assets.dialogues.conversation import CHANNEL_LAYOUT, TurnFailed, VoicedDialogue, voice_dialogue
from synth_assets.dialogues.duplex import measure_audio
from synth_assets.dialogues.false_premise import Candidate, Detail, false_premise_scripts, spoken_values
from synth_assets.dialogues.instructions import (INSTRUCTION_KINDS, BadInstruction, Shortener, instruction_script,
                                                 parse_turns)
from synth_assets.dialogues.scripts import safety_scripts, used_request
from synth_assets.dialogues.turntaking import TurnTakingStyle
from synth_assets.dialogues.units import RenderReport, voiced_in_units
from synth_assets.dialogues.voices import NoDistinctVoice, choose_user_voice, conversation_policy
from synth_assets.dialogues.words import ESTIMATE
from synth_assets.tts.policy import VoicePolicy
from synth_assets.tts.registry import REGISTRY

USER_CHANNEL_RECIPE = "moshi-user"


def conversation_record(stage: StageRun, script: DialogueScript, voiced: VoicedDialogue, document_id: str,
                        kind_values: dict | None = None) -> Conversation:
    """The row of one voiced conversation (core/conversation_records.py): the script's lineage, turns with
    voices and word times, the audio, and ``kind_values``, the columns of its kind (a false premise's, an
    instruction's)."""
    script_row = script.to_row()
    script_row.update(stage=stage.asset, turns=json.dumps(voiced.turns))
    return conversation_of(dict(
        **script_row, turn_count=len(voiced.turns),
        backchannels=json.dumps(voiced.backchannels), turn_taking=json.dumps(voiced.plan.to_dict()),
        channels=2, channel_layout=CHANNEL_LAYOUT, sample_rate=SAMPLE_RATE,
        duration_s=round(voiced.audio.shape[0] / SAMPLE_RATE, 3), overlap_s=voiced.overlap_seconds(),
        interruptions=sum(t["interrupted"] for t in voiced.turns),
        user_voice=voiced.user_voice, user_gender=REGISTRY[voiced.user_voice].gender,
        assistant_voice=voiced.assistant_voice,
        words_assistant=json.dumps(voiced.channel_words("assistant")),
        words_user=json.dumps(voiced.channel_words("user")),
        word_times=voiced.word_times,
        word_times_estimated=sum(t["word_times"] == ESTIMATE for t in voiced.turns + voiced.backchannels),
        document_id=document_id, audio=to_flac(voiced.audio),
        duplex=json.dumps(measure_audio(voiced.audio, SAMPLE_RATE, turns=voiced.turns,
                                        backchannels=voiced.backchannels, background=voiced.background).to_dict()),
        **augmented_user_channel(script, voiced)), kind_values or {})


def augmented_user_channel(script: DialogueScript, voiced: VoicedDialogue) -> dict:
    """Moshi's user-stream augmentation: the user channel through ``moshi-user`` (the assistant
    channel leaking in as echo), the assistant channel left clean for its loss."""
    recipe = RECIPES[USER_CHANNEL_RECIPE]
    result = apply_recipe(recipe.name, voiced.audio[:, 1], seed_from_id(script.id, recipe.version),
                          other=voiced.audio[:, 0])
    stereo = voiced.audio.copy()
    stereo[:, 1] = result.audio
    return {"augmentation": json.dumps(result.record()), "user_snr_db": math.nan if result.snr_db is None
            else result.snr_db, "audio_augmented": to_flac(stereo)}


def voiced_rows(stage: StageRun, scripts: Iterable[DialogueScript], voices: VoicePolicy,
                document_of: Callable[[DialogueScript], str], *, allow_barge_in: bool = True,
                extra: Callable[[DialogueScript, VoicedDialogue], dict] | None = None,
                slot: int = 0, transcriber: Transcriber | None = None,
                style: TurnTakingStyle = TurnTakingStyle(), alignment_share: float = 0.0) -> Iterator[dict[str, Any]]:
    """The rows (core/conversation_records.py) of each script voiced with a user voice distinct from the
    assistant's, rotated by gender from rotation slot ``slot`` on; word times from ``transcriber``
    (Whisper), estimated without one; ``extra``: the columns of the conversation's kind. In
    ``alignment_share`` of the conversations (a draw per conversation) the transcriber also checks the
    turns their voices timed (alignment.py)."""
    try:
        policy = conversation_policy(voices)
    except NoDistinctVoice as error:
        policy, reason = None, str(error)
    for script in scripts:
        try:
            if policy is None:
                raise NoDistinctVoice(reason)
            choice = choose_user_voice(policy, seed_from_id(script.id, "voice"), slot)
            voiced = voice_dialogue(script, policy, choice.voice_id, allow_barge_in=allow_barge_in,
                                    transcriber=transcriber, style=style,
                                    check_alignment=sampled(script.id, alignment_share))
        except (NoDistinctVoice, TurnFailed) as error:
            stage.quarantine(Quarantined(stage=stage.asset, file=script.id, position="voicing",
                                         reason=f"{type(error).__name__}: {error}",
                                         raw=script.turns[0].text[:200] if script.turns else ""))
            continue
        except Exception as error:  # any other failure of one conversation must not sink the partition
            stage.quarantine(Quarantined(stage=stage.asset, file=script.id, position="voicing",
                                         reason=f"{type(error).__name__}: {error}"))
            continue
        slot += 1
        yield conversation_record(stage, script, voiced, document_of(script),
                                  extra(script, voiced) if extra is not None else None).to_row()


# The stages whose conversations safety fills its share beside: it runs after them.
SAFETY_BESIDE = (names.INSTRUCTION_DIALOGUES, names.FALSE_PREMISE_DIALOGUES)


def other_conversations(store: Store, partition: str) -> int:
    """The conversations the partition's instruction and false-premise stages made."""
    return sum(1 for asset in SAFETY_BESIDE for _ in parts.read_rows(store, asset, partition, columns=["id"]))


def earlier_safety(store: Store, partition: str) -> dict[str, str]:
    """Complete safety partitions that sort before ``partition``, with their fingerprints."""
    from synth_assets.segments.dedup import earlier_partitions

    return earlier_partitions(store, partition, names.SAFETY_DIALOGUES)


def used_requests(store: Store, partitions: Iterable[str]) -> set[str]:
    """The bank requests (``category/phrasing``) the given safety partitions drew."""
    return {used_request(row["params"]) for p in partitions
            for row in parts.read_rows(store, names.SAFETY_DIALOGUES, p, columns=["params"])}


def safety_dialogues(stage: StageRun, store: Store, partition: str, mix: MixTargets, voices: VoicePolicy,
                     transcriber: Transcriber | None = None, report: RenderReport | None = None,
                     earlier: Iterable[str] = (), style: TurnTakingStyle = TurnTakingStyle(),
                     alignment_share: float = 0.0) -> Iterator[dict[str, Any]]:
    """The partition's share of safety conversations beside its other conversations, drawn from the
    template bank, avoiding the requests the ``earlier`` safety partitions drew; their voices continue
    the partition's rotation after the others'. No barge-ins: a refusal is heard whole."""
    others = other_conversations(store, partition)
    count = mix.safety_count(others, partition)
    scripts = ((script, script.parent_id) for script in safety_scripts(partition, count, used_requests(store, earlier)))
    return voiced_in_units(stage, scripts, voices, voiced_rows=voiced_rows, allow_barge_in=False,
                           slot=first_slot(partition) + others, transcriber=transcriber, report=report, style=style,
                           alignment_share=alignment_share)


def premise_values(script: DialogueScript, voiced: VoicedDialogue) -> dict:
    """The changed detail and both values as spoken, which the check looks for in the answer."""
    facts = json.loads(script.params)
    true_spoken, altered_spoken = spoken_values(Candidate(
        facts["sentence"], Detail(facts["detail"], *facts["span"], facts["original"]), facts["altered"]))
    return {"detail_kind": facts["detail"], "true_spoken": true_spoken, "altered_spoken": altered_spoken}


def false_premise_dialogues(stage: StageRun, store: Store, partition: str, per_article: float,
                            voices: VoicePolicy, transcriber: Transcriber | None = None,
                            max_count: int | None = None, report: RenderReport | None = None,
                            style: TurnTakingStyle = TurnTakingStyle(),
                            alignment_share: float = 0.0) -> Iterator[dict[str, Any]]:
    """False-premise conversations in proportion to the partition's articles: ``per_article`` from each
    article with an alterable fact (a fraction rounds up or down by a draw seeded by the article, so
    0.5 is every other article on average), at most ``max_count`` in all when one is set. A segment
    whose detail cannot be altered cleanly is quarantined with the reason. Segments stream article by
    article; conversations render in parallel units (units.py)."""
    yield from voiced_in_units(stage, premise_scripts(stage, store, partition, per_article, max_count), voices,
                               voiced_rows=voiced_rows,
                               allow_barge_in=False, extra=premise_values, slot=first_slot(partition),
                               transcriber=transcriber, report=report, style=style, alignment_share=alignment_share)


def premise_scripts(stage: StageRun, store: Store, partition: str, per_article: float,
                    max_count: int | None = None) -> Iterator[tuple[DialogueScript, str]]:
    """(script, document id) of each false premise the partition's articles give (see
    false_premise_dialogues); skipped facts are quarantined."""
    # A segment's parent is its document, whose title names a sentence's subject.
    titles = {d["id"]: d["title"] for d in parts.read_rows(store, names.CRAWL_SNAPSHOT, partition,
                                                              columns=["id", "title"])}
    made = 0
    rows = parts.read_rows(store, names.TEXT_SEGMENTS, partition)
    for parent, article in itertools.groupby(rows, key=lambda row: row["parent_id"]):
        wanted = seeded_round(per_article, parent or "", "false premises per article")
        if max_count is not None:
            wanted = min(wanted, max_count - made)
        if wanted <= 0:
            if max_count is not None and made >= max_count:
                return
            continue
        article = list(article)
        skipped: list = []
        scripts = false_premise_scripts([Segment.from_row(r) for r in article], max_count=wanted, titles=titles,
                                        skipped=skipped)
        for segment, reason in skipped:
            stage.quarantine(Quarantined(stage=stage.asset, file=segment.id, position="fact",
                                         reason=f"fact cannot be altered: {reason}", raw=segment.text[:300]))
        for script in scripts:
            made += 1
            yield script, article[0]["document_id"]


@dataclass
class InstructionTally:
    """What became of a partition's instruction documents (the rest are other kinds)."""

    documents: int = 0
    invalid: int = 0  # quarantined with the reason: empty, not English, too long, no answer, not sayable whole
    duplicates: int = 0  # quarantined: the same instruction as an earlier document of the partition
    sampled_out: int = 0  # left out by the sampling rate (not an error: not quarantined)
    scripted: int = 0


def instruction_key(text: str) -> int:
    """The instruction a document asks (its first user turn), case, spacing and end punctuation aside:
    two documents with the same key would be the same spoken question."""
    turns = parse_turns(text)
    first = turns[0].text if turns else text
    said = " ".join(first.lower().split()).rstrip(" .?!")
    return int.from_bytes(hashlib.blake2b(said.encode(), digest_size=8).digest(), "little")


def instruction_scripts(stage: StageRun, store: Store, partition: str, rate: float = 1.0,
                        tally: InstructionTally | None = None, shorten: Shortener | None = None
                        ) -> Iterator[DialogueScript]:
    """The conversation of each Alpaca / UltraChat document of the partition, streamed, answers spoken
    whole (``shorten``: the LLM rewriter's short answer, for answers over the budget): a bad one and a
    repeat of an earlier instruction are quarantined with the reason; with ``rate`` under 1 that share
    of the valid ones is kept, by a draw seeded by each document (the same ones on every rerun).
    Memory: one batch of documents, and a key and a position per distinct instruction (the duplicate
    check: a few MB for 50,000)."""
    tally = tally if tally is not None else InstructionTally()
    seen: dict[int, str] = {}
    for document in parts.read_rows(store, names.CRAWL_SNAPSHOT, partition,
                                    columns=["id", "kind", "text", "source", "snapshot", "license", "file", "position"]):
        if document["kind"] not in INSTRUCTION_KINDS:
            continue
        tally.documents += 1

        def quarantine(reason: str) -> None:
            stage.quarantine(Quarantined(stage=stage.asset, file=document["file"], position=document["position"],
                                         reason=f"{document['id']}: {reason}", raw=document["text"][:300]))
        try:
            script = instruction_script(document, shorten)
        except BadInstruction as error:
            tally.invalid += 1
            quarantine(str(error))
            continue
        key = instruction_key(document["text"])
        if key in seen:
            tally.duplicates += 1
            quarantine(f"duplicate instruction: the same as {seen[key]}, which was kept")
            continue
        seen[key] = f"{document['position']} of {document['file']}"
        if rate < 1.0 and phase(document["id"], "instruction sample") >= rate:
            tally.sampled_out += 1
            continue
        tally.scripted += 1
        yield script


def qa_pair(script: DialogueScript, voiced: VoicedDialogue) -> dict:
    """LLaMA-Omni's layout from the same conversation: the first question and its answer as mono clips
    (after a greeting, the first exchange that is no behaviour of its own)."""
    q = next((i for i, t in enumerate(voiced.turns[:-1]) if t["role"] == "user" and "behaviour" not in t
              and voiced.turns[i + 1]["role"] == "assistant"), 0)
    return {"question_audio": to_flac(voiced.turn_audio[q]), "answer_audio": to_flac(voiced.turn_audio[q + 1]),
            "question_text": voiced.turns[q]["spoken"], "answer_text": voiced.turns[q + 1]["spoken"]}


def with_clarifications(scripts: Iterator[DialogueScript], max_count: int | None, clarification_share: float,
                        start: float = 0.0) -> Iterator[DialogueScript]:
    """The instruction scripts (the first ``max_count`` when a cap is set), and for
    ``clarification_share`` of them (a rotation from phase ``start``, so any run is within one of the
    share) a clarification built from the next script of the stream, which is then not an instruction
    conversation too: a clarification asks its own question, never a copy of an instruction
    conversation of the release. When the stream ends with a clarification owed, the last instruction
    becomes it."""
    made, held = 0, None
    for script in scripts:
        if held is not None:
            yield held
            held = None
            yield clarification_script(script)
            continue
        if max_count is not None and made >= max_count:
            return
        if rotation_pick(made, clarification_share, start):
            held = script
        else:
            yield script
        made += 1
    if held is not None:
        yield clarification_script(held)


def clarification_start(partition: str) -> float:
    """Where the partition's clarification rotation starts (its check judges from the same start)."""
    return phase(partition, "clarifications")


def rotation_pick(index: int, share: float, start: float = 0.0) -> bool:
    """True for ``share`` of indices, spread evenly: floor((k+1)p + s) > floor(kp + s). Over n indices
    that is floor(np + s) picks: a start drawn per partition rounds each partition's count up or down
    by its fraction, so no side gains across a release."""
    return int((index + 1) * share + start + 1e-9) > int(index * share + start + 1e-9)


def instruction_dialogues(stage: StageRun, store: Store, partition: str, rate: float, voices: VoicePolicy,
                          mix: MixTargets, transcriber: Transcriber | None = None, max_count: int | None = None,
                          tally: InstructionTally | None = None, report: RenderReport | None = None,
                          shorten: Shortener | None = None, style: TurnTakingStyle = TurnTakingStyle(),
                          behaviours: BehaviourShares = BehaviourShares(),
                          alignment_share: float = 0.0) -> Iterator[dict[str, Any]]:
    """An instruction conversation from every valid instruction document of the partition (``rate``
    of them when under 1; at most ``max_count`` when a cap is set), answers spoken whole, and
    clarifications from the share of them the mix asks for, the duplex ``behaviours`` in their shares
    (behaviours.py: greetings, closings, stop, side talk, background speech, long sessions); conversations
    render in parallel units (units.py)."""
    scripts = with_duplex_behaviours(
        with_clarifications(instruction_scripts(stage, store, partition, rate, tally, shorten), max_count,
                            mix.clarifications_per_instruction, clarification_start(partition)), behaviours)
    yield from voiced_in_units(stage, ((s, s.parent_id) for s in scripts), voices, voiced_rows=voiced_rows,
                               extra=qa_pair,
                               slot=first_slot(partition), transcriber=transcriber, report=report, style=style,
                               alignment_share=alignment_share)
