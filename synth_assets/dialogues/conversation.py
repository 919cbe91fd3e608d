"""Voicing a dialogue script as a full-duplex two-channel conversation (Moshi's recipe).

24 kHz stereo in moshi-finetune's layout: channel 0 (left) the assistant, channel 1 (right) the user.
Turn-taking is drawn per conversation (synth_assets/dialogues/turntaking.py) and laid out on the
synthesized audio: gaps, no gaps, overlaps, barge-ins that cut the assistant where it stopped, and
backchannels on the listener's channel. Each turn keeps its voice, its text as written, spoken and
heard, and its word times.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from synth_assets.asr.transcriber import Transcriber
from synth_assets.core.audio import SAMPLE_RATE
from synth_assets.core.records import DialogueScript, seed_from_id
from synth_assets.dialogues.turntaking import Backchannel, TurnTakingPlan, TurnTakingStyle, draw_plan
from synth_assets.dialogues.words import Clip, cut_words, shifted, time_words, word_times_method
from synth_assets.spoken.rewrite import to_spoken
from synth_assets.tts.policy import VoicePolicy

CHANNEL_LAYOUT = "assistant-left"  # channel 0 the assistant, channel 1 the user (moshi-finetune)
CHANNEL = {"assistant": 0, "user": 1}
LEAD_IN_S, TAIL_S = 0.3, 0.4
FADE_S = 0.03  # an interrupted turn fades out instead of clicking


class TurnFailed(RuntimeError):
    """One turn could not be voiced: the conversation is quarantined, the partition goes on."""


@dataclass
class Placed:
    role: str
    voice: str
    text: str
    spoken: str
    audio: np.ndarray
    start: float
    words: list[dict] = field(default_factory=list)
    word_times: str = ""  # how the word times were made (words.ESTIMATE or the Whisper model)
    transition: dict = field(default_factory=dict)
    interrupted: bool = False

    @property
    def end(self) -> float:
        return self.start + self.audio.size / SAMPLE_RATE

    def record(self) -> dict:
        return {"role": self.role, "channel": CHANNEL[self.role], "voice": self.voice, "text": self.text,
                "spoken": self.spoken, "said": " ".join(w["word"] for w in self.words),
                "start": round(self.start, 3), "end": round(self.end, 3), "interrupted": self.interrupted,
                "transition": self.transition, "words": self.words, "word_times": self.word_times}


@dataclass
class VoicedDialogue:
    audio: np.ndarray  # (samples, 2) float32 at 24 kHz: assistant left, user right
    turns: list[dict]  # role, channel, voice, written / spoken / heard text, start, end, words, transition
    backchannels: list[dict]
    plan: TurnTakingPlan
    user_voice: str
    assistant_voice: str
    word_times: str  # how the word times were made: words.ESTIMATE or the Whisper model
    turn_audio: list[np.ndarray] = field(default_factory=list)  # each turn whole, mono, before any cut

    def channel_words(self, role: str) -> list[dict]:
        """Every word said on ``role``'s channel (turns and backchannels), in time order."""
        words = [w for t in self.turns if t["role"] == role for w in t["words"]]
        words += [w for b in self.backchannels if b["role"] == role for w in b["words"]]
        return sorted(words, key=lambda w: w["start"])

    def overlap_seconds(self) -> float:
        """Time during which both channels speak."""
        spans = {role: [(t["start"], t["end"]) for t in self.turns + self.backchannels if t["role"] == role]
                 for role in CHANNEL}
        return round(sum(max(0.0, min(a_end, u_end) - max(a_start, u_start))
                         for a_start, a_end in spans["assistant"] for u_start, u_end in spans["user"]), 3)


def _speak(voices: VoicePolicy, voice: str, text: str, seed: int, label: str) -> np.ndarray:
    try:
        audio = voices.synthesize(voice, text, seed=seed)
    except Exception as error:  # any engine failure: name the turn, the voice and the cause
        raise TurnFailed(f"{label} ({voice}): {type(error).__name__}: {error}") from error
    if audio.size == 0:
        raise TurnFailed(f"{label} ({voice}): the voice made no audio")
    return audio.astype(np.float32)


def _synthesize_turns(script: DialogueScript, voices: VoicePolicy, user_voice: str,
                      filler_rate: float) -> list[Placed]:
    placed = []
    for index, turn in enumerate(script.turns):
        seed = seed_from_id(script.id, f"turn{index}")
        spoken, _ = to_spoken(turn.text, seed=seed, role=turn.role,  # a conversation never opens on a filler
                              filler_rate=filler_rate if turn.role == "user" else 0.0, first_words_filler=index > 0)
        voice = user_voice if turn.role == "user" else voices.assistant_voice
        audio = _speak(voices, voice, spoken, seed, f"turn {index} ({turn.role})")
        placed.append(Placed(turn.role, voice, turn.text, spoken, audio, 0.0))
    return placed


def _time_words(items: list[Placed], transcriber: Transcriber | None) -> None:
    """Word times of every turn and backchannel, from its whole audio (before any cut, and before it is
    laid out: times from its own start, moved along with it by ``_shift``)."""
    timed = time_words([Clip(p.spoken, p.audio, SAMPLE_RATE) for p in items], transcriber)
    for item, words in zip(items, timed):
        item.words, item.word_times = words.words, words.method


def _shift(turn: Placed, start: float) -> None:
    turn.words = shifted(turn.words, start - turn.start)
    turn.start = start


def _interrupt(turn: Placed, stop: float) -> bool:
    """Cut ``turn`` at ``stop`` seconds (faded out), keeping the words finished by then."""
    keep = int(round((stop - turn.start) * SAMPLE_RATE))
    heard = cut_words(turn.words, stop)
    if keep >= turn.audio.size or not heard:
        return False
    audio = turn.audio[:keep].copy()
    fade = min(keep, int(FADE_S * SAMPLE_RATE))
    audio[keep - fade:] *= np.linspace(1.0, 0.0, fade, dtype=np.float32)
    turn.audio, turn.words, turn.interrupted = audio, heard, True
    return True


def _lay_out(placed: list[Placed], plan: TurnTakingPlan) -> None:
    """Start times from the plan; a barge-in cuts the turn it interrupts."""
    channel_free = {role: 0.0 for role in CHANNEL}  # a channel never speaks over itself
    for index, turn in enumerate(placed):
        if index == 0:
            _shift(turn, LEAD_IN_S)
        else:
            before, step = placed[index - 1], plan.transitions[index - 1]
            duration = before.end - before.start
            if step.kind == "barge_in":
                start = before.start + step.barge_in_at * duration
                if not _interrupt(before, start + step.reaction_s):
                    start = before.end  # nothing left to cut: the user simply answers
            elif step.kind == "overlap":
                start = max(before.end - step.seconds, before.start + 0.5 * duration)
            else:
                start = before.end + step.seconds
            _shift(turn, max(start, channel_free[turn.role]))
        turn.transition = {"kind": "start" if index == 0 else plan.transitions[index - 1].kind,
                           "seconds": 0.0 if index == 0 else round(
                               turn.start - placed[index - 1].end, 3)}  # negative: overlap
        channel_free[turn.role] = turn.end
        if index > 0:
            channel_free[placed[index - 1].role] = placed[index - 1].end


def _backchannel_candidates(placed: list[Placed], plan: TurnTakingPlan, voices: VoicePolicy, user_voice: str,
                            script_id: str, style: TurnTakingStyle) -> list[tuple[Backchannel, Placed]]:
    """The planned backchannels voiced, for the turns long enough to hold one (before any cut)."""
    voiced = []
    for item in plan.backchannels:
        turn = placed[item.during]
        if turn.audio.size / SAMPLE_RATE < style.backchannel_min_turn_s:
            continue
        listener = "user" if turn.role == "assistant" else "assistant"
        voice = user_voice if listener == "user" else voices.assistant_voice
        try:
            audio = _speak(voices, voice, item.text, seed_from_id(script_id, f"backchannel{item.during}"),
                           "backchannel")
        except TurnFailed:
            continue  # a missing "mm-hm" does not spoil the conversation
        voiced.append((item, Placed(listener, voice, item.text, item.text, audio, 0.0,
                                    transition={"kind": "backchannel", "during": item.during})))
    return voiced


def _backchannels(placed: list[Placed], candidates: list[tuple[Backchannel, Placed]],
                  style: TurnTakingStyle) -> list[Placed]:
    """The backchannels that fit: during a turn still long enough once laid out, on a free listener channel."""
    said = []
    for item, backchannel in candidates:
        turn = placed[item.during]
        if turn.end - turn.start < style.backchannel_min_turn_s:
            continue
        start = turn.start + item.at * (turn.end - turn.start)
        end = start + backchannel.audio.size / SAMPLE_RATE
        busy = [(p.start, p.end) for p in placed + said if p.role == backchannel.role]
        if end > turn.end or any(s < end + 0.2 and start - 0.2 < e for s, e in busy):
            continue
        _shift(backchannel, start)
        said.append(backchannel)
    return said


def _mix(items: list[Placed]) -> np.ndarray:
    end = max(p.end for p in items) + TAIL_S
    stereo = np.zeros((int(round(end * SAMPLE_RATE)), 2), np.float32)
    for item in items:
        first = int(round(item.start * SAMPLE_RATE))
        stereo[first:first + item.audio.size, CHANNEL[item.role]] += item.audio
    return np.clip(stereo, -1.0, 1.0)


def voice_dialogue(script: DialogueScript, voices: VoicePolicy, user_voice: str, *, filler_rate: float = 0.15,
                   style: TurnTakingStyle = TurnTakingStyle(), allow_barge_in: bool = True,
                   transcriber: Transcriber | None = None) -> VoicedDialogue:
    """The conversation in stereo; raises TurnFailed when a turn cannot be voiced. Word times come
    from ``transcriber`` (Whisper), or are estimated from the audio without one."""
    if user_voice == voices.assistant_voice:
        raise TurnFailed(f"user voice {user_voice!r} is the assistant voice: the channels would be indistinct")
    placed = _synthesize_turns(script, voices, user_voice, filler_rate)
    plan = draw_plan([p.role for p in placed], seed_from_id(script.id, "turn-taking"), style,
                     allow_barge_in=allow_barge_in)
    candidates = _backchannel_candidates(placed, plan, voices, user_voice, script.id, style)
    _time_words(placed + [b for _, b in candidates], transcriber)  # one pass: packed into shared windows
    whole = [p.audio for p in placed]
    _lay_out(placed, plan)
    backchannels = _backchannels(placed, candidates, style)
    return VoicedDialogue(_mix(placed + backchannels), [p.record() for p in placed],
                          [b.record() for b in backchannels], plan, user_voice, voices.assistant_voice,
                          word_times_method(transcriber), whole)
