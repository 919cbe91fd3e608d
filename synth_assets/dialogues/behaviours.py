"""The duplex behaviours a full-duplex model must learn, as script content (issue 20 item 5).

Each is a labelled, counted feature of an instruction conversation, chosen per script by a draw seeded
by its id (the same ones on every rerun), with the shares of ``BehaviourShares`` (the one place they
are set, small by default):

- ``greeting`` / ``closing``: a short "Hi" exchange opens, or a "Thanks, bye" exchange closes, it;
- ``stop``: after an answer the user says "wait" / "hold on" / "actually, stop" as a barge-in over
  the assistant, which obeys: it stops at a word end and answers briefly ("Sure.", "Okay, go ahead.");
- ``side_talk``: the user speaks to someone else ("hold on, I'm on the phone"); the turn is labelled
  not addressed to the assistant, which stays silent (no backchannel, no reply to it);
- ``background``: another, quieter voice on the user channel during an answer, not the user's turn,
  labelled as background speech; the assistant ignores it;
- ``long_session``: instruction exchanges chained into one conversation until it takes a minute to say
  (``session_s``, at most ``session_exchanges``; the stream's end may cut one short);
- ``barge_in``: ``barge_in`` of the assistant's answers (in plain and long conversations) are cut by the
  user in one of four forms (``BARGE_IN_FORMS``), and the assistant answers what the interruption said:
  ``wait`` ("Wait, hold on.") -> an acknowledgement, the user's "go on", and the answer resumed from the
  sentence it was cut in (conversation.py writes it once the cut is known); ``actually`` (a redirect),
  ``correction`` (the user corrects their own request) and ``new_question``: the next request of the
  conversation, or of the next instruction document of the stream (chained in, as a long session
  does), said over the answer with its opener, and answered with that document's own answer after an
  acknowledgement that fits the form.

The script carries what was chosen in its params (``behaviours``: kind and the turns it covers); the
conversation (conversation.py) forces the stop barge-in, keeps the assistant silent over side talk,
places the background speech and records every behaviour in the turn-taking plan.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Iterable, Iterator

from synth_assets.core.limits import SPOKEN_WORDS_PER_SECOND
from synth_assets.core.mix import phase
from synth_assets.core.records import DialogueScript, Turn, stable_id

BEHAVIOURS = ("greeting", "closing", "stop", "side_talk", "background", "long_session", "barge_in")
BARGE_IN_FORMS = ("wait", "actually", "correction", "new_question")
PER_ANSWER = ("long_session", "barge_in")  # not drawn once per conversation


@dataclass(frozen=True)
class BehaviourShares:
    """Share of instruction conversations given each behaviour (several may meet in one)."""

    greeting: float = 0.15
    closing: float = 0.15
    stop: float = 0.1
    side_talk: float = 0.05
    background: float = 0.05
    long_session: float = 0.1
    barge_in: float = 0.15  # of the assistant's answers (instruction and long conversations): a user barge-in
    barge_in_forms: tuple[str, ...] = BARGE_IN_FORMS  # drawn evenly among these
    session_s: float = 60.0  # a long session chains instruction exchanges until it is this long (as said)...
    session_exchanges: int = 8  # ...or has this many
    background_gain: float = 0.2  # the background voice's level against its own clip (about -14 dB)

    def __post_init__(self):
        for name in BEHAVIOURS:
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"behaviour share {name} must be within 0-1, not {getattr(self, name)}")
        unknown = set(self.barge_in_forms) - set(BARGE_IN_FORMS)
        if unknown or not self.barge_in_forms:
            raise ValueError(f"barge_in_forms must be some of {BARGE_IN_FORMS}, not {self.barge_in_forms}")


NO_BEHAVIOURS = BehaviourShares(greeting=0.0, closing=0.0, stop=0.0, side_talk=0.0, background=0.0, long_session=0.0,
                                barge_in=0.0)


def configured_shares(overrides: dict | None = None) -> BehaviourShares:
    """The defaults with ``overrides`` (settings.duplex_behaviours: SYNTH_DUPLEX_BEHAVIOURS) applied."""
    from synth_assets import settings

    overrides = settings.duplex_behaviours() if overrides is None else overrides
    unknown = set(overrides) - {f.name for f in dataclasses.fields(BehaviourShares)}
    if unknown:
        raise ValueError(f"SYNTH_DUPLEX_BEHAVIOURS: unknown fields {sorted(unknown)}")
    return dataclasses.replace(BehaviourShares(), **{k: tuple(v) if isinstance(v, list) else v
                                                     for k, v in overrides.items()})


GREETINGS = (("Hi there.", "Hi! What can I do for you?"), ("Hello.", "Hello, how can I help?"),
             ("Hey, good morning.", "Good morning! What would you like to know?"))
CLOSINGS = (("Thanks, bye.", "You're welcome. Bye!"), ("Great, thank you so much.", "Happy to help. Take care!"),
            ("Okay, that's all I needed. Bye.", "Glad I could help. Goodbye!"))
STOPS = (("Wait, hold on.", "Sure."), ("Hold on a second.", "Okay."), ("Actually, stop.", "Okay, I'll stop there."),
         ("Wait, wait, I have a question.", "Okay, go ahead."))
SIDE_TALK = (("Yes, I'm on the phone right now, I'll call you back in ten minutes.", "Sorry, I'm back."),
             ("Hang on, can you turn the music down? Thanks.", "Sorry about that."),
             ("No, the keys are on the kitchen table.", "Sorry, someone was asking me something."))
SIDE_TALK_REPLIES = ("No problem.", "That's okay.", "No worries.")
# The user's barge-ins over an answer and the assistant's answer to each: (what the user says, the
# assistant's reply and, for ``wait``, the user's go-on); the question forms' openers go before the
# next request, their acknowledgements before its answer.
WAITS = (("Wait, hold on a second.", "Sure.", "Okay, go on."), ("Hang on, wait.", "Of course, take your time.",
                                                                 "Okay, sorry, carry on."),
         ("Wait, wait.", "Sure, I'll wait.", "Right, go ahead."))
RESUMES = ("As I was saying,", "So, as I was saying,", "Right, where was I?")
BARGE_IN_OPENERS = {
    "actually": (("Actually, let's leave that.", "Sure."), ("Actually, never mind that.", "Okay."),
                 ("Actually, forget that for a moment.", "No problem.")),
    "correction": (("Sorry, that's not what I meant to ask.", "Ah, I see."),
                   ("No, wait, I asked that wrong.", "Oh, okay."), ("Sorry, let me correct that.", "Got it.")),
    "new_question": (("Sorry, quick question.", "Sure."), ("Oh, before I forget.", "Okay."),
                     ("Wait, I have another question.", "Of course.")),
}
FINISHED = "That was all, actually. What else would you like to know?"  # a wait that came after the answer

BACKGROUND = ("Dinner is ready in five minutes.", "Has anyone seen my blue jacket?",
              "I'm going to the shop, do you need anything?", "The bus leaves at half past.")


def _pick(options: tuple, script_id: str, what: str):
    return options[int(phase(script_id, what) * len(options)) % len(options)]


def chosen(script_id: str, shares: BehaviourShares) -> list[str]:
    """The behaviours of one conversation, each drawn by its own seeded phase."""
    return [name for name in BEHAVIOURS if name not in PER_ANSWER and phase(script_id, f"behaviour {name}")
            < getattr(shares, name)]


def behaviours_of(script: DialogueScript) -> list[dict]:
    """The behaviours a script carries (its params' ``behaviours``)."""
    try:
        return json.loads(script.params or "{}").get("behaviours", [])
    except (TypeError, ValueError):
        return []


def barge_in_form(script_id: str, answer: int, shares: BehaviourShares) -> str | None:
    """The form of the user's barge-in over the answer at turn ``answer`` (None: it is heard whole), by
    seeded draws of the script's id."""
    if phase(script_id, f"barge-in {answer}") >= shares.barge_in:
        return None
    return _pick(shares.barge_in_forms, script_id, f"barge-in form {answer}")


def _barge_ins(turns: list[Turn], script_id: str, shares: BehaviourShares,
               forced: dict[int, str]) -> tuple[list[Turn], list[dict], list[int]]:
    """The turns with the barge-ins drawn on their answers (``forced``: answer index -> form, already
    drawn), their labels, and where each old turn went. A question form needs the next request of the
    conversation (a user turn and its answer); an answer without one is cut by a ``wait``."""
    forms: dict[int, str] = {}
    for i, turn in enumerate(turns):
        form = forced.get(i) or (barge_in_form(script_id, i, shares) if turn.role == "assistant" else None)
        if form is None or turn.role != "assistant":
            continue
        asks = i + 2 < len(turns) and turns[i + 1].role == "user" and turns[i + 2].role == "assistant"
        forms[i] = form if form == "wait" or asks else "wait"
    out: list[Turn] = []
    labels: list[dict] = []
    where: list[int] = []
    for i, turn in enumerate(turns):
        where.append(len(out))
        if forms.get(i - 1, "wait") != "wait":  # the next request, said over the answer with the form's opener
            opener, _ = _pick(BARGE_IN_OPENERS[forms[i - 1]], script_id, f"barge-in opener {i - 1}")
            labels.append({"kind": "barge_in", "form": forms[i - 1], "turns": [len(out), len(out) + 1],
                           "interrupts": 1})
            out.append(Turn("user", f"{opener} {turn.text}"))
        elif forms.get(i - 2, "wait") != "wait" and turn.role == "assistant":  # its answer, acknowledged
            _, ack = _pick(BARGE_IN_OPENERS[forms[i - 2]], script_id, f"barge-in opener {i - 2}")
            out.append(Turn("assistant", f"{ack} {turn.text}"))
        else:
            out.append(turn)
        if forms.get(i) == "wait":  # wait; sure; go on; the answer resumed (its text is written at voicing)
            said, reply, go_on = _pick(WAITS, script_id, f"barge-in wait {i}")
            at = len(out)
            labels.append({"kind": "barge_in", "form": "wait", "turns": [at, at + 1, at + 2, at + 3], "interrupts": 1})
            out += [Turn("user", said), Turn("assistant", reply), Turn("user", go_on), Turn("assistant", turn.text)]
    return out, labels, where


def with_behaviours(script: DialogueScript, shares: BehaviourShares, extra: list[dict] | None = None) -> DialogueScript:
    """The script with the behaviours drawn for it (plain instruction conversations only), each recorded
    with the turns it covers."""
    if script.kind != "instruction" or behaviours_of(script) and extra is None:
        return script
    params = json.loads(script.params or "{}")
    forced = {int(k): v for k, v in params.pop("barge_in_forced", {}).items()}
    turns, labels, where = _barge_ins(list(script.turns), script.id, shares, forced)
    for answer in forced:  # the next document chained in for this barge-in (the rows count its document)
        for label in labels:
            if label["turns"][0] == where[answer] + 1:
                label["chained"] = 1
    for label in list(extra or []):
        label = {**label, "turns": list(range(len(turns))) if label["kind"] == "long_session"
                 else [where[t] for t in label["turns"]]}
        labels.insert(0, label)
    names = chosen(script.id, shares)

    def shift(by: int) -> None:
        for label in labels:
            label["turns"] = [t + by for t in label["turns"]]

    barged_first = any(b["kind"] == "barge_in" and b["turns"][0] == 2 for b in labels)
    if "stop" in names and len(turns) >= 2 and turns[1].role == "assistant" and not barged_first:
        said, reply = _pick(STOPS, script.id, "stop")  # the user cuts the first answer, the assistant obeys
        turns[2:2] = [Turn("user", said), Turn("assistant", reply)]
        for label in labels:
            label["turns"] = [t + 2 if t >= 2 else t for t in label["turns"]]
        labels.append({"kind": "stop", "turns": [2, 3], "interrupts": 1})
    if "side_talk" in names and turns[-1].role == "assistant":
        aside, back = _pick(SIDE_TALK, script.id, "side talk")
        at = len(turns)
        turns += [Turn("user", aside), Turn("user", back), Turn("assistant", _pick(SIDE_TALK_REPLIES, script.id, "r"))]
        labels.append({"kind": "side_talk", "turns": [at], "addressed": False})
    if "background" in names:
        answer = next(i for i, t in enumerate(turns) if t.role == "assistant")
        labels.append({"kind": "background", "turns": [answer], "text": _pick(BACKGROUND, script.id, "background"),
                       "gain": shares.background_gain})
    if "greeting" in names:
        hello, reply = _pick(GREETINGS, script.id, "greeting")
        turns[:0] = [Turn("user", hello), Turn("assistant", reply)]
        shift(2)
        labels.append({"kind": "greeting", "turns": [0, 1]})
    if "closing" in names and turns[-1].role == "assistant":
        bye, reply = _pick(CLOSINGS, script.id, "closing")
        labels.append({"kind": "closing", "turns": [len(turns), len(turns) + 1]})
        turns += [Turn("user", bye), Turn("assistant", reply)]
    if not labels:
        return script
    params = {**params, "behaviours": labels}
    return dataclasses.replace(script, turns=turns, params=json.dumps(params))


def long_session(scripts: list[DialogueScript]) -> DialogueScript:
    """Several instruction scripts as one conversation: their exchanges one after the other."""
    first = scripts[0]
    turns = [turn for script in scripts for turn in script.turns]
    params = {**json.loads(first.params or "{}"), "session": [s.parent_id for s in scripts],
              "behaviours": [{"kind": "long_session", "turns": list(range(len(turns))), "exchanges": len(scripts)}]}
    return dataclasses.replace(first, id=stable_id("dialogue", "session", *[s.id for s in scripts]), turns=turns,
                               params=json.dumps(params))


def said_seconds(scripts: list[DialogueScript]) -> float:
    """How long the scripts' turns take to say at the spoken-length budget's rate."""
    return sum(len(t.text.split()) for s in scripts for t in s.turns) / SPOKEN_WORDS_PER_SECOND


def wants_next_request(script: DialogueScript, shares: BehaviourShares) -> str | None:
    """The question form drawn for a barge-in over the script's last answer (which has no next request
    of its own to say over it: the stream's next document gives one), or None."""
    last = len(script.turns) - 1
    if last < 1 or script.turns[last].role != "assistant":
        return None
    form = barge_in_form(script.id, last, shares)
    return form if form not in (None, "wait") else None


def chained(first: DialogueScript, second: DialogueScript, form: str) -> DialogueScript:
    """Two instruction scripts as one conversation, the second's request said over the first's last answer
    as a ``form`` barge-in."""
    params = {**json.loads(first.params or "{}"), "chained": [first.parent_id, second.parent_id],
              "barge_in_forced": {str(len(first.turns) - 1): form}}
    return dataclasses.replace(first, id=stable_id("dialogue", "barge-in", first.id, second.id),
                               turns=list(first.turns) + list(second.turns), params=json.dumps(params))


def with_duplex_behaviours(scripts: Iterable[DialogueScript], shares: BehaviourShares) -> Iterator[DialogueScript]:
    """The instruction stream with behaviours: ``long_session`` of the scripts start a session that takes
    the next instruction scripts of the stream with it until it is ``session_s`` long to say; a script
    whose last answer draws a question barge-in takes the next one with it for its request; every
    conversation then gets its own draws. Other kinds (clarifications) pass as they are."""
    held: list[DialogueScript] = []
    pair: tuple[DialogueScript, str] | None = None
    for script in scripts:
        if script.kind != "instruction" or behaviours_of(script):
            yield script
            continue
        if pair is not None:
            yield with_behaviours(chained(pair[0], script, pair[1]), shares)
            pair = None
            continue
        if held:
            held.append(script)
            if len(held) >= shares.session_exchanges or said_seconds(held) >= shares.session_s:
                session = long_session(held)
                yield with_behaviours(session, shares, behaviours_of(session))
                held = []
            continue
        if phase(script.id, "behaviour long_session") < shares.long_session:
            held = [script]
            continue
        form = wants_next_request(script, shares)
        if form is not None:
            pair = (script, form)
            continue
        yield with_behaviours(script, shares)
    if pair is not None:  # the stream ended with a request owed: a wait instead
        yield with_behaviours(pair[0], shares)
    if held:  # the stream ended inside a session: what was gathered is one
        session = long_session(held) if len(held) > 1 else held[0]
        yield with_behaviours(session, shares, behaviours_of(session) if len(held) > 1 else None)


def background_speech(plan: str | dict | None) -> list[dict]:
    """The background speech a conversation's turn-taking plan labels (on the user channel, with words):
    the duplex measurement counts it as labelled speech, not the user's."""
    plan = json.loads(plan) if isinstance(plan, str) else (plan or {})
    return [b for b in plan.get("behaviours", []) if b["kind"] == "background" and "start" in b]


def counts(plans: Iterable[str | None]) -> dict[str, int]:
    """How many conversations show each behaviour, from their turn-taking plans (the rows' ``turn_taking``);
    see ``barge_in_counts`` for the barge-ins by form."""
    found = {name: 0 for name in BEHAVIOURS}
    for plan in plans:
        if not plan:
            continue
        for kind in {b["kind"] for b in json.loads(plan).get("behaviours", [])}:
            found[kind] = found.get(kind, 0) + 1
    return found


def barge_in_counts(plans: Iterable[str | None]) -> dict[str, dict[str, int]]:
    """The labelled barge-ins by form, from the turn-taking plans: how many, and how many the assistant
    obeyed (it stopped at a word end it reached)."""
    found = {form: {"labelled": 0, "obeyed": 0} for form in BARGE_IN_FORMS}
    for plan in plans:
        for b in (json.loads(plan).get("behaviours", []) if plan else []):
            if b["kind"] == "barge_in":
                found.setdefault(b["form"], {"labelled": 0, "obeyed": 0})
                found[b["form"]]["labelled"] += 1
                found[b["form"]]["obeyed"] += bool(b.get("obeyed"))
    return found
