"""`synth voices`: the voice registry with a card per voice, voice design by blending, and the voice gate.

    synth voices [--json]                                   list voices and their cards
    synth voices blend jm_kumo:0.7 jf_gongitsune:0.3 --name my-voice --gender male [--pitch -1] [--speed 1.0]
    synth voices gate [VOICE ...] [--write]                 measure voices and judge them
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def voice_rows() -> list[dict]:
    """Every registered voice: its registry entry, whether it loads here, its hash and its card."""
    from synth_assets.tts.gate import load_cards
    from synth_assets.tts.registry import REGISTRY, is_available, model_hash

    cards = load_cards()
    rows = []
    for voice in REGISTRY.values():
        available = is_available(voice.id)
        row = {**voice.to_dict(), "available": available}
        row["engine"] = row.pop("family")
        row["engine_kind"] = voice.engine
        row["model_hash"] = model_hash(voice.id) if available else None
        card = cards.get(voice.id)
        row["card"] = card.to_dict() if card is not None else None
        rows.append(row)
    return rows


def cmd_voices(args) -> int:
    if getattr(args, "action", None) == "blend":
        return cmd_blend(args)
    if getattr(args, "action", None) == "gate":
        return cmd_gate(args)
    rows = voice_rows()
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print(f"{'id':<28}{'engine':<10}{'gender':<8}{'accent':<22}{'F0':>6}{'WER':>7}{'MOS':>6}  "
          f"{'nearest (cosine)':<34}{'model hash':<18}license")
    for r in rows:
        card = r["card"] or {}
        f0 = "-" if card.get("median_f0_hz") is None else f"{card['median_f0_hz']:.0f}"
        wer = "-" if card.get("median_wer") is None else f"{card['median_wer']:.1%}"
        mos = card.get("mos") or r["quality_mos"]
        nearest = f"{card['nearest_voice']} ({card['nearest_similarity']:.2f})" if card.get("nearest_voice") else "-"
        print(f"{r['id']:<28}{r['engine']:<10}{r['gender']:<8}{r['accent']:<22}{f0:>6}{wer:>7}"
              f"{'-' if mos is None else f'{mos:.2f}':>6}  {nearest:<34}{(r['model_hash'] or 'not installed'):<18}"
              f"{r['license']}")
    return 0


def cmd_blend(args) -> int:
    """Add a Kokoro blend to a voices file (SYNTH_VOICES_FILE by default), after the gate unless --no-gate."""
    from synth_assets import settings
    from synth_assets.tts import kokoro_engine
    from synth_assets.tts.registry import REGISTRY, register, voice_from_dict

    target = Path(args.file or settings.voices_file() or "voices.json")
    entry = {"id": args.name, "engine": "kokoro", "gender": args.gender,
             "blend": [list(p) for p in kokoro_engine.parse_mix(args.mix)], "speed": args.speed, "pitch": args.pitch,
             "license": "Apache-2.0 (Kokoro-82M weights), MIT (ONNX export)"}
    if args.name in REGISTRY and args.name not in _file_ids(target):
        print(f"voice {args.name} already exists; pick another --name", file=sys.stderr)
        return 2
    try:
        voice = register(voice_from_dict(entry))
    except ValueError as error:
        print(f"cannot blend: {error}", file=sys.stderr)
        return 2
    if not args.no_gate:
        from synth_assets.tts.policy import DEFAULT_ASSISTANT_VOICE, DEFAULT_USER_VOICES

        against = args.against if args.against is not None else [*DEFAULT_USER_VOICES, DEFAULT_ASSISTANT_VOICE]
        (card,) = [c for c in _gate([*against, voice.id]) if c.id == voice.id]
        print(json.dumps(card.to_dict(), indent=2))
        if not card.passed:
            print(f"{voice.id} fails the voice gate: {'; '.join(card.reasons)}; not saved", file=sys.stderr)
            return 1
    entries = [e for e in _read(target) if e.get("id") != voice.id] + [entry]
    target.write_text(json.dumps(entries, indent=1) + "\n")
    print(f"{voice.id}: {voice.engine_spec.engine_voice} saved in {target} "
          f"(use it with SYNTH_VOICES_FILE={target})", file=sys.stderr)
    return 0


def cmd_gate(args) -> int:
    from synth_assets.tts.gate import save_cards
    from synth_assets.tts.policy import DEFAULT_ASSISTANT_VOICE, DEFAULT_USER_VOICES

    voice_ids = args.voices or [*DEFAULT_USER_VOICES, DEFAULT_ASSISTANT_VOICE]
    cards = _gate(voice_ids)
    print(json.dumps([c.to_dict() for c in cards], indent=2))
    if args.write:
        save_cards(cards)
    return 0 if all(c.passed for c in cards) else 1


def _gate(voice_ids: list[str]):
    from synth_assets.asr.transcriber import Transcriber
    from synth_assets.tts.gate import judge, measure_voice
    from synth_assets.tts.policy import VoicePolicy
    from synth_assets.tts.registry import REGISTRY

    policy, transcriber = VoicePolicy(), Transcriber()
    measures = [measure_voice(v, lambda vid, text: policy.synthesize(vid, text, seed=0), transcriber)
                for v in dict.fromkeys(voice_ids)]
    return judge(measures, REGISTRY)


def _read(path: Path) -> list[dict]:
    return json.loads(path.read_text()) if path.is_file() else []


def _file_ids(path: Path) -> set[str]:
    return {e.get("id") for e in _read(path)}


def register(sub) -> None:
    """Add `voices` (list, blend, gate) to the `synth` argument parser's subcommands."""
    voices = sub.add_parser("voices", help="the voice registry: cards, blends, the voice gate")
    voices.add_argument("--json", action="store_true", help="print a JSON list of voices with their cards")
    voices.set_defaults(func=cmd_voices, action=None)
    actions = voices.add_subparsers(dest="action")

    blend = actions.add_parser("blend", help="design a Kokoro voice as a weighted mix of style packs",
                               description="Style packs: jf_alpha, jf_gongitsune, jf_nezumi, jf_tebukuro (female), "
                               "jm_kumo (male). The voice must pass the voice gate against the default pool.")
    blend.add_argument("mix", nargs="+", metavar="PACK:WEIGHT")
    blend.add_argument("--name", required=True, help="the new voice id")
    blend.add_argument("--gender", required=True, choices=["female", "male"])
    blend.add_argument("--speed", type=float, default=1.0, help="speaking-rate factor (0.5-2.0)")
    blend.add_argument("--pitch", type=float, default=0.0, help="pitch offset in semitones (-6 to 6)")
    blend.add_argument("--file", help="voices file to add it to (default: $SYNTH_VOICES_FILE or voices.json)")
    blend.add_argument("--against", nargs="*", default=None,
                       help="voices it must sound distinct from (default: the default pool and the assistant)")
    blend.add_argument("--no-gate", action="store_true", help="save without measuring (not recommended)")
    blend.set_defaults(func=cmd_voices)

    gate = actions.add_parser("gate", help="measure voices (WER, MOS, F0, distinctness) and judge them")
    gate.add_argument("voices", nargs="*", help="voice ids (default: the default pool and the assistant voice)")
    gate.add_argument("--write", action="store_true", help="store the cards in synth_assets/tts/voice_cards.json")
    gate.set_defaults(func=cmd_voices)
