"""Real-recordings throughput: decode + resample (soxr VHQ to 24 kHz) + Silero VAD + cutting, and
Whisper labelling of the utterances, on generated two-channel 8 kHz "telephone calls".

Writes a call of ``--minutes`` (turns alternating between the channels, 1.5 s pauses) as a WAV,
runs the same code the ``recorded_speech`` and ``recording_labels`` assets run, and reports the
real-time factor (wall seconds per second of recording) of each step, and the labels' confidence.
The VAD step is measured twice: on a quiet line (-70 dBFS noise floor, where frames under -65 dBFS
skip the model) and on a noisy one (-45 dBFS, where every frame goes through Silero).

    .venv/bin/python -m benchmarks.recordings_bench [--minutes 3] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.asr_packing_bench import SENTENCES


def run_benchmark(minutes: float, workdir: Path) -> dict:
    import soundfile as sf

    from synth_assets.asr.transcriber import Transcriber
    from synth_assets.recordings.decode import cut, scan
    from synth_assets.recordings.synthetic import write_call
    from synth_assets.recordings.utterances import utterances

    # Sentences alternate channels until the call is long enough (~4.5 s per turn plus its pause).
    turns = [(i % 2, SENTENCES[i % len(SENTENCES)]) for i in range(max(2, int(minutes * 60 / 6)))]
    path, noisy = workdir / "call.wav", workdir / "noisy-call.wav"
    started = time.perf_counter()
    write_call(path, turns, rate=8000, pause_s=1.5, noise_dbfs=-70.0)
    made = time.perf_counter() - started
    write_call(noisy, turns, rate=8000, pause_s=1.5, noise_dbfs=-45.0)
    seconds = sf.info(str(path)).duration

    scan(path)  # warm-up: loads the VAD and soxr
    started = time.perf_counter()
    scan(noisy)
    scanned_noisy = time.perf_counter() - started
    started = time.perf_counter()
    recording = scan(path)
    scanned = time.perf_counter() - started
    spans = [utterances(p, recording.duration_s) for p in recording.probabilities]
    started = time.perf_counter()
    pieces = list(cut(path, recording, spans))
    cutting = time.perf_counter() - started

    asr = Transcriber()
    asr.transcribe(pieces[0][2], 24_000)  # warm-up: loads the model
    started = time.perf_counter()
    transcripts = [t for _, t in asr.transcribe_many((i, audio, 24_000) for i, (_, _, audio) in enumerate(pieces))]
    labelled = time.perf_counter() - started

    speech = sum(audio.size for _, _, audio in pieces) / 24_000
    report = {
        "recording_seconds": round(seconds, 1), "channels": 2, "source_rate": 8000, "turns": len(turns),
        "utterances": len(pieces), "speech_seconds": round(speech, 1),
        "silence_dropped_seconds": round(2 * seconds - speech, 1),
        "scan_rtf": round(scanned / seconds, 4), "scan_rtf_noisy_line": round(scanned_noisy / seconds, 4),
        "cut_rtf": round(cutting / seconds, 4),
        "decode_resample_vad_rtf": round((scanned + cutting) / seconds, 4),
        "label_seconds": round(labelled, 2), "label_rtf_per_recording_second": round(labelled / seconds, 4),
        "label_rtf_per_speech_second": round(labelled / speech, 4),
        "mean_confidence": round(statistics.fmean(t.confidence for t in transcripts), 4),
        "empty_transcripts": sum(1 for t in transcripts if not t.text),
        "tts_seconds_to_make_the_call": round(made, 1),
    }
    report["table"] = "\n".join([
        f"recording: {report['recording_seconds']} s, two channels at 8 kHz, {len(turns)} turns -> "
        f"{len(pieces)} utterances, {report['speech_seconds']} s of speech "
        f"({report['silence_dropped_seconds']} channel-seconds of silence dropped)",
        f"{'step (both channels)':<38}{'wall s':>8}{'RTF':>9}",
        f"{'decode + VAD, quiet line (-70 dBFS)':<38}{scanned:>8.2f}{report['scan_rtf']:>9.4f}",
        f"{'decode + VAD, noisy line (-45 dBFS)':<38}{scanned_noisy:>8.2f}{report['scan_rtf_noisy_line']:>9.4f}",
        f"{'decode + soxr VHQ to 24 kHz + cut':<38}{cutting:>8.2f}{report['cut_rtf']:>9.4f}",
        f"{'Whisper tiny.en labels (packed)':<38}{labelled:>8.2f}{report['label_rtf_per_recording_second']:>9.4f}"
        f"   ({report['label_rtf_per_speech_second']} per speech second)",
        f"mean confidence {report['mean_confidence']}, empty transcripts {report['empty_transcripts']}",
    ])
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="recordings-bench-") as workdir:
        report = run_benchmark(args.minutes, Path(workdir))
    print(json.dumps(report, indent=2) if args.json else report["table"])


if __name__ == "__main__":
    main()
