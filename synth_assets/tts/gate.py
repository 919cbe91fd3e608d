"""The voice gate and the voice cards: what each voice sounds like, measured, before it may be used.

Every voice speaks a fixed set of sentences (ours). The clips are transcribed back with Whisper
(the ``Transcriber``), rated with DNSMOS (quality/mos.py, from the speechmos wheel), and embedded
with Resemblyzer's GE2E speaker encoder (its wheel ships ``pretrained.pt``). A voice passes when:

- its median round-trip WER is at most ``MAX_MEDIAN_WER``;
- its median DNSMOS overall is at least ``MIN_MOS``;
- its speaker embedding's cosine similarity to every other pool voice (the assistant's included)
  is below ``MAX_SIMILARITY``: two voices above it sound like one person.

``MAX_SIMILARITY`` was calibrated on this machine (benchmarks/voices_bench.py, docs/voices.md): the
two halves of one voice's sentences score 0.97-0.98 against each other, Kokoro blends at one pitch
0.91-0.95 (one person, slightly changed), and one style pack 2.5 semitones apart 0.80.

A card (``VoiceCard``) holds what the gate measured plus the voice's registry facts; the default
pool's cards ship in ``voice_cards.json`` beside this module, written by ``synth voices gate``.
"""

from __future__ import annotations

import functools
import json
import statistics
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterable

import numpy as np

from synth_assets.core.audio import SAMPLE_RATE, resample

MAX_MEDIAN_WER = 0.05
MIN_MOS = 2.8
MAX_SIMILARITY = 0.80
EMBEDDING_RATE = 16_000
CARDS_FILE = Path(__file__).with_name("voice_cards.json")

# Plain sentences a speech assistant hears, with no numbers or names an ASR may spell its own way.
GATE_SENTENCES = (
    "Could you tell me how long it takes to walk to the station from here?",
    "I would like to book a table for dinner on Friday evening.",
    "The weather has been cold and windy all week, so I stayed inside.",
    "Please remind me to water the plants before I leave the house.",
    "What is the difference between a lake and a pond?",
    "My brother bought a new bicycle and rides it to work every morning.",
    "Can you explain why the sky looks blue during the day?",
    "We should clean the kitchen after we finish cooking.",
)


@dataclass
class VoiceMeasure:
    """What the gate measured for one voice on the fixed sentences."""

    voice_id: str
    wers: list[float]
    mos: list[float]
    f0_hz: float  # median fundamental frequency over voiced frames
    words_per_second: float
    rtf: float  # synthesis seconds per second of audio, bare engine in this process
    embedding: np.ndarray = field(repr=False)
    self_similarity: float | None = None  # its two halves of sentences against each other
    transcripts: list[str] = field(default_factory=list, repr=False)

    @property
    def median_wer(self) -> float:
        return float(statistics.median(self.wers))

    @property
    def median_mos(self) -> float:
        return float(statistics.median(self.mos))


@dataclass
class VoiceCard:
    """One voice, for `synth voices --json` and the UI: registry facts plus gate figures."""

    id: str
    engine: str
    license: str
    accent: str
    gender: str
    median_f0_hz: float | None = None
    words_per_second: float | None = None
    median_wer: float | None = None
    mos: float | None = None
    rtf: float | None = None
    nearest_voice: str | None = None
    nearest_similarity: float | None = None
    passed: bool | None = None
    reasons: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


# -- measuring ---------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def _encoder():
    from resemblyzer import VoiceEncoder

    return VoiceEncoder(device="cpu", verbose=False)


def clip_embeddings(clips: Iterable[np.ndarray]) -> np.ndarray:
    """One unit-length GE2E embedding per 24 kHz clip."""
    from resemblyzer import preprocess_wav

    encoder = _encoder()
    return np.stack([encoder.embed_utterance(preprocess_wav(resample(c, SAMPLE_RATE, EMBEDDING_RATE), EMBEDDING_RATE))
                     for c in clips])


def unit_mean(vectors: np.ndarray) -> np.ndarray:
    mean = np.mean(vectors, axis=0)
    return mean / np.linalg.norm(mean)


def speaker_embedding(clips: Iterable[np.ndarray]) -> np.ndarray:
    """The unit-length mean GE2E embedding of 24 kHz clips (one speaker)."""
    return unit_mean(clip_embeddings(clips))


def split_half_similarity(vectors: np.ndarray) -> float:
    """Cosine between the mean embeddings of one voice's two halves of sentences: the same-speaker
    baseline that MAX_SIMILARITY is calibrated against."""
    half = len(vectors) // 2
    return float(unit_mean(vectors[:half]) @ unit_mean(vectors[half:]))


def median_f0(audio: np.ndarray, rate: int = SAMPLE_RATE) -> float:
    """Median F0 (YIN, 50-500 Hz) of the loud frames: within 20 dB of the loudest, where speech is voiced.
    YIN rather than pYIN: a tenth of the time, and the median hides its rare octave errors."""
    import librosa

    audio16 = resample(audio, rate, EMBEDDING_RATE)
    frame, hop = 1024, 256
    f0 = librosa.yin(audio16, fmin=50, fmax=500, sr=EMBEDDING_RATE, frame_length=frame, hop_length=hop)
    rms = librosa.feature.rms(y=audio16, frame_length=frame, hop_length=hop)[0][: f0.size]
    loud = f0[: rms.size][rms >= rms.max() * 0.1] if rms.size else f0[:0]
    return float(np.median(loud)) if loud.size else float("nan")


def measure_voice(voice_id: str, synthesize, transcriber, sentences: tuple[str, ...] = GATE_SENTENCES) -> VoiceMeasure:
    """Speak ``sentences`` with ``synthesize(voice_id, text)`` (24 kHz), then transcribe, rate and embed them."""
    from quality.metrics import wer
    from quality.mos import dnsmos

    clips, spent = [], 0.0
    for text in sentences:
        started = time.perf_counter()
        clips.append(synthesize(voice_id, text))
        spent += time.perf_counter() - started
    seconds = sum(c.size for c in clips) / SAMPLE_RATE
    transcripts = [t.text for _, t in transcriber.transcribe_many((i, c, SAMPLE_RATE) for i, c in enumerate(clips))]
    words = sum(len(s.split()) for s in sentences)
    vectors = clip_embeddings(clips)
    return VoiceMeasure(
        voice_id=voice_id,
        wers=[round(wer(s, t), 4) for s, t in zip(sentences, transcripts)],
        mos=[dnsmos(c, SAMPLE_RATE).overall for c in clips],
        f0_hz=round(median_f0(np.concatenate(clips)), 1),
        words_per_second=round(words / seconds, 2),
        rtf=round(spent / seconds, 3),
        embedding=unit_mean(vectors),
        self_similarity=round(split_half_similarity(vectors), 3),
        transcripts=transcripts,
    )


# -- judging -----------------------------------------------------------------------------------------

def similarity_matrix(measures: list[VoiceMeasure]) -> np.ndarray:
    embeddings = np.stack([m.embedding for m in measures])
    return embeddings @ embeddings.T


def judge(measures: list[VoiceMeasure], registry: dict, *, max_wer: float = MAX_MEDIAN_WER, min_mos: float = MIN_MOS,
          max_similarity: float = MAX_SIMILARITY) -> list[VoiceCard]:
    """A card per measured voice, with the gate's verdict and its reasons."""
    matrix = similarity_matrix(measures)
    cards = []
    for i, measure in enumerate(measures):
        voice = registry[measure.voice_id]
        others = [(float(matrix[i, j]), measures[j].voice_id) for j in range(len(measures)) if j != i]
        similarity, nearest = max(others) if others else (None, None)
        reasons = []
        if measure.median_wer > max_wer:
            reasons.append(f"median WER {measure.median_wer:.1%} is over {max_wer:.0%}")
        if measure.median_mos < min_mos:
            reasons.append(f"MOS {measure.median_mos:.2f} is under {min_mos}")
        if similarity is not None and similarity >= max_similarity:
            reasons.append(f"sounds like {nearest} (cosine {similarity:.3f} >= {max_similarity})")
        cards.append(VoiceCard(
            id=voice.id, engine=voice.family or voice.engine, license=voice.license, accent=voice.accent,
            gender=voice.gender, median_f0_hz=measure.f0_hz, words_per_second=measure.words_per_second,
            median_wer=round(measure.median_wer, 4), mos=round(measure.median_mos, 3), rtf=measure.rtf,
            nearest_voice=nearest, nearest_similarity=None if similarity is None else round(similarity, 3),
            passed=not reasons, reasons=reasons))
    return cards


def spread_shares(voice_ids: Iterable[str], genders: dict[str, str], female_share: float) -> dict[str, float]:
    """The share of user clips each voice should take: its gender's share, split evenly."""
    voice_ids = list(voice_ids)
    counts = {g: sum(genders[v] == g for v in voice_ids) for g in ("female", "male")}
    if not counts["female"] or not counts["male"]:
        return {v: 1.0 / len(voice_ids) for v in voice_ids}
    share = {"female": female_share, "male": 1.0 - female_share}
    return {v: share[genders[v]] / counts[genders[v]] for v in voice_ids}


# -- the shipped cards -------------------------------------------------------------------------------

def load_cards(path: Path = CARDS_FILE) -> dict[str, VoiceCard]:
    if not path.is_file():
        return {}
    return {entry["id"]: VoiceCard(**entry) for entry in json.loads(path.read_text())}


def save_cards(cards: Iterable[VoiceCard], path: Path = CARDS_FILE) -> None:
    merged = {**load_cards(path), **{c.id: c for c in cards}}
    path.write_text(json.dumps([c.to_dict() for c in merged.values()], indent=1) + "\n")
