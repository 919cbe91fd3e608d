"""Voicing a dialogue script as a full-duplex two-channel conversation (Moshi's recipe).

24 kHz stereo in moshi-finetune's layout: channel 0 (left) the assistant, channel 1 (right) the user.
Turn-taking is drawn per conversation (synth_assets/dialogues/turntaking.py) and laid out on the
speech, not on the clips: each clip's speech edges are measured (10 ms frames above -50 dBFS, as
synth_assets/dialogues/duplex.py hears them), and the next speaker's first speech follows the
previous speaker's last speech by the drawn floor-transfer offset (negative: both speak). A barge-in
starts the user inside the assistant's speech; the assistant goes on over it for a human moment and
stops at a word end it reached. Backchannels sit at the speaker's phrase ends on the listener's
channel. Word times come from the voices' own durations (synth_assets/tts/durations.py); a voice
without them is timed by Whisper (or the energy estimate without a transcriber). Each turn keeps its
voice, its text as written, spoken and heard, its word times and its speech edges.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import numpy as np

from synth_assets.asr.transcriber import Transcriber
from synth_assets.core.audio import SAMPLE_RATE
from synth_assets.core.records import DialogueScript, seed_from_id
from synth_assets.dialogues.alignment import CHECK_KEY, check_clips
from synth_assets.dialogues.behaviours import FINISHED, RESUMES, BehaviourShares, behaviours_of
from synth_assets.dialogues.duplex import runs, speech_frames
from synth_assets.dialogues.mask import mask_directive, mask_turn
from synth_assets.dialogues.turntaking import (Backchannel, Hesitation, TurnTakingPlan, TurnTakingStyle,
                                               backchannel_forms, draw_plan)
from synth_assets.dialogues.words import (ESTIMATE, Clip, cut_words, estimate_word_times, shifted, time_words,
                                          word_times_method)
from synth_assets.spoken.rewrite import to_spoken
from synth_assets.tts.durations import ENGINE_TIMES, Timed, text_word_times
from synth_assets.tts.policy import VoicePolicy
from synth_assets.tts.registry import REGISTRY

CHANNEL_LAYOUT = "assistant-left"  # channel 0 the assistant, channel 1 the user (moshi-finetune)
CHANNEL = {"assistant": 0, "user": 1}
LEAD_IN_S, TAIL_S = 0.3, 0.4  # silence before the first speech and after the last
FADE_S = 0.03  # an interrupted turn fades out over its last word's end instead of clicking
HEARD_MIN_S = 0.2  # a barge-in is heard for at least this long (the duplex check asks 0.15 s)
PHRASE_END = tuple(",.;:?!")
TURN_BEHAVIOURS = ("greeting", "closing", "stop", "side_talk", "barge_in")  # behaviours that are turns of the script
BARGING = ("stop", "barge_in")  # behaviours whose first turn is said over the answer before it
BACKGROUND_GAIN = BehaviourShares().background_gain


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
    word_times: str = ""  # how the word times were made: engine:<engine>, whisper:<model> or estimate
    transition: dict = field(default_factory=dict)
    interrupted: bool = False
    timed: Timed | None = None
    hesitation: dict = field(default_factory=dict)  # pause handling: the phrase end the user stopped at, how long
    behaviour: str = ""  # dialogues/behaviours.py: greeting, closing, stop, side_talk, barge_in (empty: none)
    barge_in: str = ""  # the user's turn that cut the answer before it: the barge-in's form (plain: a random one)
    addressed: bool = True  # False: side talk, said to someone else; the assistant stays silent
    lead: float = 0.0  # seconds from the clip's start to its first speech
    speech_len: float = 0.0  # seconds from its first speech to its last
    alignment: dict = field(default_factory=dict)  # the sampled Whisper check of its engine word times (alignment.py)

    @property
    def end(self) -> float:
        return self.start + self.audio.size / SAMPLE_RATE

    @property
    def speech_start(self) -> float:
        return self.start + self.lead

    @property
    def speech_end(self) -> float:
        return self.start + self.lead + self.speech_len

    def measure(self, label: str) -> None:
        """The speech edges of the clip, as the duplex measurement hears them."""
        spans = runs(speech_frames(self.audio, SAMPLE_RATE), 0.01)
        if not spans:
            raise TurnFailed(f"{label} ({self.voice}): the audio is silent (no 10 ms frame above -50 dBFS)")
        self.lead, self.speech_len = spans[0][0], min(spans[-1][1], self.audio.size / SAMPLE_RATE) - spans[0][0]

    def record(self) -> dict:
        return {"role": self.role, "channel": CHANNEL[self.role], "voice": self.voice, "text": self.text,
                "spoken": self.spoken, "said": " ".join(w["word"] for w in self.words),
                "start": round(self.start, 3), "end": round(self.end, 3),
                "speech_start": round(self.speech_start, 3), "speech_end": round(self.speech_end, 3),
                "interrupted": self.interrupted, "transition": self.transition, "words": self.words,
                "word_times": self.word_times, **({"hesitation": self.hesitation} if self.hesitation else {}),
                **({"behaviour": self.behaviour} if self.behaviour else {}),
                **({"barge_in": self.barge_in} if self.barge_in else {}),
                **({} if self.addressed else {"addressed": False}),
                **({CHECK_KEY: self.alignment} if self.alignment else {})}


@dataclass
class VoicedDialogue:
    audio: np.ndarray  # (samples, 2) float32 at 24 kHz: assistant left, user right
    turns: list[dict]  # role, channel, voice, written / spoken / heard text, start, end, words, transition
    backchannels: list[dict]
    plan: TurnTakingPlan
    user_voice: str
    assistant_voice: str
    word_times: str  # how the word times were made: engine, whisper:<model>, estimate, or a mix joined by +
    turn_audio: list[np.ndarray] = field(default_factory=list)  # each turn whole, mono, before any cut
    background: list[dict] = field(default_factory=list)  # other voices on the user channel, not the user's turns

    def channel_words(self, role: str) -> list[dict]:
        """Every word said on ``role``'s channel (turns and backchannels), in time order."""
        words = [w for t in self.turns if t["role"] == role for w in t["words"]]
        words += [w for b in self.backchannels if b["role"] == role for w in b["words"]]
        return sorted(words, key=lambda w: w["start"])

    def overlap_seconds(self) -> float:
        """Time during which both channels speak, heard in the audio (10 ms frames above -50 dBFS)."""
        both = speech_frames(self.audio[:, 0], SAMPLE_RATE) & speech_frames(self.audio[:, 1], SAMPLE_RATE)
        return round(float(both.sum()) * 0.01, 3)


def _speak(voices: VoicePolicy, voice: str, text: str, seed: int, label: str,
           speed: float = 1.0) -> tuple[np.ndarray, Timed | None]:
    try:
        audio, timed = voices.synthesize_timed(voice, text, seed=seed, speed=speed)
    except Exception as error:  # any engine failure: name the turn, the voice and the cause
        raise TurnFailed(f"{label} ({voice}): {type(error).__name__}: {error}") from error
    if audio.size == 0:
        raise TurnFailed(f"{label} ({voice}): the voice made no audio")
    if float(np.abs(audio).max()) >= 1.0 - 1e-6 and float(np.mean(np.abs(audio) >= 1.0 - 1e-6)) > 0.001:
        raise TurnFailed(f"{label} ({voice}): the audio is clipped")
    return audio.astype(np.float32), timed


def _synthesize_turns(script: DialogueScript, voices: VoicePolicy, user_voice: str,
                      filler_rate: float) -> list[Placed]:
    placed = []
    masked = mask_directive(script)  # a clarification's word covered by noise or a dropout (dialogues/mask.py)
    for index, turn in enumerate(script.turns):
        seed = seed_from_id(script.id, f"turn{index}")
        spoken, _ = to_spoken(turn.text, seed=seed, role=turn.role,  # a conversation never opens on a filler
                              filler_rate=filler_rate if turn.role == "user" else 0.0, first_words_filler=index > 0)
        voice = user_voice if turn.role == "user" else voices.assistant_voice
        label = f"turn {index} ({turn.role})"
        audio, timed = _speak(voices, voice, spoken, seed, label)
        if masked is not None and masked[0] == index:
            words = (text_word_times(spoken, timed)[0] if timed is not None else []) or \
                estimate_word_times(spoken, audio, SAMPLE_RATE)
            audio, span = mask_turn(audio, words, masked[1], masked[2], seed)
            if not span:
                raise TurnFailed(f"{label} ({voice}): the word {masked[1]!r} to mask has no time")
        item = Placed(turn.role, voice, turn.text, spoken, audio, 0.0, timed=timed)
        item.measure(label)
        placed.append(item)
    return placed


def _time_words(items: list[Placed], transcriber: Transcriber | None) -> None:
    """Word times of every turn from its whole audio (before any cut, times from its own start, moved
    along with it by ``_shift``): the voice's own durations, else Whisper (all such clips together),
    else the estimate."""
    untimed = []
    for item in items:
        words = text_word_times(item.spoken, item.timed)[0] if item.timed is not None else []
        if words:
            item.words = _snap_to_speech(words, item.audio)
            item.word_times = f"{ENGINE_TIMES}:{REGISTRY[item.voice].engine}"
        else:
            untimed.append(item)
    timed = time_words([Clip(p.spoken, p.audio, SAMPLE_RATE) for p in untimed], transcriber)
    for item, words in zip(untimed, timed):
        item.words, item.word_times = words.words, words.method


def _snap_to_speech(words: list[dict], audio: np.ndarray) -> list[dict]:
    """Word edges at a pause moved out to the speech heard there: a word's start back to the onset of the
    run of speech frames it begins in, its end on to that run's offset, never past its neighbours. The
    engines' durations put the first phoneme after the pad token, whose frames already carry 20-130 ms
    of onset; the labels must match what a listener hears."""
    if not words:
        return words
    active = speech_frames(audio, SAMPLE_RATE)
    frame = 0.01
    out = [dict(w) for w in words]
    for k, word in enumerate(out):
        floor = out[k - 1]["end"] if k else 0.0
        i = int(word["start"] / frame)
        while i > 0 and i - 1 < active.size and active[i - 1] and (i - 1) * frame >= floor:
            i -= 1
        word["start"] = round(min(word["start"], max(floor, i * frame)), 3)
        ceiling = words[k + 1]["start"] if k + 1 < len(words) else audio.size / SAMPLE_RATE
        j = int(np.ceil(word["end"] / frame))
        while j < active.size and active[j] and (j + 1) * frame <= ceiling:
            j += 1
        word["end"] = round(max(word["end"], min(ceiling, j * frame)), 3)
    return out


def _shift(turn: Placed, start: float) -> None:
    turn.words = shifted(turn.words, start - turn.start)
    turn.start = start


def _interrupt(turn: Placed, stop: float) -> None:
    """Cut ``turn`` at ``stop`` seconds, a word end it reached (faded out over its last 30 ms), keeping the
    words finished by then; its speech edges measured again."""
    keep = int(round((stop - turn.start) * SAMPLE_RATE))
    audio = turn.audio[:keep].copy()
    fade = min(keep, int(FADE_S * SAMPLE_RATE))
    audio[keep - fade:] *= np.linspace(1.0, 0.0, fade, dtype=np.float32)
    turn.audio, turn.words, turn.interrupted = audio, cut_words(turn.words, stop + 1e-6), True
    turn.measure("interrupted turn")


def _together(first: list[dict], second: list[dict], until: float) -> float:
    """Seconds during which a word of ``first`` (up to ``until``) and a word of ``second`` are both said."""
    return sum(max(0.0, min(a["end"], b["end"], until) - max(a["start"], b["start"])) for a in first for b in second)


def _heard_together(turn: Placed, user: Placed, at: float, until: float) -> float:
    """Seconds during which both the assistant's ``turn`` (up to ``until``, less its fade) and the user's
    turn, its first speech at ``at``, are heard: 10 ms frames above -50 dBFS on both, as the duplex
    measurement hears them (word times alone can cover a pause or a quiet onset)."""
    mine, theirs = speech_frames(turn.audio, SAMPLE_RATE), speech_frames(user.audio, SAMPLE_RATE)
    offset = int(round((at - user.lead - turn.start) / 0.01))  # the user's frame 0 among the assistant's
    lo = max(0, offset)
    hi = min(mine.size, int((until - FADE_S - turn.start) / 0.01), offset + theirs.size)
    return float((mine[lo:hi] & theirs[lo - offset:hi - offset]).sum()) * 0.01 if hi > lo else 0.0


def _barge_in(turn: Placed, user: Placed, share: float, overlap_s: float,
              style: TurnTakingStyle) -> tuple[float, int] | None:
    """Where the user's speech starts inside the assistant's ``turn`` and the word the assistant stops
    after (its index): its first one after which both have been saying words for ``overlap_s``, within
    the reaction limit, with words left after it. The user starts ``share`` of the assistant's speech
    along (inside a word: in a pause, on the next word), or on the nearest word where such a stop
    exists. None when there is none (nothing to cut). A short interruption ("Wait, wait.") cannot be
    heard over the answer for longer than half its own speech: the overlap asked is capped there (never
    under ``HEARD_MIN_S``)."""
    overlap_s = max(HEARD_MIN_S, min(overlap_s, user.speech_len / 2))
    drawn = turn.speech_start + share * turn.speech_len
    words = turn.words[:-1]
    order = sorted(range(len(words)), key=lambda k: abs(words[k]["end"] - drawn) if words[k]["end"] <= drawn else
                   max(0.0, words[k]["start"] - drawn))
    for k in order:
        at = min(max(drawn, words[k]["start"] + 0.05), words[k]["end"] - 0.02)
        if at <= turn.speech_start + 0.5:
            continue  # the assistant has barely begun
        said = shifted(user.words, at - user.lead - user.start)
        for stop in range(k, len(words)):
            word = turn.words[stop]
            if word["end"] - at > style.reaction_max_s:
                break
            if _together(turn.words, said, word["end"]) >= overlap_s and \
                    _heard_together(turn, user, at, word["end"]) >= overlap_s:
                return at, stop
    return None


def _barge_in_cuts(placed: list[Placed], plan: TurnTakingPlan, style: TurnTakingStyle) -> dict[int, tuple[float, int]]:
    """Each barge-in's cut, by the user turn's index: where the user's speech starts, in seconds from the
    interrupted turn's start, and the index of the word that turn stops after. Found once, on the turns
    as voiced, and used by both the layout and a resumed answer: found again after the layout had moved
    the turns (times rounded to the ms), a cut could land a word off, and the answer resume a sentence
    off what the audio reached."""
    cuts = {}
    for index in range(1, len(placed)):
        step = plan.transitions[index - 1]
        if step.kind == "barge_in":
            before = placed[index - 1]
            found = _barge_in(before, placed[index], step.barge_in_at, step.overlap_s, style)
            if found is not None:
                cuts[index] = (found[0] - before.start, found[1])
    return cuts


def _hesitate(placed: list[Placed], plan: TurnTakingPlan, style: TurnTakingStyle) -> None:
    """Pause handling: some user turns stop at a phrase end for 0.5-2 s and go on (silence inserted in
    the clip, the later words moved along); the assistant keeps listening (the layout follows the
    turn's last speech)."""
    rng = random.Random(plan.backchannel_seed ^ 0x5EED)
    barging = {t.index for t in plan.transitions if t.kind == "barge_in"}
    for index, turn in enumerate(placed):
        if turn.role != "user" or rng.random() >= style.hesitation_rate or index in barging:
            continue  # a user cutting in says it in one go
        ends = [k for k, (w, n) in enumerate(zip(turn.words, turn.words[1:]))
                if w["word"].endswith(PHRASE_END) or n["start"] - w["end"] >= style.backchannel_phrase_pause_s]
        if not ends:
            continue
        k = rng.choice(ends)
        seconds = round(rng.uniform(*style.hesitation_s), 3)
        at = (turn.words[k]["end"] + turn.words[k + 1]["start"]) / 2
        cut = int(round(at * SAMPLE_RATE))
        turn.audio = np.concatenate([turn.audio[:cut], np.zeros(int(round(seconds * SAMPLE_RATE)), np.float32),
                                     turn.audio[cut:]])
        turn.words = turn.words[:k + 1] + shifted(turn.words[k + 1:], seconds)
        turn.hesitation = {"after_word": k, "seconds": seconds}
        turn.measure(f"turn {index} (user)")
        plan.hesitations.append(Hesitation(index, k, seconds))


def _last_stretch(turn: Placed) -> float:
    """Seconds of the turn's speech after its hesitation (all of it without one)."""
    if not turn.hesitation:
        return turn.speech_len
    return turn.speech_end - turn.words[turn.hesitation["after_word"] + 1]["start"]


def _lay_out(placed: list[Placed], plan: TurnTakingPlan, style: TurnTakingStyle,
            cuts: dict[int, tuple[float, int]]) -> None:
    """Clip starts such that speech edges follow the plan; a barge-in cuts the turn it interrupts where
    ``cuts`` (_barge_in_cuts) says."""
    last_speech = {role: -1.0 for role in CHANNEL}  # a channel never speaks over itself
    for index, turn in enumerate(placed):
        transition = {"kind": "start", "seconds": 0.0}
        if index == 0:
            speech = LEAD_IN_S
        else:
            before, step = placed[index - 1], plan.transitions[index - 1]
            speech, kind = None, step.kind
            if step.kind == "barge_in":
                found = cuts.get(index)
                if found is not None:
                    speech, stop = before.start + found[0], before.words[found[1]]["end"]
                    _interrupt(before, stop)
                    turn.barge_in = turn.barge_in or ("stop" if turn.behaviour == "stop" else "plain")
                    last_speech[before.role] = before.speech_end
                else:
                    kind = "fto"  # no word end to stop at: the user answers after all
            if speech is None:
                seconds = step.seconds if step.kind != "barge_in" else 0.2
                if seconds < 0:  # an overlap never swallows either speaker's speech (nor reaches into a hesitation)
                    seconds = -min(-seconds, style.max_overlap_share * min(_last_stretch(before), turn.speech_len))
                speech = before.speech_end + seconds
            transition["kind"] = kind
        speech = max(speech, last_speech[turn.role] + style.pause_s[0], turn.lead)
        _shift(turn, speech - turn.lead)
        if index > 0:
            transition["seconds"] = round(turn.speech_start - placed[index - 1].speech_end, 3)  # the FTO
        turn.transition = transition
        last_speech[turn.role] = turn.speech_end


def _phrase_ends(turn: Placed, style: TurnTakingStyle) -> list[int]:
    """Indices of the turn's words that end a phrase (a pause after, or , . ; : ? !), not its last word,
    at least 1 s into its speech and 0.8 s before its end."""
    ends = []
    for k, (word, following) in enumerate(zip(turn.words, turn.words[1:])):
        pause = following["start"] - word["end"]
        if (pause >= style.backchannel_phrase_pause_s or word["word"].endswith(PHRASE_END)) \
                and word["end"] - turn.speech_start >= 1.0 and turn.speech_end - word["end"] >= 0.8:
            ends.append(k)
    return ends


def _backchannels(placed: list[Placed], plan: TurnTakingPlan, style: TurnTakingStyle, kind: str,
                  speak) -> list[Placed]:
    """Backchannels at phrase ends of the speakers' turns, on the listener's free channel; each drawn
    form fits what the listener says next (turntaking.backchannel_forms)."""
    rng = random.Random(plan.backchannel_seed)
    said: list[Placed] = []
    for index, turn in enumerate(placed):
        listener = "user" if turn.role == "assistant" else "assistant"
        forms = backchannel_forms(listener, kind)
        if not forms or turn.speech_len < style.backchannel_min_turn_s or not turn.addressed:
            continue
        candidates = _phrase_ends(turn, style)
        wanted = int(turn.speech_len * style.backchannels_per_s + rng.random())
        rng.shuffle(candidates)
        chosen: list[float] = []
        busy = [(p.speech_start - 0.3, p.speech_end + 0.3) for p in placed if p.role == listener]
        for k in candidates:
            if len(chosen) >= wanted:
                break
            at = turn.words[k]["end"]
            if any(abs(at - c) < style.backchannel_spacing_s for c in chosen):
                continue
            form, delay = rng.choice(forms), round(rng.uniform(*style.backchannel_delay_s), 3)
            speed = round(rng.uniform(*style.backchannel_speed), 3)
            item = speak(listener, form, seed_from_id(str(plan.backchannel_seed), f"bc{index}.{k}"), speed)
            if item is None:
                continue
            start = at + delay - item.lead
            if any(s < start + item.lead + item.speech_len and start + item.lead < e
                   for s, e in busy + [(b.speech_start - 0.3, b.speech_end + 0.3) for b in said]):
                continue  # the listener's channel is not free there
            _shift(item, start)
            item.transition = {"kind": "backchannel", "during": index, "after_word": k}
            said.append(item)
            chosen.append(at)
            plan.backchannels.append(Backchannel(index, form, k, delay, speed))
    return said


def _mix(items: list[Placed]) -> np.ndarray:
    end = max(p.speech_end for p in items) + TAIL_S
    stereo = np.zeros((int(round(end * SAMPLE_RATE)), 2), np.float32)
    for item in items:
        first = int(round(item.start * SAMPLE_RATE))
        piece = item.audio[:max(0, stereo.shape[0] - first)]
        stereo[first:first + piece.size, CHANNEL[item.role]] += piece
    return np.clip(stereo, -1.0, 1.0)


def _methods(items: list[Placed], transcriber: Transcriber | None) -> str:
    """How the conversation's word times were made: "engine" for the voices with durations, the
    transcriber's method (words.word_times_method) for the others, joined by + when both; a clip that
    fell back to the estimate is counted in the row's word_times_estimated."""
    return "+".join(sorted({ENGINE_TIMES if p.word_times.startswith(ENGINE_TIMES) else word_times_method(transcriber)
                            for p in items}))


def voice_dialogue(script: DialogueScript, voices: VoicePolicy, user_voice: str, *, filler_rate: float = 0.15,
                   style: TurnTakingStyle = TurnTakingStyle(), allow_barge_in: bool = True,
                   transcriber: Transcriber | None = None, check_alignment: bool = False) -> VoicedDialogue:
    """The conversation in stereo; raises TurnFailed when a turn cannot be voiced (or is silent or
    clipped). Word times come from the voices; ``transcriber`` (Whisper) times the turns of a voice
    without durations, estimated from the audio without one. ``check_alignment``: Whisper also hears
    the turns its voice timed, as they are in the mix, to check those times (alignment.py)."""
    if user_voice == voices.assistant_voice:
        raise TurnFailed(f"user voice {user_voice!r} is the assistant voice: the channels would be indistinct")
    placed = _synthesize_turns(script, voices, user_voice, filler_rate)
    labels = behaviours_of(script)
    for label in labels:
        for index in label["turns"] if label["kind"] in TURN_BEHAVIOURS else ():
            placed[index].behaviour = label["kind"]
            placed[index].addressed = label.get("addressed", True)
    plan = draw_plan([p.role for p in placed], seed_from_id(script.id, "turn-taking"), style,
                     allow_barge_in=allow_barge_in,
                     barge_ins=frozenset(b["turns"][0] for b in labels if b["kind"] in BARGING),
                     calm=frozenset(b["turns"][0] for b in labels if b["kind"] == "side_talk"))
    _time_words(placed, transcriber)  # one Whisper pass at most, for the voices without durations
    whole = [p.audio for p in placed]  # each turn as the voice said it (before hesitations and cuts)
    _hesitate(placed, plan, style)
    cuts = _barge_in_cuts(placed, plan, style)
    for label in labels:
        if label["kind"] == "barge_in" and label["form"] == "wait":
            item = _resume(placed, label, cuts.get(label["turns"][0]), voices, script.id, transcriber)
            placed[label["turns"][3]], whole[label["turns"][3]] = item, item.audio
            cuts = _barge_in_cuts(placed, plan, style)  # a barge-in into the resumed answer is cut in it

    def speak(role: str, text: str, seed: int, speed: float) -> Placed | None:
        voice = user_voice if role == "user" else voices.assistant_voice
        try:
            audio, timed = _speak(voices, voice, text, seed, "backchannel", speed)
            item = Placed(role, voice, text, text, audio, 0.0, timed=timed)
            item.measure("backchannel")
        except TurnFailed:
            return None  # a missing "mm-hm" does not spoil the conversation
        words = text_word_times(text, timed)[0] if timed is not None else []
        item.words, item.word_times = (_snap_to_speech(words, audio), f"{ENGINE_TIMES}:{REGISTRY[voice].engine}") \
            if words else (estimate_word_times(text, audio, SAMPLE_RATE), ESTIMATE)
        return item

    _lay_out(placed, plan, style, cuts)
    for label in labels:  # a barge-in heard is labelled with its form on the user's turn
        if label["kind"] == "barge_in" and placed[label["turns"][0]].barge_in:
            placed[label["turns"][0]].barge_in = label["form"]
    backchannels = _backchannels(placed, plan, style, script.kind, speak)
    background = _background(placed, labels, plan, voices, user_voice, script.id)
    for label in labels:
        if label["kind"] != "background":
            heard = {"obeyed": placed[label["turns"][0] - 1].interrupted} if label["kind"] in BARGING else {}
            plan.behaviours.append({**label, **heard})
    # a clip's trailing silence goes no further than the conversation needs
    for item in placed + backchannels + background:
        last = max(item.speech_end, item.words[-1]["end"] if item.words else 0.0) + TAIL_S / 2
        item.audio = item.audio[:max(1, int(round((last - item.start) * SAMPLE_RATE)))]
    if check_alignment and transcriber is not None:
        _check_alignment(placed, transcriber)
    return VoicedDialogue(_mix(placed + backchannels + background), [p.record() for p in placed],
                          [b.record() for b in backchannels], plan, user_voice, voices.assistant_voice,
                          _methods(placed + backchannels, transcriber), whole,
                          [{**b.record(), "speaker": "background"} for b in background])


def _check_alignment(placed: list[Placed], transcriber: Transcriber) -> None:
    """Whisper's word edges against the engine's on every whole turn its voice timed, each clip as mixed
    (hesitations in, trailing silence trimmed), times from the clip's start. A cut turn is left out: its
    last word faded out."""
    turns = [p for p in placed if p.word_times.startswith(ENGINE_TIMES) and not p.interrupted and p.words]
    checks = check_clips([(shifted(p.words, -p.start), p.audio, SAMPLE_RATE) for p in turns], transcriber)
    for turn, check in zip(turns, checks):
        if check is not None:
            turn.alignment = check


def resumed_text(answer: list[str], reached: int, opener: str) -> str:
    """What the assistant says when the user lets it go on after a wait: ``opener``, then its answer (the
    words as spoken) from the start of the sentence it was cut in, having said ``reached`` words;
    ``FINISHED`` when it had said them all."""
    if reached >= len(answer):
        return FINISHED
    start = max((k + 1 for k in range(reached) if answer[k].endswith((".", "!", "?"))), default=0)
    rest = answer[start:]
    first = rest[0]
    if opener.endswith(",") and first[:1].isupper() and first[1:] == first[1:].lower() \
            and first.strip(",.;:!?").split("'")[0] != "I":
        first = first[0].lower() + first[1:]  # "As I was saying, keep the loaf"; "I" and names stay
    return " ".join([opener, first, *rest[1:]])


def _resume(placed: list[Placed], label: dict, cut: tuple[float, int] | None, voices: VoicePolicy,
            script_id: str, transcriber: Transcriber | None) -> Placed:
    """The assistant's answer resumed after a ``wait`` barge-in: it goes on from the sentence its ``cut``
    (the layout's, _barge_in_cuts) stops in, having said the words up to the cut's word (the script holds
    the whole answer there; no cut: the whole answer was said). Voiced and timed like any turn."""
    answer = placed[label["turns"][0] - 1]
    words = answer.spoken.split()
    reached = len(words) if cut is None else cut[1] + 1
    if cut is not None and len(answer.words) != len(words):
        reached = 0  # words and their times disagree: the answer again from its start
    index = label["turns"][3]  # the last turn of the wait: the answer resumed
    opener = RESUMES[seed_from_id(script_id, f"resume{index}") % len(RESUMES)]
    text = resumed_text(words, reached, opener)
    label["resumed_from_word"] = min(reached, len(words))
    audio, timed = _speak(voices, voices.assistant_voice, text, seed_from_id(script_id, f"turn{index}"),
                          f"turn {index} (assistant)")
    item = Placed("assistant", voices.assistant_voice, text, text, audio, 0.0, timed=timed,
                  behaviour=placed[index].behaviour)
    item.measure(f"turn {index} (assistant)")
    _time_words([item], transcriber)
    return item


def _background(placed: list[Placed], labels: list[dict], plan: TurnTakingPlan, voices: VoicePolicy,
                user_voice: str, script_id: str) -> list[Placed]:
    """Background speech: another voice, quieter, on the user channel while the labelled answer is said,
    where the user's own channel is free (0.3 s clear of its speech). Recorded in the plan with its
    span and words; none when no third voice or no room."""
    said = []
    others = [v for v in voices.user_voices if v not in (user_voice, voices.assistant_voice)]
    for label in labels:
        if label["kind"] != "background" or not others:
            continue
        answer = placed[label["turns"][0]]
        seed = seed_from_id(script_id, "background")
        voice = others[seed % len(others)]
        try:
            audio, timed = _speak(voices, voice, label["text"], seed, "background speech")
            item = Placed("user", voice, label["text"], label["text"], audio * label.get("gain", BACKGROUND_GAIN),
                          0.0, timed=timed)
            item.measure("background speech")
        except TurnFailed:
            continue  # a missing background voice does not spoil the conversation
        words = text_word_times(item.spoken, timed)[0] if timed is not None else []
        item.words, item.word_times = (_snap_to_speech(words, item.audio), f"{ENGINE_TIMES}:{REGISTRY[voice].engine}") \
            if words else (estimate_word_times(item.spoken, item.audio, SAMPLE_RATE), ESTIMATE)
        begin = answer.speech_start + 0.2 * answer.speech_len
        busy = [(p.speech_start - 0.3, p.speech_end + 0.3) for p in placed if p.role == "user"]
        if any(s < begin + item.speech_len and begin < e for s, e in busy) or \
                begin + item.speech_len > answer.speech_end:
            continue  # no room on the user channel during this answer
        _shift(item, begin - item.lead)
        item.behaviour, item.addressed = "background", False
        said.append(item)
        plan.behaviours.append({**label, "role": "user", "voice": voice, "start": round(item.speech_start, 3),
                                "end": round(item.speech_end, 3), "words": item.words})
    return said
