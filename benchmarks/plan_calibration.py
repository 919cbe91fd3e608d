"""`synth plan`'s default rates, measured again from a finished demo.

    python -m benchmarks.plan_calibration --data DIR --home DAGSTER_HOME --summary SUMMARY.json

Run `synth --data DIR demo --json > SUMMARY.json` (with DAGSTER_HOME set) on a quiet machine from an empty
data folder first. This reads the step times that run recorded (the same figures `synth plan` reads from an
instance) and prints:
- what the plan predicted before the run (the defaults) and what the run took (wall, audio hours);
- the DEFAULT_RATES row for the run's voice pool that makes the plan's wall-time model meet the measured
  wall time: the stages' step seconds over the bundled sample in their measured proportions, scaled so that
  `wall_seconds` for the run's worker count equals the run's wall time (steps of two workers side by side
  each take longer than alone, so their sum is not the work one worker does);
- the conversation figures the run measured (conversations per instruction and per article, mean length).

The last line printed is one JSON object with all of it.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from synth_assets import settings
from synth_assets.core import names


def calibrate(data: Path, home: Path, summary: dict) -> dict:
    from resources.storage import LocalStorage
    from synth_assets.drivers import plan
    from synth_assets.drivers.instance import ensure_instance

    sample = plan.measure_text(LocalStorage(root=str(settings.SAMPLE_LANDING)), None)
    pool = plan.pool_name(settings.voice_choice().get("user_voices", ["kokoro"]))
    defaults = plan.default_rates(sample, pool)
    plan.estimate(sample, defaults)
    workers = int(summary["workers"])
    predicted = {"wall_s": round(plan.wall_seconds(sample, workers), 1),
                 "audio_hours": round(sum(p.speech_s + p.conversation_s for p in sample) / 3600, 3)}

    measured = plan.measured_rates(ensure_instance(home), LocalStorage(root=str(data)), defaults)
    plan.estimate(sample, measured)
    fixed = plan.STARTUP_S + plan.OVERHEAD_S_PER_PARTITION * len(sample)
    unscaled = plan.wall_seconds(sample, workers) - fixed
    scale = (float(summary["wall_seconds"]) - fixed) / unscaled
    units = {unit: sum(p.units(unit) for p in sample) for unit in set(plan.STAGE_UNIT.values())}
    table = {stage: round(measured.step_s_per_unit[stage] * units[unit] * scale, 1)
             for stage, unit in plan.STAGE_UNIT.items()
             if stage not in (names.RECORDED_SPEECH, names.RECORDING_LABELS) and stage not in plan.TEXT_STAGES}
    table["text"] = round(sum(measured.step_s_per_unit[s] for s in plan.TEXT_STAGES) * units["document_chars"]
                          * scale, 1)
    return {
        "pool": pool, "workers": workers, "predicted_before": predicted,
        "took": {"wall_s": summary["wall_seconds"],
                 "audio_hours": round((summary["audio_seconds"] + summary["conversation_hours"] * 3600) / 3600, 3),
                 "clips": summary["clips"], "conversations": sum(summary["conversations_by_kind"].values())},
        "scale_of_side_by_side_steps": round(scale, 3),
        "default_rates": table,
        "conversations_per_instruction": round(measured.conversations_per_instruction, 3),
        "conversations_per_article": round(measured.conversations_per_article, 3),
        "safety_factor": round(measured.safety_factor, 3),
        "conversation_s": round(measured.conversation_s, 1),
        "chars_per_speech_s": round(measured.chars_per_speech_s, 2),
        "measured_from": measured.measured_from,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="the demo's data folder")
    parser.add_argument("--home", type=Path, required=True, help="the demo's Dagster home")
    parser.add_argument("--summary", type=Path, required=True, help="`synth demo --json`'s output")
    args = parser.parse_args()
    text = args.summary.read_text()
    result = calibrate(args.data, args.home, json.loads(text[text.index("{"):]))
    for key, value in result.items():
        print(f"{key:32} {value}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
