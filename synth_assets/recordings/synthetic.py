"""Two-channel "telephone calls" made with TTS, where we know what was said, on which channel and
when: the bundled sample recording, the tests and the benchmark use them.

Each turn is voiced by hibari (24 kHz), trimmed to its speech, placed on its speaker's channel
after a pause, and the whole call is band-limited to the telephone rate (8 kHz by default) with a
faint noise floor, so silence is not digital zero.

    python -m synth_assets.recordings.synthetic OUT.flac     # writes the bundled sample call
"""

from __future__ import annotations

import functools
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

TTS_RATE = 24_000


@dataclass(frozen=True)
class PlacedTurn:
    channel: int  # 0 = left (caller), 1 = right (agent)
    text: str
    start: float  # seconds in the call where its speech starts...
    end: float  # ...and ends


SAMPLE_CALL = [
    (0, "Hello, I am calling about a parcel that should have arrived on Tuesday."),
    (1, "Thank you for calling. Could you read me the tracking number?"),
    (0, "Yes, it starts with K M, then four, seven, two, nine."),
    (1, "I found it. The parcel is waiting for you at the depot."),
]
# The bundled sample: a ~1 LSB noise floor and short pauses keep its FLAC under 200 KB.
SAMPLE_OPTIONS = {"noise_dbfs": -90.0, "pause_s": 1.2}


@functools.lru_cache(maxsize=1)
def _hibari():
    import hibari

    return hibari.Hibari()


def speak(text: str, seed: int, speed: float = 1.0) -> np.ndarray:
    """24 kHz speech with the leading and trailing silence trimmed."""
    audio = np.asarray(_hibari()(text, speed=speed, seed=seed), np.float32)
    loud = np.flatnonzero(np.abs(audio) > 0.01)
    return audio[loud[0]:loud[-1] + 1] if loud.size else audio


def telephone_call(turns: list[tuple[int, str]], *, rate: int = 8000, lead_s: float = 1.0, pause_s: float = 1.5,
                   tail_s: float = 1.0, noise_dbfs: float = -70.0,
                   seed: int = 7) -> tuple[np.ndarray, list[PlacedTurn]]:
    """(stereo float32 audio at ``rate``, where each turn's speech lies)."""
    voiced = [(channel, text, speak(text, seed=seed + i, speed=1.0 if channel == 0 else 0.92))
              for i, (channel, text) in enumerate(turns)]
    total = lead_s + sum(a.size / TTS_RATE for _, _, a in voiced) + pause_s * (len(voiced) - 1) + tail_s
    call = np.zeros((int(total * TTS_RATE) + 1, 2), np.float32)
    placed, cursor = [], lead_s
    for channel, text, audio in voiced:
        start = int(round(cursor * TTS_RATE))
        call[start:start + audio.size, channel] = audio
        placed.append(PlacedTurn(channel, text, round(cursor, 3), round(cursor + audio.size / TTS_RATE, 3)))
        cursor += audio.size / TTS_RATE + pause_s
    # soxr's low-pass on the way down is the telephone band limit.
    out = soxr.resample(call, TTS_RATE, rate, quality="VHQ") if rate != TTS_RATE else call
    noise = np.random.default_rng(seed).standard_normal(out.shape).astype(np.float32) * 10 ** (noise_dbfs / 20)
    return np.clip(out + noise, -1.0, 1.0).astype(np.float32), placed


def write_call(path: Path, turns: list[tuple[int, str]] = SAMPLE_CALL, *, rate: int = 8000,
               **options) -> list[PlacedTurn]:
    audio, placed = telephone_call(turns, rate=rate, **options)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    subtype = "PCM_16" if path.suffix.lower() in (".wav", ".flac") else None
    sf.write(str(path), audio, rate, subtype=subtype)
    return placed


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "call.flac")
    for turn in write_call(target, **SAMPLE_OPTIONS):
        print(f"{['left', 'right'][turn.channel]:>5} {turn.start:6.2f}-{turn.end:6.2f}  {turn.text}")
    print(f"wrote {target} ({target.stat().st_size:,} bytes)")
