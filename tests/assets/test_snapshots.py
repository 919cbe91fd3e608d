"""Incremental crawls: unchanged documents are recognised across snapshots and not processed again."""

from __future__ import annotations

from conftest import CLOCK_TEXT, LAKE_TEXT, mediawiki_xml
from dagster import DagsterInstance, materialize

from resources.storage import LocalStorage
from synth_assets.assets.crawl import crawl_snapshot, snapshot_changes
from synth_assets.assets.text import text_segments
from synth_assets.core import parts
from synth_assets.orchestration.partitions import shards

NOVEMBER = "wikipedia/2026-11-01/pages.xml"
DECEMBER = "wikipedia/2026-12-01/pages.xml"
BELL_TEXT = "'''The bell''' of the harbour chapel was cast in 1788 and rings before every fishing boat leaves at dawn."


def write_snapshots(root):
    (root / "wikipedia" / "2026-11-01").mkdir(parents=True)
    (root / "wikipedia" / "2026-12-01").mkdir(parents=True)
    (root / NOVEMBER).write_text(mediawiki_xml([("Lake Orvin", LAKE_TEXT), ("Tower clock", CLOCK_TEXT),
                                                ("Harbour bell", BELL_TEXT)]))
    # December: the lake page unchanged, the clock page edited, the bell page gone, a new page added.
    edited = CLOCK_TEXT.replace("in 1905", "in 1906")
    (root / DECEMBER).write_text(mediawiki_xml([("Lake Orvin", LAKE_TEXT), ("Tower clock", edited),
                                                ("Old mill", "'''The old mill''' ground wheat by the weir for two centuries.")]))


def run(assets, instance, landing, store, partition=None):
    return materialize(assets, partition_key=partition, instance=instance,
                       resources={"landing": landing, "store": store}, selection=[a.key for a in assets])


def test_second_snapshot_knows_what_changed_and_skips_unchanged_documents(tmp_path):
    write_snapshots(tmp_path / "landing")
    landing, store = LocalStorage(root=str(tmp_path / "landing")), LocalStorage(root=str(tmp_path / "data"))
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(shards.name, [NOVEMBER, DECEMBER])
    for key in (NOVEMBER, DECEMBER):
        assert run([crawl_snapshot], instance, landing, store, key).success

    november = {r["title"]: r for r in parts.read_rows(store, "crawl_snapshot", NOVEMBER)}
    december = {r["title"]: r for r in parts.read_rows(store, "crawl_snapshot", DECEMBER)}
    assert {t: r["change"] for t, r in november.items()} == {"Lake Orvin": "new", "Tower clock": "new", "Harbour bell": "new"}
    assert {t: r["change"] for t, r in december.items()} == {"Lake Orvin": "unchanged", "Tower clock": "changed",
                                                            "Old mill": "new"}
    assert december["Lake Orvin"]["previous_id"] == november["Lake Orvin"]["id"]

    assert run([text_segments], instance, landing, store, DECEMBER).success
    segmented = {r["document_id"] for r in parts.read_rows(store, "text_segments", DECEMBER)}
    assert december["Lake Orvin"]["id"] not in segmented
    assert {december["Tower clock"]["id"], december["Old mill"]["id"]} <= segmented

    assert run([snapshot_changes], instance, landing, store).success
    counts = {r["snapshot"]: r for r in parts.read_rows(store, "snapshot_changes", None)}
    december_counts = {k: counts["2026-12-01"][k] for k in ("new", "changed", "unchanged", "removed")}
    assert december_counts == {"new": 1, "changed": 1, "unchanged": 1, "removed": 1}
    assert counts["2026-11-01"]["new"] == 3 and counts["2026-11-01"]["removed"] == 0


def test_rematerializing_an_unchanged_snapshot_reuses_its_parts(tmp_path):
    write_snapshots(tmp_path / "landing")
    landing, store = LocalStorage(root=str(tmp_path / "landing")), LocalStorage(root=str(tmp_path / "data"))
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(shards.name, [NOVEMBER])
    run([crawl_snapshot], instance, landing, store, NOVEMBER)
    again = run([crawl_snapshot], instance, landing, store, NOVEMBER)
    materialization = again.asset_materializations_for_node("crawl_snapshot")[0]
    assert materialization.metadata["reused_stored_parts"].value is True
    assert materialization.metadata["rows"].value == 3  # the summary of the stored parts, not recomputed
    assert [(e.check_name, e.passed) for e in again.get_asset_check_evaluations()] == [("documents_valid", True)]


def test_documents_in_other_languages_are_dropped_with_the_reason(tmp_path):
    from synth_assets.core.parts import QUARANTINE

    landing = tmp_path / "landing"
    (landing / "wikipedia" / "2026-11-01").mkdir(parents=True)
    german = ("'''Die Uhr''' auf dem Markt schlägt jede Stunde, und sie wurde von einem Schmied aus dem Dorf "
              "gebaut. Die Kinder sehen gern die kleinen Figuren, die zu Mittag aus einer Tür kommen.")
    (landing / NOVEMBER).write_text(mediawiki_xml([("Lake Orvin", LAKE_TEXT), ("Marktuhr", german)]))
    store = LocalStorage(root=str(tmp_path / "data"))
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(shards.name, [NOVEMBER])
    landing_store = LocalStorage(root=str(landing))
    assert run([crawl_snapshot], instance, landing_store, store, NOVEMBER).success
    assert run([text_segments], instance, landing_store, store, NOVEMBER).success
    assert {r["language"] for r in parts.read_rows(store, "text_segments", NOVEMBER)} == {"en"}
    reasons = [q["reason"] for q in parts.read_rows(store, QUARANTINE, f"text_segments/{NOVEMBER}")]
    assert any(r.startswith("language de") for r in reasons)
