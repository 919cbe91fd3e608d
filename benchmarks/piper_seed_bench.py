"""What seeding Piper costs: the packaged Piper voice with its own in-graph noise (onnxruntime's
generator, not reproducible) against the seeded model synth_assets uses (noise inputs fed from a
NumPy generator seeded by the clip: synth_assets/tts/piper_noise.py), on the same ~5 s sentences,
speeds and noise scales, one engine thread each. The two are run in alternation, so load from
other work on the machine falls on both alike. RTF is seconds per audio second, by wall time and
by this process's CPU time (lower is faster). It also reports whether each repeats a clip given its seed.

    .venv/bin/python -m benchmarks.piper_seed_bench [--clips 12] [--repeats 3] [--json]
"""

from __future__ import annotations

import argparse
import json
import time


def unseeded_speak(threads: int = 1):
    """Piper as it was: the packaged .onnx, its RandomNormalLike ops drawing from onnxruntime."""
    import numpy as np
    import onnxruntime
    from piper import PiperConfig, PiperVoice, SynthesisConfig

    from synth_assets.tts.engines import piper_model_path

    path = piper_model_path("joe")
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = threads
    voice = PiperVoice(config=PiperConfig.from_dict(json.loads(open(f"{path}.json", encoding="utf-8").read())),
                       session=onnxruntime.InferenceSession(str(path), sess_options=options,
                                                            providers=["CPUExecutionProvider"]))

    def speak(text, speed, seed, noise_scale=None, noise_w_scale=None):
        config = SynthesisConfig(length_scale=1.0 / speed, noise_scale=noise_scale, noise_w_scale=noise_w_scale)
        chunks = list(voice.synthesize(text, syn_config=config))
        return np.concatenate([c.audio_float_array for c in chunks]), chunks[0].sample_rate

    return speak


def seeded_speak(threads: int = 1):
    from synth_assets.tts.engines import load_piper

    return load_piper("joe", threads)


def jobs(count: int) -> list[tuple[str, float, int, dict]]:
    import random

    from benchmarks.asr_packing_bench import SENTENCES

    rng = random.Random(0)
    return [(SENTENCES[i % len(SENTENCES)], round(rng.uniform(0.95, 1.05), 3), 1000 + i,
             {"noise_scale": round(rng.uniform(0.6, 0.75), 3), "noise_w_scale": round(rng.uniform(0.7, 0.9), 3)})
            for i in range(count)]


def one_pass(speak, planned) -> tuple[float, float, float]:
    """(wall s, CPU s, audio s) for the planned clips."""
    wall, cpu, audio = time.perf_counter(), time.process_time(), 0.0
    for text, speed, seed, variation in planned:
        samples, rate = speak(text, speed, seed, **variation)
        audio += samples.size / rate
    return time.perf_counter() - wall, time.process_time() - cpu, audio


def repeats_itself(speak, planned) -> bool:
    import numpy as np

    text, speed, seed, variation = planned[0]
    first = speak(text, speed, seed, **variation)[0]
    speak(*planned[1][:3], **planned[1][3])
    return np.array_equal(first, speak(text, speed, seed, **variation)[0])


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=12)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    planned = jobs(args.clips)
    engines = {"unseeded (before)": unseeded_speak(), "seeded (after)": seeded_speak()}
    totals = {name: [0.0, 0.0, 0.0] for name in engines}
    for name, speak in engines.items():
        one_pass(speak, planned[:2])  # warm-up
    for _ in range(args.repeats):
        for name, speak in engines.items():
            for i, value in enumerate(one_pass(speak, planned)):
                totals[name][i] += value
    result = {name: {"rtf_wall": round(w / a, 4), "rtf_cpu": round(c / a, 4), "audio_s": round(a, 1),
                     "repeats_given_seed": repeats_itself(engines[name], planned)}
              for name, (w, c, a) in totals.items()}
    before, after = result["unseeded (before)"], result["seeded (after)"]
    result["cpu_cost_of_seeding"] = f"{100 * (after['rtf_cpu'] / before['rtf_cpu'] - 1):+.1f} %"
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"Piper en_US-joe-medium, {args.clips} clips x {args.repeats} repeats, 1 thread")
        print(f"{'model':<20}{'RTF wall':>10}{'RTF CPU':>10}{'audio s':>10}  repeats given seed")
        for name in engines:
            r = result[name]
            print(f"{name:<20}{r['rtf_wall']:>10.4f}{r['rtf_cpu']:>10.4f}{r['audio_s']:>10.1f}  {r['repeats_given_seed']}")
        print(f"CPU cost of seeding: {result['cpu_cost_of_seeding']}")
    return result


if __name__ == "__main__":
    main()
