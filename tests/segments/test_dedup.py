"""Exact and near-duplicate removal: the MinHash/LSH index alone, and text_segments across partitions."""

from __future__ import annotations

import random
import re
import subprocess
import sys

from conftest import CLOCK_TEXT, LONG_PARAGRAPH, mediawiki_xml
from dagster import DagsterInstance, materialize

from resources.storage import LocalStorage
from synth_assets.assets.crawl import crawl_snapshot
from synth_assets.assets.text import text_segments
from synth_assets.core import parts
from synth_assets.orchestration.partitions import shards
from synth_assets.segments import dedup

BRIDGE = ("The stone bridge over the Orvin river was finished in the summer of 1872 after four years of hard "
          "work, and it still carries a narrow road that walkers cross every year on their way to the high pastures.")
BRIDGE_EDITED = BRIDGE.replace("hard work", "slow work")  # one word changed in a 38-word segment
MILL = "The old mill ground wheat by the weir for two centuries before a storm broke its sluice gate."


def exact_jaccard(a: str, b: str) -> float:
    first, second = dedup.shingles(a), dedup.shingles(b)
    return len(first & second) / len(first | second)


# --- the index on its own ------------------------------------------------------------------------

def test_identical_text_is_an_exact_duplicate_whatever_its_case_punctuation_and_spacing():
    index = dedup.DedupIndex()
    assert index.check_and_add("seg-a", BRIDGE) is None
    match = index.check_and_add("seg-b", "  " + BRIDGE.upper().replace(",", " ;") + "!!")
    assert match == dedup.Match("seg-a", 1.0, exact=True)
    assert match.reason == "duplicate of seg-a"
    assert len(index) == 1  # a duplicate is not indexed itself


def test_near_identical_text_with_a_word_changed_is_caught_with_its_similarity():
    assert 0.8 <= exact_jaccard(BRIDGE, BRIDGE_EDITED) < 1.0
    index = dedup.DedupIndex(0.8)
    index.add("seg-a", BRIDGE)
    match = index.query(BRIDGE_EDITED)
    assert match is not None and not match.exact and match.of == "seg-a"
    assert abs(match.similarity - exact_jaccard(BRIDGE, BRIDGE_EDITED)) < 0.1
    assert re.fullmatch(r"near-duplicate \(jaccard 0\.\d\d\) of seg-a", match.reason)
    assert dedup.DedupIndex(1.0).query(BRIDGE_EDITED) is None  # threshold 1.0: exact only


def test_unrelated_and_partly_overlapping_texts_are_not_duplicates():
    index = dedup.DedupIndex()
    index.add("seg-bridge", BRIDGE)
    index.add("seg-clock", CLOCK_TEXT)
    assert index.query(MILL) is None
    assert index.query(LONG_PARAGRAPH) is None
    # Shares one of its sentences with the clock text, but only about a third of its shingles.
    shared = CLOCK_TEXT.split(". ")[0] + ". " + MILL + " " + LONG_PARAGRAPH.split(". ")[1]
    assert exact_jaccard(shared, CLOCK_TEXT) < 0.5 and index.query(shared) is None


def test_the_most_similar_earliest_kept_segment_wins():
    index = dedup.DedupIndex()
    index.add("seg-edited", BRIDGE_EDITED)
    index.add("seg-original", BRIDGE)
    index.add("seg-original-again", BRIDGE)  # an exact copy keeps pointing at the first one added
    assert index.query(BRIDGE).of == "seg-original" and index.query(BRIDGE).exact
    closer = BRIDGE.replace("high pastures", "high meadows")  # last word changed: nearer the original
    assert index.query(closer).of == "seg-original"


def test_lsh_finds_the_near_duplicate_among_many_random_texts():
    rng = random.Random(7)
    vocabulary = [f"w{i}" for i in range(400)]
    texts = [" ".join(rng.choices(vocabulary, k=40)) for _ in range(300)]
    index = dedup.DedupIndex()
    for number, text in enumerate(texts):
        index.add(f"t{number}", text)
    words = texts[137].split()
    words[-2] = "changed"  # Jaccard 36/40
    assert index.query(" ".join(words)).of == "t137"
    assert index.query(" ".join(rng.choices(vocabulary, k=40))) is None
    bands, rows = dedup.lsh_bands(0.8)
    assert bands * rows <= dedup.NUM_PERM and 1 - (1 - 0.8 ** rows) ** bands > 0.9


def test_signatures_are_deterministic_across_processes():
    signature = dedup.minhash(BRIDGE)
    assert signature.dtype.name == "uint32" and len(signature) == dedup.NUM_PERM
    assert (dedup.minhash(BRIDGE) == signature).all()
    code = ("import sys; from synth_assets.segments import dedup; "
            "sys.stdout.write(dedup.minhash(sys.argv[1]).tobytes().hex())")
    other = subprocess.run([sys.executable, "-c", code, BRIDGE], capture_output=True, text=True, check=True,
                           env={"PYTHONHASHSEED": "12345"}).stdout
    assert other == signature.tobytes().hex()


def test_earlier_partitions_sort_by_snapshot_then_source_and_skip_incomplete_ones(tmp_path):
    store = LocalStorage(root=str(tmp_path))
    keys = ["zeta/2026-10-01/a.xml", "alpha/2026-11-01/b.xml", "beta/2026-11-01/a.xml",
            "alpha/2026-12-01/a.xml", "broken/2026-10-01/x.xml"]
    for number, key in enumerate(keys):
        parts.write_parts(store, "text_segments", key, [{"id": f"s{number}", "text": BRIDGE}],
                          fingerprint_value=f"fp{number}")
    # An incomplete partition: parts without their manifest, as a first write killed before its publish leaves it.
    store.delete_prefix(parts.manifest_key("text_segments", "broken/2026-10-01/x.xml"))
    assert dedup.earlier_partitions(store, "beta/2026-11-01/a.xml") == {
        "zeta/2026-10-01/a.xml": "fp0", "alpha/2026-11-01/b.xml": "fp1"}
    assert list(dedup.earlier_partitions(store, "zeta/2026-10-01/a.xml")) == []
    assert len(dedup.earlier_partitions(store, "alpha/2026-12-01/a.xml")) == 3


# --- text_segments across two sources and snapshots -------------------------------------------

EARLIER = "wikipedia/2026-11-01/pages.xml"
LATER = "wikinews/2026-12-01/pages.xml"  # sorts first by name, but its snapshot is later


def segments_and_drops(store, key):
    kept = {row["text"]: row["id"] for row in parts.read_rows(store, "text_segments", key, columns=["id", "text"])}
    drops = {row["raw"]: row["reason"] for row in parts.read_rows(store, "quarantine", f"text_segments/{key}")}
    return kept, drops


def test_later_partition_drops_duplicates_of_the_earlier_partitions_segments(tmp_path):
    landing_root = tmp_path / "landing"
    for key, pages in {EARLIER: [("Tower clock", CLOCK_TEXT), ("Orvin bridge", BRIDGE)],
                       LATER: [("Clock", CLOCK_TEXT), ("Bridge", BRIDGE_EDITED), ("Old mill", MILL)]}.items():
        (landing_root / key).parent.mkdir(parents=True)
        (landing_root / key).write_text(mediawiki_xml(pages))
    landing, store = LocalStorage(root=str(landing_root)), LocalStorage(root=str(tmp_path / "data"))
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(shards.name, [EARLIER, LATER])

    def run(asset, key):
        result = materialize([asset], partition_key=key, instance=instance,
                             resources={"landing": landing, "store": store})
        assert result.success
        return result.asset_materializations_for_node(asset.key.to_user_string())[0].metadata

    for key in (EARLIER, LATER):
        run(crawl_snapshot, key)
    # The later partition runs first: nothing earlier is complete yet, so it keeps everything.
    run(text_segments, LATER)
    kept, drops = segments_and_drops(store, LATER)
    assert BRIDGE_EDITED in kept and MILL in kept and not any("duplicate" in r for r in drops.values())

    run(text_segments, EARLIER)
    earlier_kept, earlier_drops = segments_and_drops(store, EARLIER)
    assert BRIDGE in earlier_kept and len(earlier_kept) == 3  # two clock segments and the bridge
    assert not any("duplicate" in reason for reason in earlier_drops.values())

    # Now the earlier partition is complete: it is part of the later one's inputs, so that re-runs.
    metadata = run(text_segments, LATER)
    assert metadata["reused_stored_parts"].value is False
    kept, drops = segments_and_drops(store, LATER)
    assert list(kept) == [MILL]
    clock_texts = [text for text in earlier_kept if text != BRIDGE]
    for text in clock_texts:
        assert drops[text] == f"duplicate of {earlier_kept[text]}"
    assert re.fullmatch(rf"near-duplicate \(jaccard 0\.\d\d\) of {earlier_kept[BRIDGE]}", drops[BRIDGE_EDITED])
    assert segments_and_drops(store, EARLIER)[0] == earlier_kept  # the earlier one keeps its segments

    # Unchanged inputs and an unchanged earlier partition: the later partition's parts are reused.
    assert run(text_segments, LATER)["reused_stored_parts"].value is True
