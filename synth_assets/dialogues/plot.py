"""A picture of one conversation for the Dagster UI: both channels' waveforms (assistant above, user
below) with each turn's span and kind of start, so a reviewer sees overlaps and barge-ins at a glance."""

from __future__ import annotations

import io

import numpy as np

from synth_assets.core.audio import SAMPLE_RATE

COLOURS = {"assistant": "#4f6fad", "user": "#c0504d"}
ENVELOPE_POINTS = 1200  # the waveform drawn as a min/max envelope: light PNG whatever the length


def _envelope(channel: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    step = max(1, channel.size // ENVELOPE_POINTS)
    count = channel.size // step
    blocks = channel[:count * step].reshape(count, step)
    return np.arange(count) * step / SAMPLE_RATE, blocks.min(axis=1), blocks.max(axis=1)


def conversation_png(audio: np.ndarray, turns: list[dict], backchannels: list[dict], title: str = "") -> bytes:
    from matplotlib.figure import Figure  # ~1 s to import: only when a plot is drawn

    figure = Figure(figsize=(7.0, 2.8), dpi=80)
    axes = figure.subplots(2, 1, sharex=True)
    for row, (role, channel) in enumerate((("assistant", 0), ("user", 1))):
        ax = axes[row]
        times, low, high = _envelope(audio[:, channel])
        ax.fill_between(times, low, high, color=COLOURS[role], linewidth=0)
        for item in turns + backchannels:
            if item["role"] != role:
                continue
            ax.axvspan(item["start"], item["end"], color=COLOURS[role], alpha=0.12)
            kind = item["transition"]["kind"]
            label = kind + (" (cut)" if item.get("interrupted") else "")
            ax.text(item["start"], 0.9, label, fontsize=6, va="top")
        ax.set_ylim(-1, 1)
        ax.set_yticks([])
        ax.set_ylabel(f"ch{channel} {role}", fontsize=7)
        ax.spines[["top", "right"]].set_visible(False)
    axes[1].set_xlabel("seconds", fontsize=8)
    axes[1].tick_params(axis="x", labelsize=7)
    if title:
        axes[0].set_title(title, fontsize=8)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
