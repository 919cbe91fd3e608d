"""Same inputs, same dataset: the graph run from an empty data root with two TTS worker processes
makes the same release as the one-worker reference run, sample by sample (ids, audio bytes, labels).

Killed runs (SIGKILL inside tts_audio and pseudo_labels, then a rerun) are compared with the same
reference, bytes and labels included, in test_faults.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from prod_stack import backfill_args, local_env, reference_run, synth

from resources.storage import LocalStorage
from synth_assets.core import names, parts

pytestmark = pytest.mark.slow

LABEL_COLUMNS = ("kind", "transcript", "wer", "words")


@dataclass(frozen=True)
class Comparison:
    """Two releases side by side: what a note's table shows."""

    samples: tuple[int, int]
    ids_equal: bool
    bytes_equal: bool
    labels_equal: bool
    differing: tuple[str, ...]  # ids whose bytes or labels differ, or that only one release has

    def row(self, name: str) -> str:
        return (f"| {name} | {self.samples[0]} / {self.samples[1]} | {self.ids_equal} | {self.bytes_equal} "
                f"| {self.labels_equal} |")


def release(store: LocalStorage) -> dict[str, dict]:
    rows = parts.read_rows(store, names.SPEECH_DATASET, None, columns=["id", "audio", *LABEL_COLUMNS])
    return {row["id"]: row for row in rows}


def compare(first: LocalStorage, second: LocalStorage) -> Comparison:
    a, b = release(first), release(second)
    shared = sorted(set(a) & set(b))
    audio = [i for i in shared if a[i]["audio"] != b[i]["audio"]]
    labels = [i for i in shared if any(a[i][c] != b[i][c] for c in LABEL_COLUMNS)]
    return Comparison((len(a), len(b)), set(a) == set(b), not audio, not labels,
                      tuple(sorted(set(a) ^ set(b))) + tuple(sorted(set(audio) | set(labels))))


def assert_same_release(reference: LocalStorage, other: LocalStorage, name: str) -> None:
    result = compare(reference, other)
    print(f"\n| comparison | samples | ids equal | bytes equal | labels equal |\n|---|---|---|---|---|\n"
          f"{result.row(name)}")
    assert result.samples[0] > 20 and all(kind in {r['kind'] for r in release(reference).values()}
                                          for kind in ("clip", "augmented", "safety"))
    assert (result.ids_equal, result.bytes_equal, result.labels_equal) == (True, True, True), result.differing[:10]


def test_two_runs_from_empty_roots_with_one_and_two_workers_make_the_same_release(tmp_path_factory, tmp_path):
    reference = reference_run(tmp_path_factory)  # one TTS worker
    done = synth(backfill_args(tmp_path, reference.landing), local_env(tmp_path, tts_workers=2))
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    assert_same_release(reference.store, LocalStorage(root=str(tmp_path / "data")), "1 worker vs 2 workers, empty roots")
