"""Word times of a conversation: Whisper's words mapped onto the spoken text, stored per turn and per
channel, and the cut of a barge-in made by them. Fast tests use a voice that says one tone burst per
word (so the true word times are known) and a stand-in transcriber that hears the bursts; the slow
test runs the bundled Whisper tiny.en on real voices."""

from __future__ import annotations

import json
import textwrap

import numpy as np
import pytest
from conftest import python_voices

from synth_assets.asr.transcriber import Transcriber, Transcript
from synth_assets.core.records import DialogueScript, Turn
from synth_assets.core.stage_run import StageRun
from synth_assets.dialogues.conversation import voice_dialogue
from synth_assets.dialogues.render import voiced_rows
from synth_assets.dialogues.turntaking import TurnTakingStyle
from synth_assets.dialogues.voices import conversation_policy
from synth_assets.dialogues.words import ESTIMATE, align_words, estimate_word_times
from synth_assets.tts.policy import VoicePolicy

RATE = 24_000
EXCHANGE = DialogueScript(
    id="dialogue-words", parent_id="doc", stage="test", kind="instruction", source="s", snapshot="x",
    license="Apache-2.0", turns=[
        Turn("user", "Can you tell me how bread rises?"),
        Turn("assistant", "Yeast eats the sugar in the dough and breathes out gas. The gas gets trapped by the "
                          "gluten, so the dough puffs up while it rests in a warm place."),
        Turn("user", "Oh, so it needs warmth?"),
        Turn("assistant", "Yes, warmth helps the yeast work faster.")])
LEAD_S, WORD_S, PAUSE_S = 0.15, 0.25, 0.1
# One 0.25 s tone burst per word, 0.1 s apart: word k of a clip is said from LEAD_S + k * (WORD_S + PAUSE_S).
BURST_ENGINE = textwrap.dedent(f"""\
    import numpy as np

    def load(threads):
        def speak(text, speed, seed, **variation):
            rate = 16000
            t = np.arange(int(rate * {WORD_S})) / rate
            burst = (0.3 * np.sin(2 * np.pi * (150 + seed % 150) * t)).astype(np.float32)
            pause = np.zeros(int(rate * {PAUSE_S}), np.float32)
            lead = np.zeros(int(rate * {LEAD_S}), np.float32)
            return np.concatenate([lead] + [np.concatenate([burst, pause]) for _ in text.split()] + [lead]), rate
        return speak
""")
QUIET = TurnTakingStyle(fto_quantiles=((0.0, 0.3), (1.0, 0.6)), barge_in_rate=0.0, backchannels_per_s=0.0, hesitation_rate=0.0)
EAGER = TurnTakingStyle(barge_in_rate=1.0, backchannels_per_s=0.0, hesitation_rate=0.0)
TALKATIVE = TurnTakingStyle(fto_quantiles=((0.0, 0.3), (1.0, 0.6)), barge_in_rate=0.0, backchannels_per_s=1.0,
                            backchannel_min_turn_s=2.0, hesitation_rate=0.0)


def true_times(text: str) -> list[tuple[float, float]]:
    starts = [LEAD_S + k * (WORD_S + PAUSE_S) for k in range(len(text.split()))]
    return [(start, start + WORD_S) for start in starts]


def bursts(audio: np.ndarray, rate: int) -> list[tuple[float, float]]:
    """(start, end) of each loud run of ``audio``, in 10 ms frames."""
    frame = rate // 100
    loud = np.abs(audio[:audio.size // frame * frame]).reshape(-1, frame).max(axis=1) > 0.05
    edges = np.flatnonzero(np.diff(np.concatenate([[0], loud.astype(np.int8), [0]])))
    return [(edges[i] / 100, edges[i + 1] / 100) for i in range(0, len(edges), 2)]


class BurstHearer:
    """Stands in for Whisper: hears each tone burst as the next word of the text it is told each clip says
    (clips come in order), with the burst's times. ``deaf`` clips, and clips past the texts, come back
    with no words."""

    model_id = "fake/bursts"

    def __init__(self, texts: list[str], deaf: tuple[int, ...] = ()):
        self.texts, self.deaf, self.calls = texts, deaf, 0

    def transcribe_many(self, clips):
        self.calls += 1
        for key, audio, rate in clips:
            text = "" if key in self.deaf or key >= len(self.texts) else self.texts[key]
            words = [{"word": w, "start": s, "end": e, "probability": 0.9}
                     for w, (s, e) in zip(text.split(), bursts(np.asarray(audio), rate))]
            yield key, Transcript(text=" ".join(w["word"] for w in words), words=words)


@pytest.fixture
def burst_policy(tmp_path):
    with python_voices(tmp_path, "burst", BURST_ENGINE, (("assistant", "female"), ("user-f", "female"), ("user-m", "male"))) as (assistant, *users):
        yield VoicePolicy(user_voices=tuple(users), assistant_voice=assistant, workers=1)


def spoken_texts(dialogue=EXCHANGE) -> list[str]:
    return [turn.text for turn in dialogue.turns]  # plain sentences: spoken as written without fillers


def assert_words_fit(turn: dict) -> None:
    """Monotone, inside the turn, and every word of the turn (as heard) present in order."""
    words = turn["words"]
    assert [w["word"] for w in words] == turn["said"].split()
    expected = turn["spoken"].split()
    assert words and [w["word"] for w in words] == expected[:len(words)]
    if not turn["interrupted"]:
        assert len(words) == len(expected)
    for before, after in zip(words, words[1:]):
        assert before["end"] <= after["start"]
    assert all(turn["start"] - 1e-3 <= w["start"] < w["end"] <= turn["end"] + 1e-3 for w in words)


def test_whisper_words_map_onto_the_spoken_words_and_the_missed_ones_share_their_neighbours_span():
    audio = np.full(3 * RATE, 0.1, np.float32)
    heard = [{"word": "So,", "start": 0.1, "end": 0.4}, {"word": "can", "start": 0.6, "end": 0.8},
             {"word": "yu", "start": 0.8, "end": 1.0},  # misheard: takes the span of what was heard there
             {"word": "tell", "start": 1.0, "end": 1.2},
             {"word": "me", "start": 1.2, "end": 1.2},  # no length: shares with its neighbours
             {"word": "how", "start": 1.3, "end": 1.5}, {"word": "bread", "start": 1.5, "end": 1.9}]
    words = align_words("So, can you tell me how bread rises?", heard, audio, RATE, offset=2.0)
    assert [w["word"] for w in words] == ["So,", "can", "you", "tell", "me", "how", "bread", "rises?"]
    assert [(w["start"], w["end"]) for w in words[:3]] == [(2.1, 2.4), (2.6, 2.8), (2.8, 3.0)]
    # "tell me how" share 1.0-1.5 by letters; "bread" and the missed "rises?" share 1.5 to the voiced end.
    assert (words[3]["start"], words[5]["end"], words[6]["start"], words[7]["end"]) == (3.0, 3.5, 3.5, 5.0)
    assert words[3]["end"] - words[3]["start"] > words[4]["end"] - words[4]["start"] > 0
    assert all(a["end"] <= b["start"] and a["start"] < a["end"] for a, b in zip(words, words[1:]))


def test_a_word_whisper_split_in_two_takes_both_spans():
    heard = [{"word": "the", "start": 0.2, "end": 0.3}, {"word": "glue", "start": 0.3, "end": 0.5},
             {"word": "ten,", "start": 0.5, "end": 0.7}, {"word": "so", "start": 0.8, "end": 0.9}]
    words = align_words("the gluten, so", heard, np.full(RATE, 0.1, np.float32), RATE)
    assert [(w["word"], w["start"], w["end"]) for w in words] == [
        ("the", 0.2, 0.3), ("gluten,", 0.3, 0.7), ("so", 0.8, 0.9)]


def test_nothing_heard_leaves_no_alignment():
    assert align_words("Hello there.", [], np.ones(RATE, np.float32), RATE) == []
    assert align_words("Hello there.", [{"word": "...", "start": 0.0, "end": 0.5}], np.ones(RATE, np.float32),
                       RATE) == []


def test_word_times_come_from_the_transcriber_not_the_estimate(burst_policy):
    hearer = BurstHearer(spoken_texts())
    voiced = voice_dialogue(EXCHANGE, burst_policy, burst_policy.user_voices[0], filler_rate=0.0, style=QUIET,
                            transcriber=hearer)
    assert hearer.calls == 1  # every clip of the conversation in one pass
    assert voiced.word_times == "whisper:fake/bursts"
    for turn, audio in zip(voiced.turns, voiced.turn_audio):
        assert turn["word_times"] == "whisper:fake/bursts"
        assert_words_fit(turn)
        truth = [(turn["start"] + s, turn["start"] + e) for s, e in true_times(turn["spoken"])]
        assert np.allclose([(w["start"], w["end"]) for w in turn["words"]], truth, atol=0.011)
        estimate = estimate_word_times(turn["spoken"], audio, RATE, offset=turn["start"])
        assert max(abs(w["end"] - t[1]) for w, t in zip(estimate, truth)) > 0.05  # the estimate is worse


def test_without_a_transcriber_the_times_are_estimated_and_say_so(burst_policy):
    voiced = voice_dialogue(EXCHANGE, burst_policy, burst_policy.user_voices[0], filler_rate=0.0, style=QUIET)
    assert voiced.word_times == ESTIMATE
    for turn in voiced.turns:
        assert turn["word_times"] == ESTIMATE
        assert_words_fit(turn)


def test_a_barge_in_cuts_the_assistant_at_a_word_boundary_of_the_transcribers_times(burst_policy):
    hearer = BurstHearer(spoken_texts())
    voiced = voice_dialogue(EXCHANGE, burst_policy, burst_policy.user_voices[0], filler_rate=0.0, style=EAGER,
                            transcriber=hearer)
    cut = voiced.turns[1]
    assert cut["interrupted"]
    assert_words_fit(cut)
    whole = [(cut["start"] + s, cut["start"] + e) for s, e in true_times(cut["spoken"])]
    kept = len(cut["words"])
    assert 0 < kept < len(whole)
    # The heard words are exactly those whose burst ended by the cut; the next one was still being said.
    assert whole[kept - 1][1] <= cut["end"] + 1e-3 < whole[kept][1]
    assert cut["said"] == " ".join(cut["spoken"].split()[:kept])
    for turn in voiced.turns:
        assert_words_fit(turn)
    assistant = json.loads(json.dumps(voiced.channel_words("assistant")))
    assert [w["word"] for w in assistant] == " ".join(t["said"] for t in voiced.turns
                                                      if t["role"] == "assistant").split()


def test_a_backchannel_of_a_voice_without_durations_is_estimated_over_its_voiced_span_with_no_whisper_pass(
        burst_policy):
    hearer = BurstHearer(spoken_texts())
    voiced = voice_dialogue(EXCHANGE, burst_policy, burst_policy.user_voices[0], filler_rate=0.0, style=TALKATIVE,
                            transcriber=hearer)
    assert voiced.backchannels and hearer.calls == 1  # the turns' one pass; backchannels need none
    for item in voiced.backchannels:
        assert item["word_times"] == ESTIMATE
        assert_words_fit(item)
        assert abs(item["words"][0]["start"] - item["speech_start"]) < 0.02  # a burst's edge, to the frame
        assert abs(item["words"][-1]["end"] - item["speech_end"]) < 0.02


def test_a_clip_the_transcriber_hears_nothing_in_falls_back_to_the_estimate_and_the_row_counts_it(burst_policy):
    stage = StageRun("instruction_dialogues", "p", "run", "v")
    hearer = BurstHearer(spoken_texts(), deaf=(2,))
    rows = list(voiced_rows(stage, [EXCHANGE], burst_policy, lambda s: "doc", transcriber=hearer))
    assert not stage.quarantined
    (row,) = rows
    turns = json.loads(row["turns"])
    assert row["word_times"] == "whisper:fake/bursts" and row["word_times_estimated"] >= 1
    assert turns[2]["word_times"] == ESTIMATE
    assert [t["word_times"] for i, t in enumerate(turns) if i != 2] == ["whisper:fake/bursts"] * 3
    said = {role: " ".join(t["said"] for t in turns if t["role"] == role).split() for role in ("assistant", "user")}
    backchannels = json.loads(row["backchannels"])
    for role in said:
        heard = [w["word"] for w in json.loads(row[f"words_{role}"])]
        assert sorted(heard) == sorted(said[role] + [w for b in backchannels if b["role"] == role
                                                     for w in b["said"].split()])


def words_of(text: str) -> list[str]:
    from quality.metrics import normalize

    return [w for w in normalize(text).split() if any(c.isalnum() for c in w)]  # "dough..." leaves a "."


@pytest.mark.slow
def test_real_voices_time_their_own_words_and_a_barge_in_cut_is_heard_as_the_words_kept():
    whisper = Transcriber()
    policy = conversation_policy(VoicePolicy(workers=1))
    voiced = voice_dialogue(EXCHANGE, policy, "piper-joe", style=EAGER, transcriber=whisper)
    assert voiced.word_times == "engine"  # hibari and Piper give their durations: no Whisper pass
    for turn in voiced.turns:
        assert turn["word_times"] in ("engine:hibari", "engine:piper")
        assert_words_fit(turn)
    cut = voiced.turns[1]
    assert cut["interrupted"]
    # What is left of the assistant's turn in the mix is heard as the words kept, and at most the one cut off.
    lo, hi = int(cut["start"] * RATE), int(cut["end"] * RATE)
    heard, said = (words_of(whisper.transcribe(voiced.audio[lo:hi, 0], RATE).text), words_of(cut["said"]))
    assert heard[:len(said)] == said and len(heard) <= len(said) + 1
