"""Word times benchmark: how close Whisper's word times (mapped onto the spoken words) and the
energy estimate come to the truth, and what Whisper costs per conversation.

    python -m benchmarks.word_times_bench [--per-kind N] [--json]

Truth: the voices' own durations. Piper reports how many samples each phoneme took
(``include_alignments``); Kokoro's model computes each phoneme token's duration (exposed here as an
extra output of its graph). A space separates words in both, so a word runs from its first phoneme
to its last sounding one (punctuation is a pause). The turns of the conversations benchmark's
scripts are said by piper-joe, kokoro-kumo and kokoro-gongitsune (a turn whose phoneme words do not
line up one to one with its words is left out), and both methods time the same audio: the estimate
clip by clip, Whisper tiny.en with all clips packed together as a conversation's are. Reported per method: the absolute
error of word starts and ends, and how often a cut at a random moment keeps the same words as the
truth would (what a barge-in needs).

Cost: N conversations of each kind rendered with the default voices and Whisper, timing the transcription
alone; and on them, how far the estimate's word boundaries are from Whisper's and how many barge-in
cuts keep a different number of words.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import numpy as np

from benchmarks.conversations_bench import scripts
from synth_assets.core.audio import SAMPLE_RATE
from synth_assets.core.stage_run import StageRun
from synth_assets.dialogues.render import voiced_rows
from synth_assets.dialogues.words import Clip, cut_words, estimate_word_times, time_words
from synth_assets.spoken.rewrite import to_spoken
from synth_assets.tts.durations import words_of_symbols
from synth_assets.tts.policy import VoicePolicy

CUTS_PER_SECOND = 50  # cut moments tried per second of audio


def spoken_turns(per_kind: int) -> list[str]:
    """The turns of the conversations benchmark's scripts, as spoken (numbers in words), once each."""
    texts = dict.fromkeys(turn.text for script in scripts(per_kind) for turn in script.turns)
    return [to_spoken(t, seed=i, role="assistant", filler_rate=0.0)[0] for i, t in enumerate(texts)]


def piper_truth(voice, text: str) -> tuple[np.ndarray, int, list[tuple[float, float]]]:
    """Audio of ``text`` by a Piper voice and each word's (start, end), from Piper's phoneme alignment."""
    chunks = list(voice.synthesize(text, include_alignments=True))
    symbols = []
    for chunk in chunks:
        symbols += [(a.phoneme, a.num_samples) for a in chunk.phoneme_alignments or []] + [(" ", 0)]
    return np.concatenate([c.audio_float_array for c in chunks]), chunks[0].sample_rate, \
        words_of_symbols(symbols, chunks[0].sample_rate)


class KokoroWithDurations:
    """A Kokoro voice (no pitch offset) as the engine speaks it, with the model's duration of each phoneme
    token (the ``/encoder/Clip`` tensor, in units of 600 samples) exposed as an extra output."""

    DURATIONS = "/encoder/Clip_output_0"
    SAMPLES_PER_UNIT = 600

    def __init__(self, voice_id: str):
        import onnx
        import onnxruntime

        from synth_assets.tts import kokoro_engine
        from synth_assets.tts.registry import REGISTRY

        self.kokoro = kokoro_engine
        blend = kokoro_engine.Blend.from_key(REGISTRY[voice_id].engine_spec.engine_voice)
        assert blend.pitch == 0 and blend.speed == 1.0
        model = onnx.load(str(kokoro_engine.model_path()))
        model.graph.output.append(onnx.helper.make_tensor_value_info(self.DURATIONS, onnx.TensorProto.FLOAT, None))
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self.session = onnxruntime.InferenceSession(model.SerializeToString(), options,
                                                    providers=["CPUExecutionProvider"])
        self.styles = kokoro_engine.style_table(blend)

    def __call__(self, text: str) -> tuple[np.ndarray, int, list[tuple[float, float]]]:
        vocab, pause = self.kokoro._vocab(), int(self.kokoro.SENTENCE_PAUSE_S * self.kokoro.SAMPLE_RATE)
        pieces, symbols = [], []
        for chunk in self.kokoro.phoneme_chunks(text):
            chars = [c for c in chunk if c in vocab][:self.kokoro.MAX_TOKENS]
            tokens = [vocab[c] for c in chars]
            audio, units = self.session.run(None, {
                "tokens": np.array([[0, *tokens, 0]], np.int64),
                "style": self.styles[len(tokens) - 1].reshape(1, 256), "speed": np.array([1.0], np.float32)})
            samples = [int(u) * self.SAMPLES_PER_UNIT for u in units.ravel()]
            symbols += list(zip(["^", *chars, "$"], samples)) + [(" ", pause)]
            pieces += [np.asarray(audio, np.float32).ravel(), np.zeros(pause, np.float32)]
        rate = self.kokoro.SAMPLE_RATE
        return np.concatenate(pieces[:-1]), rate, words_of_symbols(symbols[:-1], rate)


def errors(times: list[dict], truth: list[tuple[float, float]]) -> tuple[list[float], list[float]]:
    """Signed errors (seconds; positive: later than the truth) of the word starts and ends."""
    return ([w["start"] - t[0] for w, t in zip(times, truth)], [w["end"] - t[1] for w, t in zip(times, truth)])


def cut_agreement(times: list[dict], truth: list[tuple[float, float]], seconds: float) -> tuple[int, int]:
    """(cuts keeping the same words as the truth, cuts tried) over the clip."""
    stops = np.arange(1, int(seconds * CUTS_PER_SECOND)) / CUTS_PER_SECOND
    same = sum(len(cut_words(times, s)) == sum(end <= s for _, end in truth) for s in stops)
    return int(same), len(stops)


def summary(signed: list[float]) -> dict:
    """Of the absolute values: mean, median, p90 and max; and the mean signed value (the bias), in ms."""
    values = [abs(v) for v in signed]
    return {"mean_ms": round(1000 * statistics.fmean(values), 1),
            "median_ms": round(1000 * statistics.median(values), 1),
            "p90_ms": round(1000 * float(np.percentile(values, 90)), 1), "max_ms": round(1000 * max(values), 1),
            "bias_ms": round(1000 * statistics.fmean(signed), 1)}


def voices_with_truth() -> dict:
    """Voices whose own alignment is the truth: (text) -> (audio, rate, word times)."""
    from piper import PiperVoice

    from synth_assets.tts.engines import joe_model_path

    piper = PiperVoice.load(joe_model_path(), include_alignments=True)
    return {"piper-joe": lambda text: piper_truth(piper, text), "kokoro-kumo": KokoroWithDurations("kokoro-kumo"),
            "kokoro-gongitsune": KokoroWithDurations("kokoro-gongitsune")}


def against_alignment(speak, transcriber, texts: list[str]) -> dict:
    """Both methods on the clips ``speak`` makes, against the word times it reports."""
    clips, truths = [], []
    for text in texts:
        audio, rate, truth = speak(text)
        if len(truth) == len(text.split()):  # espeak or the G2P joined or split no word
            clips.append(Clip(text, audio, rate))
            truths.append(truth)
    report = {"turns": len(clips), "words": sum(len(t) for t in truths), "turns_left_out": len(texts) - len(clips)}
    methods = {"estimate": time_words(clips, None)}
    start = time.perf_counter()
    methods["whisper"] = time_words(clips, transcriber)
    report["whisper_s"] = round(time.perf_counter() - start, 2)
    report["audio_s"] = round(sum(c.audio.size / c.rate for c in clips), 1)
    for name, timed in methods.items():
        starts, ends, same, tried = [], [], 0, 0
        for clip, words, truth in zip(clips, timed, truths):
            s, e = errors(words.words, truth)
            starts += s
            ends += e
            agree = cut_agreement(words.words, truth, clip.audio.size / clip.rate)
            same, tried = same + agree[0], tried + agree[1]
        report[name] = {"start_error": summary(starts), "end_error": summary(ends),
                        "cuts_keeping_the_true_words": round(same / tried, 4)}
    report["whisper"]["fell_back_to_estimate"] = sum(t.method == "estimate" for t in methods["whisper"])
    return report


class TimedTranscriber:
    """The transcriber, with the seconds spent in it counted."""

    def __init__(self, transcriber):
        self.transcriber, self.seconds = transcriber, 0.0

    @property
    def model_id(self) -> str:
        return self.transcriber.model_id

    def transcribe_many(self, clips):
        results = self.transcriber.transcribe_many(clips)
        while True:
            start = time.perf_counter()
            try:
                item = next(results)
            except StopIteration:
                self.seconds += time.perf_counter() - start
                return
            self.seconds += time.perf_counter() - start
            yield item


def on_conversations(transcriber, per_kind: int) -> dict:
    """Whisper's cost per conversation, and how far the estimate is from Whisper on the same turns."""
    timed = TimedTranscriber(transcriber)
    stage = StageRun("word_times_bench", "bench", "bench", "bench")
    keep = lambda script, voiced: {"whole": voiced.turn_audio}  # noqa: E731
    start = time.perf_counter()
    rows = list(voiced_rows(stage, scripts(per_kind), VoicePolicy(workers=1), lambda s: "bench",
                            extra=keep, transcriber=timed))
    wall = time.perf_counter() - start
    boundaries, cuts, differing = [], 0, 0
    for row in rows:
        for turn, audio in zip(json.loads(row["turns"]), row["whole"]):
            estimate = estimate_word_times(turn["spoken"], audio, SAMPLE_RATE, offset=turn["start"])
            whisper = turn["words"]
            boundaries += [b[k] - a[k] for a, b in zip(whisper, estimate) for k in ("start", "end")]
            if turn["interrupted"]:
                cuts += 1
                differing += len(cut_words(estimate, turn["end"])) != len(whisper)
    seconds = sum(r["duration_s"] for r in rows)
    return {"conversations": len(rows), "audio_s": round(seconds, 1), "render_wall_s": round(wall, 1),
            "whisper_s": round(timed.seconds, 2),
            "whisper_s_per_conversation": round(timed.seconds / max(1, len(rows)), 2),
            "whisper_share_of_render": round(timed.seconds / wall, 3),
            "clips_estimated": sum(r["word_times_estimated"] for r in rows),
            "estimate_vs_whisper_boundary": summary(boundaries),
            "barge_in_cuts": cuts, "cuts_keeping_other_words_with_the_estimate": differing}


def run(per_kind: int) -> dict:
    from synth_assets.asr.transcriber import Transcriber

    transcriber = Transcriber()
    transcriber.ensure_loaded()
    texts = spoken_turns(per_kind)
    return {"against_alignment": {voice: against_alignment(speak, transcriber, texts)
                                  for voice, speak in voices_with_truth().items()},
            "conversations": on_conversations(transcriber, per_kind)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-kind", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    print(json.dumps(run(args.per_kind), indent=2))


if __name__ == "__main__":
    main()
