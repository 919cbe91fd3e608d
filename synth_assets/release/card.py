"""The dataset card of a release: README.md in the Hugging Face card style, YAML header included.

It says what a trainer needs to cite and trust the data: sources and their licenses, voices and
theirs, counts and hours by kind, voice and gender balance, quality distributions (a plot inside
the card), the code versions and model hashes, and what changed since the previous release.
"""

from __future__ import annotations

import io
import json
from collections import Counter

import numpy as np

from synth_assets.core.plots import markdown_image

QUALITY_FIGURES = ("duration_s", "peak_dbfs", "silence_ratio", "snr_db", "wer", "mos")


def size_category(count: int) -> str:
    for limit, label in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M")):
        if count < limit:
            return label
    return "n>1M"


def _voices(rows: list[dict]) -> dict[str, dict]:
    """Every voice the release speaks with: its gender, license and model hash from the registry."""
    from synth_assets.tts.registry import REGISTRY, is_available, model_hash

    used = Counter(v for r in rows for v in (r.get("voice_id"), r.get("assistant_voice")) if v)
    voices = {}
    for voice_id, count in sorted(used.items()):
        voice = REGISTRY.get(voice_id)
        voices[voice_id] = {
            "samples": count, "gender": voice.gender if voice else "unknown",
            "license": voice.license if voice else "unknown",
            "model_hash": model_hash(voice_id) if voice and is_available(voice_id) else "not installed here",
        }
    return voices


def _yaml_header(release, rows: list[dict], licenses: list[str]) -> str:
    lines = ["---", "language:", "- en", "license: other",
             f"license_details: \"text: {', '.join(licenses) or 'none'}; voices: see below\"",
             "task_categories:", "- automatic-speech-recognition", "- text-to-speech", "- audio-to-audio",
             "size_categories:", f"- {size_category(release.samples)}",
             f"pretty_name: synth_assets release {release.name}",
             "tags:", "- synthetic", "- speech", "- speech-to-speech",
             "dataset_info:", "  features:", "  - name: id", "    dtype: string", "  - name: text",
             "    dtype: string", "  - name: audio", "    dtype:", "      audio:", "        sampling_rate: 24000",
             "  splits:", "  - name: train", f"    num_examples: {release.samples}", "---", ""]
    return "\n".join(lines)


def _table(header: list[str], body: list[list]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in body]
    return "\n".join(lines) + "\n"


def figure_values(rows: list[dict], name: str) -> np.ndarray:
    """A figure's finite values (None or NaN where a kind has none, such as WER of a conversation)."""
    values = np.array([r[name] for r in rows if r.get(name) is not None], dtype=float)
    return values[np.isfinite(values)]


def _quality_table(rows: list[dict]) -> str:
    body = []
    for figure in QUALITY_FIGURES:
        values = figure_values(rows, figure)
        if values.size:
            p10, p50, p90 = np.percentile(values, [10, 50, 90])
            body.append([figure, values.size, f"{values.min():.3g}", f"{p10:.3g}", f"{p50:.3g}", f"{p90:.3g}",
                         f"{values.max():.3g}"])
    return _table(["figure", "samples", "min", "p10", "median", "p90", "max"], body)


def quality_plot_png(rows: list[dict]) -> bytes:
    """Histograms of the quality figures, one panel each."""
    from matplotlib.figure import Figure  # ~1 s to import: only when a card is written

    figures = [f for f in QUALITY_FIGURES if figure_values(rows, f).size]
    figure = Figure(figsize=(2.4 * len(figures), 2.0), dpi=80)
    for index, name in enumerate(figures, start=1):
        axes = figure.add_subplot(1, len(figures), index)
        axes.hist(figure_values(rows, name), bins=20, color="#4f6fad")
        axes.set_title(name, fontsize=8)
        axes.tick_params(labelsize=6)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def license_table(rows: list[dict]) -> list[list]:
    """[text license, samples, hours] for each license, most hours first: what a user of the data
    must honour, and how much of it each license covers."""
    samples, seconds = Counter(), Counter()
    for row in rows:
        license = row["text_license"] or "unknown"
        samples[license] += 1
        seconds[license] += row["duration_s"] or 0.0
    return [[lic, samples[lic], f"{seconds[lic] / 3600:.4f}"]
            for lic in sorted(samples, key=lambda lic: (-seconds[lic], lic))]


def dataset_card(release, rows: list[dict]) -> str:
    sources, source_seconds = Counter(), Counter()
    for row in rows:
        key = (row["source"], row["text_license"] or "unknown")
        sources[key] += 1
        source_seconds[key] += row["duration_s"] or 0.0
    licenses = sorted({license for _, license in sources})
    voices = _voices(rows)
    genders = Counter()
    for voice in voices.values():
        genders[voice["gender"]] += voice["samples"]
    mos_rated = figure_values(rows, "mos").size
    parts = [
        _yaml_header(release, rows, licenses),
        f"# synth_assets release `{release.name}`\n",
        (f"Synthetic and real English speech for speech-to-speech training, cut on {release.created_at} from "
        f"the `speech_dataset` asset (fingerprint `{release.dataset_fingerprint}`). {release.samples} samples, "
        f"{release.hours:.3f} hours. Every sample has an `id` that is the same in every export and in "
        "`synth lineage ID`.\n"),
        "## Selection\n", "```json\n" + json.dumps(release.selection, indent=2) + "\n```\n",
        "## Counts and hours by kind\n",
        _table(["kind", "samples", "hours"], [[k, n, f"{release.hours_by_kind[k]:.4f}"]
                                              for k, n in release.counts_by_kind.items()]),
        "## Text licenses\n",
        ("Each text keeps the license of the record it came from (a Stack Exchange post's own, by its "
         "`ContentLicense` or its date; otherwise its source's).\n"),
        _table(["text license", "samples", "hours"], license_table(rows)),
        "## Sources and their licenses\n",
        _table(["source", "text license", "samples", "hours"],
               [[s, lic, n, f"{source_seconds[s, lic] / 3600:.4f}"] for (s, lic), n in sorted(sources.items())]),
        (f"Source documents: {len(release.source_revisions)} with a recorded crawl revision "
        "(`release.json`, `source_revisions`).\n"),
        "## Voices, their licenses and the gender balance\n",
        _table(["voice", "gender", "samples", "license", "model hash"],
               [[v, d["gender"], d["samples"], d["license"], d["model_hash"]] for v, d in voices.items()]),
        "Samples by voice gender (user and assistant voices both counted): "
        + ", ".join(f"{g} {n}" for g, n in sorted(genders.items())) + ".\n",
        "## Audio quality\n",
        (f"Every sample passed the gates (peak, clipping, silence, SNR); DNSMOS overall (`mos`) was rated on "
        f"a seeded sample of {mos_rated}.\n"),
        _quality_table(rows),
        markdown_image(quality_plot_png(rows), "quality distributions") + "\n",
        "## Code versions\n",
        _table(["kind", "code versions"], [[k, ", ".join(v)] for k, v in release.code_versions.items()]),
        "## Changes since the previous release\n",
        _diff_section(release),
        "## Verifying\n",
        (f"`synth release verify {release.name}` recomputes the SHA-256 of every part and every sample's audio "
        "against `release.json` and the `content_hash` column.\n"),
    ]
    return "\n".join(parts)


def _diff_section(release) -> str:
    if not release.previous:
        return "This is the first release.\n"
    d = release.diff
    return (f"Against `{release.previous}`: {d['added']} added, {d['removed']} removed, {d['changed']} changed "
            f"(same id, other audio), {d['unchanged']} unchanged.\n\n"
            + _table(["kind", "added", "removed", "changed"],
                     [[k, d["added_by_kind"].get(k, 0), d["removed_by_kind"].get(k, 0),
                       d["changed_by_kind"].get(k, 0)]
                      for k in sorted({*d["added_by_kind"], *d["removed_by_kind"], *d["changed_by_kind"]})]))
