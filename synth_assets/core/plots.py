"""Small plots for the Dagster UI's metadata panel.

Dagster renders Markdown metadata, including images given as ``data:`` URIs, so a plot travels
inside the materialization event itself: no file server, and it stays with the run history.
Matplotlib's object API is used (no pyplot), so plotting holds no global state between threads.
"""

from __future__ import annotations

import base64
import io

import numpy as np

# Small and flat: a few kilobytes per plot in the event log.
FIGSIZE = (5.0, 2.2)
DPI = 80


def bar_chart_png(labels: list[str], counts: list[int], xlabel: str, ylabel: str = "clips") -> bytes:
    """A PNG bar chart with each bar's count on top of it."""
    from matplotlib.figure import Figure  # ~1 s to import: only when a plot is drawn

    figure = Figure(figsize=FIGSIZE, dpi=DPI)
    axes = figure.add_subplot()
    positions = np.arange(len(counts))
    bars = axes.bar(positions, counts, color="#4f6fad", width=0.85)
    axes.bar_label(bars, fontsize=7)
    axes.set_xticks(positions, labels, fontsize=7)
    axes.set_xlabel(xlabel, fontsize=8)
    axes.set_ylabel(ylabel, fontsize=8)
    axes.tick_params(axis="y", labelsize=7)
    axes.spines[["top", "right"]].set_visible(False)
    axes.set_ylim(0, max(max(counts, default=0), 1) * 1.2)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def markdown_image(png: bytes, alt: str) -> str:
    return f"![{alt}](data:image/png;base64,{base64.b64encode(png).decode()})"

