"""Clarification dialogues (as Moshi did): the user's question arrives misheard or garbled, and the
assistant either guesses what was meant and checks ("Did you mean ...?") or asks the user to say it
again; then the question is answered. Built from the same instruction conversations.

The garbling is written here: a near miss (a misheard word), a wrong name, a question cut off, or the
key word masked by noise or a dropout on the user channel (a directive the rendering applies).
"""

from __future__ import annotations

import functools
import json
import random
import re
import subprocess

from synth_assets.core import names
from synth_assets.core.records import DialogueScript, Turn, seed_from_id, stable_id
from synth_assets.dialogues.mask import MASKED, pick_kind

# Near misses: what was said -> what a listener may hear. Each pair differs by a sound or two, so the
# mishearing is in the audio (a homophone, "write" heard as "right", would be said exactly as the
# question: ``sounds_alike`` refuses one, comparing espeak-ng's phonemes of the two words). Pairs that
# Whisper tiny.en puts right from the context are left out ("the thirst time" is heard "the first time",
# "the last dime" "the last time": benchmarks/content_audit_bench.py --audible).
MISHEARD = {
    "weather": "feather", "bread": "bed", "sea": "tea", "night": "knife", "flour": "floor",
    "write": "ride", "know": "mow", "week": "cheek", "plant": "plan", "rain": "train", "sun": "fun",
    "meat": "meal", "pair": "chair", "tail": "pail", "mail": "nail", "peace": "geese", "road": "load",
    "water": "waiter", "tips": "chips", "healthy": "wealthy", "explain": "complain", "story": "glory",
    "dark": "park", "fresh": "flesh", "sky": "ski", "blue": "glue", "leaves": "thieves", "cold": "gold",
    "house": "mouse", "light": "night", "good": "wood", "poem": "home",
    "list": "fist", "book": "cook", "city": "pity", "money": "honey", "car": "jar",
}
WRONG_NAMES = {"Paris": "Harris", "London": "Landon", "Shakespeare": "Shackleton", "Einstein": "Eisenstein",
               "Python": "Pylon", "Mars": "Mass", "Amazon": "Amazing"}
GUESSES = (  # the assistant checks and waits: the user confirms before the answer comes
    "Sorry, did you mean {intended}?",
    "Just to check, did you say {intended}?",
    "Did you mean {intended}, or {heard}?",
)
CONFIRMATIONS = ("Yes, {intended}.", "Yes, sorry, {intended}.", "Yeah, {intended}.", "Right, {intended}. {question}")
ASK_AGAIN = (
    "Sorry, I didn't catch the end of that. Could you say your question again?",
    "I think you got cut off there. What did you want to ask?",
    "Sorry, could you repeat that? I only heard part of it.",
)
CUT_OFF_AT = (0.4, 0.7)  # share of a cut question's words that were heard
MISSED_WORD = (  # the user's key word was lost to noise or a dropout on the line (dialogues/mask.py)
    "Sorry, you broke up for a second there. Could you say that again?",
    "Sorry, I missed a word. Could you repeat the question?",
    "The line cut out for a moment. What did you ask?",
)
FUNCTION_WORDS = frozenset("about above after again against before being below between could should would "
                           "their there these those which while where whose other some such than that this "
                           "what when with your from have into them they were will following given "
                           "please".split())


class NoPhonemes(RuntimeError):
    """espeak-ng could not give a word's phonemes."""


@functools.lru_cache(maxsize=4096)
def phonemes(word: str) -> str:
    """The word's phonemes (IPA, stress marks and spaces dropped) from espeak-ng's G2P, as it would say
    the word alone; espeak-ng is installed by scripts/install.sh."""
    try:
        out = subprocess.run(["espeak-ng", "-q", "--ipa", "-v", "en-us", word], capture_output=True, text=True,
                             timeout=30, check=True).stdout
    except (OSError, subprocess.SubprocessError) as error:
        raise NoPhonemes(f"espeak-ng gave no phonemes for {word!r}: {error}") from error
    return re.sub(r"[\sˈˌ]+", "", out)


def sounds_alike(said: str, heard: str) -> bool:
    """True when the two words sound the same (a homophone: "write" and "right"), so a listener could
    not hear the mishearing."""
    return phonemes(said.lower()) == phonemes(heard.lower())


def _swap(question: str, table: dict[str, str]) -> tuple[str, str, str] | None:
    """The question with its first swappable word replaced by one that sounds different: (garbled,
    said word, heard word); a pair that sounds alike is never used."""
    for word in re.findall(r"[A-Za-z]+", question):
        heard = table.get(word) or table.get(word.lower())
        if heard:
            try:
                if sounds_alike(word, heard):
                    continue
            except NoPhonemes:
                return None  # no G2P to tell: no swap rather than one nobody may hear
            if word[0].isupper() and word.lower() in table:
                heard = heard.capitalize()
            return re.sub(rf"\b{word}\b", heard, question, count=1), word, heard
    return None


def key_word(question: str) -> str | None:
    """The word a question turns on, to be lost on the line: its longest content word (5+ letters, said
    once, not among the first two words), or None."""
    words = re.findall(r"[A-Za-z]+", question)
    candidates = [w for w in words[2:] if len(w) >= 5 and w.lower() not in FUNCTION_WORDS
                  and sum(x.lower() == w.lower() for x in words) == 1]
    return max(candidates, key=len) if candidates else None


def clarification_script(instruction: DialogueScript) -> DialogueScript:
    """A clarification conversation from an instruction conversation's first question and answer (an
    instruction the release does not also use as an instruction conversation: render.with_clarifications).
    The question arrives with a word misheard (a near miss or a wrong name), and the assistant asks,
    the user confirms, then the answer follows; or it arrives cut off, the assistant asks to hear it
    again, the user repeats it, then the answer follows."""
    question, answer = instruction.turns[0].text, instruction.turns[1].text
    rng = random.Random(seed_from_id(instruction.id, "clarification"))
    swapped = _swap(question, WRONG_NAMES) or _swap(question, MISHEARD)
    key = key_word(question)
    draw = rng.random()
    if swapped is not None and draw < 0.5:
        garbled, said, heard = swapped
        kind = "wrong_name" if said in WRONG_NAMES else "misheard"
        confirm = rng.choice(CONFIRMATIONS).format(intended=said, question=question)
        turns = [Turn("user", garbled), Turn("assistant", rng.choice(GUESSES).format(intended=said, heard=heard)),
                 Turn("user", confirm[0].upper() + confirm[1:]), Turn("assistant", answer)]
        detail = {"garble": kind, "said": said, "heard": heard}
    elif key is not None and draw < 0.8:
        turns = [Turn("user", question), Turn("assistant", rng.choice(MISSED_WORD)),
                 Turn("user", question), Turn("assistant", answer)]
        detail = {"garble": MASKED, "said": key, "turn": 0, "mask": pick_kind(instruction.id)}
    else:
        words = question.rstrip("?.!").split()
        keep = max(2, int(len(words) * rng.uniform(*CUT_OFF_AT)))
        turns = [Turn("user", " ".join(words[:keep]) + "..."), Turn("assistant", rng.choice(ASK_AGAIN)),
                 Turn("user", question), Turn("assistant", answer)]
        detail = {"garble": "cut_off", "heard_words": keep}
    return DialogueScript(
        id=stable_id("dialogue", "clarification", instruction.id, detail["garble"]), parent_id=instruction.parent_id,
        stage=names.INSTRUCTION_DIALOGUES, kind="clarification", source=instruction.source,
        snapshot=instruction.snapshot, license=instruction.license, turns=turns,
        params=json.dumps({**json.loads(instruction.params), "clarification": detail, "intended": question}),
    )
