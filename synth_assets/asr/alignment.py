"""Word timestamps from Whisper's cross-attention, in NumPy: the openai-whisper recipe that
faster-whisper also follows, so both ASR backends time words the same way.

Some decoder heads ("alignment heads", listed per model) attend to the audio frame being spoken.
Their attention over the text tokens of a window, normalized and median-filtered, is a cost
matrix; the cheapest monotone path through it (dynamic time warping) says at which 20 ms frame
each token starts. A word starts where its first token does and ends where the next word starts.
The clean-up heuristics after that are faster-whisper's (``add_word_timestamps``), kept so the two
backends agree.
"""

from __future__ import annotations

import numpy as np

TOKENS_PER_SECOND = 50  # one encoder frame is 20 ms
PREPEND_PUNCTUATIONS = "\"'“¿([{-"
APPEND_PUNCTUATIONS = "\"'.。,，!！?？:：”)]}、"
SENTENCE_END_MARKS = ".。!！?？"


def dtw(cost: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cheapest monotone path through ``cost`` (tokens x frames) from (0, 0) to the far corner, as
    (token indices, frame indices). Same tie-breaking as openai-whisper's ``dtw_cpu``. Cells on one
    anti-diagonal do not depend on each other, so each diagonal is one vector step."""
    rows, cols = cost.shape
    total = np.full((rows + 1, cols + 1), np.inf)
    total[0, 0] = 0.0
    trace = np.full((rows + 1, cols + 1), -1, np.int8)
    for diagonal in range(2, rows + cols + 1):
        i = np.arange(max(1, diagonal - cols), min(rows, diagonal - 1) + 1)
        j = diagonal - i
        c0, c1, c2 = total[i - 1, j - 1], total[i - 1, j], total[i, j - 1]
        choice = np.where((c0 < c1) & (c0 < c2), 0, np.where((c1 < c0) & (c1 < c2), 1, 2))
        total[i, j] = cost[i - 1, j - 1] + np.choose(choice, [c0, c1, c2])
        trace[i, j] = choice
    trace[0, :], trace[:, 0] = 2, 1
    i, j, path = rows, cols, []
    while i > 0 or j > 0:
        path.append((i - 1, j - 1))
        step = trace[i, j]
        i, j = (i - 1, j - 1) if step == 0 else (i - 1, j) if step == 1 else (i, j - 1)
    path.reverse()
    return np.array([p[0] for p in path]), np.array([p[1] for p in path])


def median_filter(x: np.ndarray, width: int) -> np.ndarray:
    """Median over a sliding window along the last axis, reflect-padded (as openai-whisper)."""
    pad = width // 2
    if x.shape[-1] <= pad:
        return x
    padded = np.pad(x, [(0, 0)] * (x.ndim - 1) + [(pad, pad)], mode="reflect")
    return np.median(np.lib.stride_tricks.sliding_window_view(padded, width, axis=-1), axis=-1)


def token_frames(qk: np.ndarray, num_frames: int, skip_rows: int, median_width: int = 7) -> tuple[np.ndarray, np.ndarray]:
    """DTW path for the raw cross-attention scores ``qk`` (alignment heads x tokens x frames) of the
    sequence [sot sequence, no-timestamps, text tokens, eot]. The rows kept for the path are
    no-timestamps and the text tokens (``skip_rows`` = sot sequence length); normalization, as in
    openai-whisper, runs over every row first."""
    weights = qk[:, :, : max(num_frames // 2, 1)].astype(np.float64)
    weights = np.exp(weights - weights.max(axis=-1, keepdims=True))
    weights /= weights.sum(axis=-1, keepdims=True)
    std = weights.std(axis=-2, keepdims=True)
    weights = (weights - weights.mean(axis=-2, keepdims=True)) / np.where(std == 0, 1.0, std)
    matrix = median_filter(weights, median_width).mean(axis=0)[skip_rows:-1]
    return dtw(-matrix)


def word_timings(tokenizer, text_tokens: list[int], text_indices: np.ndarray, time_indices: np.ndarray,
                 token_probs: np.ndarray) -> list[dict]:
    """Words of ``text_tokens`` with start/end (seconds into the window) and mean token probability.
    ``tokenizer`` is a faster_whisper.tokenizer.Tokenizer (word splitting, eot)."""
    words, word_tokens = tokenizer.split_to_word_tokens(text_tokens + [tokenizer.eot])
    if len(word_tokens) <= 1:
        return []
    boundaries = np.pad(np.cumsum([len(t) for t in word_tokens[:-1]]), (1, 0))
    jumps = np.pad(np.diff(text_indices), (1, 0), constant_values=1).astype(bool)
    jump_times = time_indices[jumps] / TOKENS_PER_SECOND
    return [{"word": word, "tokens": tokens, "start": float(jump_times[i]), "end": float(jump_times[j]),
             "probability": float(np.mean(token_probs[i:j]))}
            for word, tokens, i, j in zip(words, word_tokens, boundaries[:-1], boundaries[1:])]


def merge_punctuations(alignment: list[dict]) -> None:
    """Attach opening quotes/brackets to the next word and closing punctuation to the previous one."""
    i, j = len(alignment) - 2, len(alignment) - 1
    while i >= 0:
        previous, following = alignment[i], alignment[j]
        if previous["word"].startswith(" ") and previous["word"].strip() in PREPEND_PUNCTUATIONS:
            following["word"] = previous["word"] + following["word"]
            following["tokens"] = previous["tokens"] + following["tokens"]
            previous["word"], previous["tokens"] = "", []
        else:
            j = i
        i -= 1
    i, j = 0, 1
    while j < len(alignment):
        previous, following = alignment[i], alignment[j]
        if not previous["word"].endswith(" ") and following["word"] in APPEND_PUNCTUATIONS:
            previous["word"] = previous["word"] + following["word"]
            previous["tokens"] = previous["tokens"] + following["tokens"]
            following["word"], following["tokens"] = "", []
        else:
            i = j
        j += 1


def clamp_long_words(alignment: list[dict]) -> tuple[float, float]:
    """Words around sentence ends may soak up the following pause: cap them at twice the median
    word length. Returns (median, max) durations for the segment-level fixes."""
    durations = np.array([w["end"] - w["start"] for w in alignment])
    durations = durations[durations.nonzero()]
    median = min(0.7, float(np.median(durations))) if len(durations) else 0.0
    longest = median * 2
    if len(durations):
        for i in range(1, len(alignment)):
            if alignment[i]["end"] - alignment[i]["start"] > longest:
                if alignment[i]["word"] in SENTENCE_END_MARKS:
                    alignment[i]["end"] = alignment[i]["start"] + longest
                elif alignment[i - 1]["word"] in SENTENCE_END_MARKS:
                    alignment[i]["start"] = alignment[i]["end"] - longest
    return median, longest


def assign_words(segments: list[dict], alignment: list[dict], eot: int, time_offset: float, median: float,
                 longest: float, last_speech: float) -> float:
    """Hand the window's words to its segments (by token count) with absolute times, and apply
    faster-whisper's boundary fixes. Sets ``segment["words"]``; returns the last speech time."""
    word_index = 0
    for segment in segments:
        wanted = sum(1 for t in segment["tokens"] if t < eot)
        saved, words = 0, []
        while word_index < len(alignment) and saved < wanted:
            timing = alignment[word_index]
            if timing["word"]:
                words.append({"word": timing["word"], "start": round(time_offset + timing["start"], 2),
                              "end": round(time_offset + timing["end"], 2), "probability": timing["probability"]})
            saved += len(timing["tokens"])
            word_index += 1
        if words:
            first = words[0]
            # the first word after a pause tends to start too early: cap it near the median length
            if first["end"] - last_speech > median * 4 and (
                    first["end"] - first["start"] > longest
                    or (len(words) > 1 and words[1]["end"] - first["start"] > longest * 2)):
                if len(words) > 1 and words[1]["end"] - words[1]["start"] > longest:
                    boundary = max(words[1]["end"] / 2, words[1]["end"] - longest)
                    first["end"] = words[1]["start"] = boundary
                first["start"] = max(0, first["end"] - longest)
            if segment["start"] < first["end"] and segment["start"] - 0.5 > first["start"]:
                first["start"] = max(0, min(first["end"] - median, segment["start"]))
            else:
                segment["start"] = first["start"]
            last = words[-1]
            if segment["end"] > last["start"] and segment["end"] + 0.5 < last["end"]:
                last["end"] = max(last["start"] + median, segment["end"])
            else:
                segment["end"] = last["end"]
            last_speech = segment["end"]
        segment["words"] = words
    return last_speech
