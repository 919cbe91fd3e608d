"""Whisper through transformers: ``WhisperForConditionalGeneration`` from a local HF folder.

Decoding is our own greedy loop over the model's forward pass rather than ``model.generate``:
generate's token-suppression processors call ``torch.isin`` over the vocabulary at every step,
which costs ~0.4 s a call with this CPU build of torch (more than the model itself), and its
timestamp/segment API moves between transformers releases. The loop follows openai-whisper's
greedy decoding with timestamps (the rules faster-whisper also applies), seeks through audio longer
than one 30 s window, and times words from the alignment heads' cross-attention
(synth_assets/asr/alignment.py). The result has the faster-whisper backend's shape.

Greedy only (beam_size 1), no temperature fallback: what the pseudo-labelling uses.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
from pathlib import Path

import numpy as np

from synth_assets.asr import alignment as align
from synth_assets.core.audio import WHISPER_RATE

HOP = 160  # samples per mel frame
WINDOW_FRAMES = 3000  # 30 s of mel frames: what the encoder always sees
TIME_PRECISION = 0.02  # seconds per timestamp token, and per encoder frame
MAX_INITIAL_TIMESTAMP = 1.0  # the first segment must start in the first second (openai default)


class ModelFolderError(ValueError):
    """A folder that is not a usable Hugging Face Whisper checkpoint."""


def check_hf_folder(folder: Path) -> None:
    missing = [name for name in ("config.json", "preprocessor_config.json", "tokenizer.json")
               if not (folder / name).is_file()]
    weights = list(folder.glob("*.safetensors")) + list(folder.glob("pytorch_model*.bin"))
    if not folder.is_dir() or missing or not weights:
        hint = " (it holds a CTranslate2 model.bin: convert it with `synth convert-whisper`)" if (
            folder / "model.bin").is_file() else ""
        what = "does not exist" if not folder.is_dir() else "lacks " + ", ".join(
            missing + ([] if weights else ["*.safetensors weights"]))
        raise ModelFolderError(f"{folder} is not a Hugging Face Whisper checkpoint: it {what}{hint}")
    config = json.loads((folder / "config.json").read_text())
    if config.get("model_type") != "whisper":
        raise ModelFolderError(f"{folder} is not a Whisper checkpoint (model_type {config.get('model_type')!r})")


class TransformersWhisper:
    """One loaded HF Whisper model. ``segments(audio16, language)`` -> (segments, language)."""

    def __init__(self, folder: str | Path, *, device: str | None = None, threads: int = 2, decoder_threads: int = 1):
        folder = Path(folder)
        check_hf_folder(folder)
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a local folder only: never reach for the Hub
        import tokenizers
        import torch
        from faster_whisper.tokenizer import Tokenizer
        from transformers import WhisperFeatureExtractor, WhisperForConditionalGeneration

        self.torch, self.threads, self.decoder_threads = torch, threads, decoder_threads
        torch.set_num_threads(threads)
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        dtype = torch.float16 if self.device == "cuda" else torch.float32  # CPU half matmuls are slow
        self.model = WhisperForConditionalGeneration.from_pretrained(
            folder, local_files_only=True, dtype=dtype).to(self.device).eval()
        self.dtype = dtype
        self.features = WhisperFeatureExtractor.from_pretrained(folder, local_files_only=True)
        config, generation = self.model.config, self.model.generation_config
        self.multilingual = config.vocab_size >= 51865
        self.hf_tokenizer = tokenizers.Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._make_tokenizer = lambda language: Tokenizer(self.hf_tokenizer, self.multilingual, task="transcribe",
                                                          language=language)
        heads = getattr(generation, "alignment_heads", None) or [
            [layer, head] for layer in range(config.decoder_layers // 2, config.decoder_layers)
            for head in range(config.decoder_attention_heads)]
        self.alignment_heads = [(int(layer), int(head)) for layer, head in heads]
        self.lang_to_id = dict(getattr(generation, "lang_to_id", None) or {}) or self._language_tokens()
        self.extra_suppress = list(getattr(generation, "suppress_tokens", None) or [])
        self._masks: dict[str, tuple] = {}

    def _language_tokens(self) -> dict[str, int]:
        """For checkpoints whose generation config lists no languages: Whisper's own codes."""
        from faster_whisper.tokenizer import _LANGUAGE_CODES

        ids = {f"<|{code}|>": self.hf_tokenizer.token_to_id(f"<|{code}|>") for code in _LANGUAGE_CODES}
        return {token: i for token, i in ids.items() if i is not None}

    # -- decoding -------------------------------------------------------------------------------

    def _suppression(self, tokenizer):
        """(always suppressed, suppressed at the first step) as boolean vocabulary masks."""
        key = tokenizer.language_code
        if key not in self._masks:
            torch, vocab = self.torch, self.model.config.vocab_size
            always = set(tokenizer.non_speech_tokens) | set(self.extra_suppress) | {
                tokenizer.transcribe, tokenizer.translate, tokenizer.sot, tokenizer.sot_prev, tokenizer.sot_lm}
            always.discard(None)
            always_mask = torch.zeros(vocab, dtype=torch.bool, device=self.device)
            always_mask[[t for t in always if 0 <= t < vocab]] = True
            begin_mask = torch.zeros(vocab, dtype=torch.bool, device=self.device)
            begin_mask[tokenizer.encode(" ") + [tokenizer.eot]] = True  # no blank start
            self._masks[key] = (always_mask, begin_mask)
        return self._masks[key]

    def _apply_timestamp_rules(self, logits, tokens: list[int], tokenizer) -> None:
        """openai-whisper's ApplyTimestampRules for one sequence, in place."""
        torch, begin, eot = self.torch, tokenizer.timestamp_begin, tokenizer.eot
        logits[tokenizer.no_timestamps] = -math.inf
        last_was_ts = len(tokens) >= 1 and tokens[-1] >= begin
        penultimate_was_ts = len(tokens) < 2 or tokens[-2] >= begin
        if last_was_ts:
            if penultimate_was_ts:  # a pair just closed: text (or eot) must follow
                logits[begin:] = -math.inf
            else:  # an open timestamp: only another timestamp or eot
                logits[:eot] = -math.inf
        timestamps = [t for t in tokens if t >= begin]
        if timestamps:  # timestamps never go back, and a segment has a non-zero length
            floor = timestamps[-1] if last_was_ts and not penultimate_was_ts else timestamps[-1] + 1
            logits[begin:floor] = -math.inf
        if not tokens:  # start with a timestamp, within the first second
            logits[:begin] = -math.inf
            logits[begin + int(MAX_INITIAL_TIMESTAMP / TIME_PRECISION) + 1:] = -math.inf
        logprobs = torch.log_softmax(logits.float(), dim=-1)
        if torch.logsumexp(logprobs[begin:], dim=-1) > logprobs[:begin].max():
            logits[:begin] = -math.inf  # all timestamps together beat any single text token

    def _greedy(self, encoder_out, tokenizer) -> tuple[list[int], float]:
        """Tokens after the sot sequence (text and timestamps, no eot) and the average log-prob."""
        torch = self.torch
        from transformers.cache_utils import DynamicCache, EncoderDecoderCache

        always, at_begin = self._suppression(tokenizer)
        cache = EncoderDecoderCache(DynamicCache(), DynamicCache())
        step_input = torch.tensor([tokenizer.sot_sequence], device=self.device)
        tokens: list[int] = []
        total_logprob = 0.0
        max_tokens = self.model.config.max_target_positions // 2 - len(tokenizer.sot_sequence)
        decoder = self.model.model.decoder
        for _ in range(max_tokens):
            hidden = decoder(step_input, None, encoder_out, cache, use_cache=True).last_hidden_state[0, -1]
            logits = self.model.proj_out(hidden).float()
            logits[always] = -math.inf
            if not tokens:
                logits[at_begin] = -math.inf
            self._apply_timestamp_rules(logits, tokens, tokenizer)
            token = int(torch.argmax(logits))
            total_logprob += float(torch.log_softmax(logits, dim=-1)[token])
            if token == tokenizer.eot:
                break
            tokens.append(token)
            step_input = torch.tensor([[token]], device=self.device)
        return tokens, total_logprob / (len(tokens) + 1)

    def _detect_language(self, encoder_out) -> str:
        torch = self.torch
        sot = self.hf_tokenizer.token_to_id("<|startoftranscript|>")
        hidden = self.model.model.decoder(torch.tensor([[sot]], device=self.device), None,
                                          encoder_out).last_hidden_state[0, -1]
        logits = self.model.proj_out(hidden).float()
        tokens, ids = zip(*self.lang_to_id.items())
        best = tokens[int(torch.argmax(logits[list(ids)]))]
        return best.strip("<|>")

    # -- word timing ----------------------------------------------------------------------------

    def _align(self, encoder_out, tokenizer, text_tokens: list[int], num_frames: int) -> list[dict]:
        """Word timings for the text tokens of one window (seconds into the window)."""
        if not text_tokens:
            return []
        torch = self.torch
        sequence = tokenizer.sot_sequence + [tokenizer.no_timestamps] + text_tokens + [tokenizer.eot]
        layers = sorted({layer for layer, _ in self.alignment_heads})
        captured: dict[tuple[int, str], object] = {}
        hooks = []
        for layer in layers:
            attention = self.model.model.decoder.layers[layer].encoder_attn
            for part in ("q_proj", "k_proj"):
                hooks.append(getattr(attention, part).register_forward_hook(
                    lambda _m, _i, out, key=(layer, part): captured.__setitem__(key, out)))
        try:
            hidden = self.model.model.decoder(torch.tensor([sequence], device=self.device), None,
                                              encoder_out).last_hidden_state[0]
        finally:
            for hook in hooks:
                hook.remove()
        # Text-token probabilities over the text vocabulary only, as openai-whisper does.
        first = len(tokenizer.sot_sequence)  # the no-timestamps position predicts the first text token
        logits = self.model.proj_out(hidden[first:first + len(text_tokens)]).float()[:, :tokenizer.eot]
        probs = torch.softmax(logits, dim=-1)[torch.arange(len(text_tokens)), torch.tensor(text_tokens)]
        config = self.model.config
        head_dim = config.d_model // config.decoder_attention_heads
        scores = []
        for layer, head in self.alignment_heads:
            q = captured[(layer, "q_proj")][0].view(len(sequence), -1, head_dim)[:, head]
            k = captured[(layer, "k_proj")][0].view(encoder_out.shape[1], -1, head_dim)[:, head]
            scores.append((q.float() @ k.float().T) * head_dim ** -0.5)
        qk = torch.stack(scores).cpu().numpy()
        text_indices, time_indices = align.token_frames(qk, num_frames, len(tokenizer.sot_sequence))
        return align.word_timings(tokenizer, text_tokens, text_indices, time_indices, probs.cpu().numpy())

    # -- the window loop ------------------------------------------------------------------------

    @contextlib.contextmanager
    def _decoder_threads(self):
        """One token at a time is a string of tiny ops: more threads only add synchronisation
        (several times slower when the cores are busy), so the decoder runs on one CPU thread and
        the encoder, one big batch, on ``threads``."""
        if self.device != "cpu" or self.decoder_threads == self.threads:
            yield
            return
        self.torch.set_num_threads(self.decoder_threads)
        try:
            yield
        finally:
            self.torch.set_num_threads(self.threads)

    def _encode(self, window: np.ndarray):
        features = self.features(window, sampling_rate=WHISPER_RATE, return_tensors="pt").input_features
        return self.model.model.encoder(features.to(self.device, self.dtype)).last_hidden_state

    def segments(self, audio16: np.ndarray, language: str | None = None) -> tuple[list[dict], str]:
        """Segments ({start, end, avg_logprob, words}) and the language for 16 kHz mono audio."""
        with self.torch.inference_mode():
            return self._segments(np.asarray(audio16, np.float32), language)

    def _segments(self, audio: np.ndarray, language: str | None) -> tuple[list[dict], str]:
        """openai-whisper's seek loop: decode a 30 s window, keep its closed segments, move on to
        where the last one ended (or past the window), until the audio runs out."""
        total_frames = math.ceil(audio.size / HOP)
        tokenizer, out, seek, last_speech = None, [], 0, 0.0
        while seek < total_frames:
            window_frames = min(WINDOW_FRAMES, total_frames - seek)
            encoder_out = self._encode(audio[seek * HOP:(seek + WINDOW_FRAMES) * HOP])
            if tokenizer is None:
                if self.multilingual and language is None:
                    language = self._detect_language(encoder_out)
                tokenizer = self._make_tokenizer(language if self.multilingual else None)
            with self._decoder_threads():
                segments, advance, last_speech = self._window(encoder_out, tokenizer, seek * HOP / WHISPER_RATE,
                                                              window_frames, last_speech)
            out.extend(segments)
            seek += advance
        language = language if self.multilingual else "en"
        return [_public(s, tokenizer) for s in out if any(t < tokenizer.eot for t in s["tokens"])], language or "en"

    def _window(self, encoder_out, tokenizer, time_offset: float, window_frames: int, last_speech: float
                ) -> tuple[list[dict], int, float]:
        """One window's segments with timed words, the mel frames to seek ahead, the last speech time."""
        tokens, avg_logprob = self._greedy(encoder_out, tokenizer)
        segments, advance = _split_by_timestamps(tokens, tokenizer, time_offset, window_frames)
        for segment in segments:
            segment["avg_logprob"], segment["words"] = avg_logprob, []
        text_tokens = [t for s in segments for t in s["tokens"] if t < tokenizer.eot]
        alignment = self._align(encoder_out, tokenizer, text_tokens, window_frames)
        if alignment:
            median, longest = align.clamp_long_words(alignment)
            align.merge_punctuations(alignment)
            last_speech = align.assign_words(segments, alignment, tokenizer.eot, time_offset, median, longest,
                                             last_speech)
        return segments, advance, last_speech


def _split_by_timestamps(tokens: list[int], tokenizer, time_offset: float, window_frames: int
                         ) -> tuple[list[dict], int]:
    """Segments of one window from its timestamp tokens, and how many mel frames to seek ahead:
    to the last closed timestamp, or past the whole window when the text ran to its end."""
    begin = tokenizer.timestamp_begin

    def segment(piece: list[int], start: float, end: float) -> dict:
        return {"tokens": piece, "start": round(start, 3), "end": round(end, 3)}

    single_ending = len(tokens) >= 2 and tokens[-2] < begin <= tokens[-1]
    consecutive = [i for i in range(1, len(tokens)) if tokens[i] >= begin and tokens[i - 1] >= begin]
    if consecutive:
        cuts = consecutive + ([len(tokens)] if single_ending else [])
        pieces, last = [], 0
        for cut in cuts:
            piece = tokens[last:cut]
            pieces.append(segment(piece, time_offset + (piece[0] - begin) * TIME_PRECISION,
                                  time_offset + (piece[-1] - begin) * TIME_PRECISION))
            last = cut
        advance = window_frames if single_ending else (tokens[last - 1] - begin) * 2  # 2 mel frames a token
        return pieces, max(advance, 1)
    duration = window_frames * HOP / WHISPER_RATE
    stamps = [t for t in tokens if t >= begin]
    if stamps and stamps[-1] != begin:
        duration = (stamps[-1] - begin) * TIME_PRECISION
    return [segment(tokens, time_offset, time_offset + duration)], window_frames


def _public(segment: dict, tokenizer) -> dict:
    return {"start": float(segment["start"]), "end": float(segment["end"]),
            "avg_logprob": float(segment["avg_logprob"]), "text": tokenizer.decode(segment["tokens"]),
            "words": [{"word": w["word"].strip(), "start": round(float(w["start"]), 3),
                       "end": round(float(w["end"]), 3), "probability": round(float(w["probability"]), 4)}
                      for w in segment["words"]]}
