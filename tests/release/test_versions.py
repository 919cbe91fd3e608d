"""Versioned releases: create, list, diff and verify, and the bad input they refuse."""

from __future__ import annotations

import io
import re

import pyarrow.parquet as pq
import pytest

from synth_assets.core import parts
from synth_assets.release.versions import (
    ReleaseError,
    Selection,
    create_release,
    diff_releases,
    list_releases,
    load_release,
    release_part_keys,
    verify_release,
)
from tests.release.samples import clip, standard_rows, store_fixture, write_dataset  # noqa: F401 (the store fixture)
from synth_assets.release.card import license_table


def snapshot_of(store) -> dict[str, bytes]:
    return {k: store.read_bytes(k) for k in store.list_keys()}


def test_a_release_holds_the_chosen_kinds_and_partitions_with_a_card(store):
    release = create_release(store, "v1", Selection(kinds=("clip", "safety"), partitions=("wikipedia/2026-11-01/a",)),
                             rate_mos=False)
    assert release.counts_by_kind == {"clip": 2, "safety": 2}
    card = store.read_bytes("releases/v1/README.md").decode()
    assert card.startswith("---\nlanguage:") and "CC-BY-SA-4.0" in card and "hibari-heart" in card
    assert "This is the first release." in card and "data:image/png;base64," in card
    assert [r.name for r in list_releases(store)] == ["v1"]


def test_the_card_lists_each_text_license_with_its_samples_and_hours(store):
    rows = standard_rows() + [clip("clip-old", 300, "stackexchange/2026-11-01/b", text_license="CC BY-SA 3.0"),
                              clip("clip-older", 310, "stackexchange/2026-11-01/b", text_license="CC BY-SA 3.0")]
    write_dataset(store, rows)
    create_release(store, "v1", rate_mos=False)
    card = store.read_bytes("releases/v1/README.md").decode()

    old_hours = 2 * 1.5 / 3600
    assert f"| CC BY-SA 3.0 | 2 | {old_hours:.4f} |" in card
    assert f"| stackexchange | CC BY-SA 3.0 | 2 | {old_hours:.4f} |" in card
    table = license_table([{"text_license": r["text_license"], "duration_s": r["duration_s"]} for r in rows])
    assert [line[0] for line in table] == ["CC-BY-SA-4.0", "CC BY-SA 3.0"]  # most hours first
    assert sum(line[1] for line in table) == len(rows)


def test_the_next_release_records_its_diff_against_the_previous(store):
    create_release(store, "v1", rate_mos=False)
    rows = [r for r in standard_rows() if r["id"] != "clip-a"]
    rows[0] = clip("clip-b", 999)  # same id, other audio
    write_dataset(store, rows + [clip("clip-new", 700)])
    v2 = create_release(store, "v2", rate_mos=False)
    assert v2.previous == "v1"
    assert (v2.diff["added"], v2.diff["removed"], v2.diff["changed"]) == (1, 1, 1)
    assert v2.diff["changed_ids"] == ["clip-b"] and v2.diff["added_by_kind"] == {"clip": 1}
    assert diff_releases(store, "v1", "v2")["removed_ids"] == ["clip-a"]
    assert "1 added, 1 removed, 1 changed" in store.read_bytes("releases/v2/README.md").decode()


def test_verify_passes_an_intact_release_and_names_a_sample_whose_bytes_changed(store):
    create_release(store, "v1", rate_mos=False)
    assert verify_release(store, "v1").ok
    key = release_part_keys(store, "v1")[0]
    table = pq.read_table(io.BytesIO(store.read_bytes(key)))
    audio = table["audio"].to_pylist()
    audio[1] = audio[1][:-10] + b"\x00" * 10
    tampered = table.set_column(table.schema.get_field_index("audio"), "audio", [audio])
    buffer = io.BytesIO()
    pq.write_table(tampered, buffer)
    store.write_bytes(key, buffer.getvalue())
    result = verify_release(store, "v1")
    assert result.mismatched == [table["id"][1].as_py()]
    assert result.bad_parts == [f"{key.rsplit('/', 1)[1]}: bytes changed"]


def test_verify_reports_a_corrupted_part_as_unreadable(store):
    create_release(store, "v1", rate_mos=False)
    key = release_part_keys(store, "v1")[0]
    store.write_bytes(key, b"PAR1 not really parquet")
    result = verify_release(store, "v1")
    assert not result.ok and "unreadable" in result.bad_parts[1]


def test_a_release_name_is_never_reused_and_the_first_stays_untouched(store):
    create_release(store, "v1", rate_mos=False)
    before = snapshot_of(store)
    with pytest.raises(ReleaseError, match="exists already"):
        create_release(store, "v1", rate_mos=False)
    assert snapshot_of(store) == before


def test_partitions_that_do_not_exist_are_named_and_nothing_is_written(store):
    before = snapshot_of(store)
    with pytest.raises(ReleaseError, match="nowhere/2026-01-01/x"):
        create_release(store, "v1", Selection(partitions=("nowhere/2026-01-01/x", "wikipedia/2026-11-01/a")))
    assert snapshot_of(store) == before and list_releases(store) == []


def test_a_corrupted_dataset_part_is_named_and_no_release_appears(store):
    key = parts.part_keys(store, "speech_dataset", None)[0]
    store.write_bytes(key, b"garbage")
    with pytest.raises(ReleaseError, match=re.escape(key)):
        create_release(store, "v1", rate_mos=False)
    assert list_releases(store) == []


def test_an_unknown_release_is_a_clear_error(store):
    with pytest.raises(ReleaseError, match="no release 'v9'"):
        load_release(store, "v9")
    with pytest.raises(ReleaseError, match="not allowed"):
        create_release(store, "../escape")


@pytest.mark.slow
def test_a_release_rates_a_seeded_sample_with_dnsmos(store):
    create_release(store, "v1", rate_mos=True)
    mos = [r["mos"] for t in [pq.read_table(io.BytesIO(store.read_bytes(k))) for k in release_part_keys(store, "v1")]
           for r in t.to_pylist() if r["mos"] is not None]
    assert len(mos) == 3 and all(1.0 <= m <= 5.0 for m in mos)  # 13 s of audio: the minimum of 3


@pytest.mark.slow
def test_a_release_is_an_mlflow_run_with_its_card_attached(store, tmp_path):
    import mlflow

    from synth_assets.release.versions import mlflow_tracker

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    release = create_release(store, "v1", rate_mos=False, track=mlflow_tracker(uri))
    assert load_release(store, "v1").mlflow_run_id == release.mlflow_run_id
    client = mlflow.MlflowClient(tracking_uri=uri)
    run = client.get_run(release.mlflow_run_id)
    assert run.data.metrics["samples"] == 7 and run.data.params["release"] == "v1"
    card = mlflow.artifacts.load_text(f"{run.info.artifact_uri}/README.md")
    assert card == store.read_bytes("releases/v1/README.md").decode()


def test_a_release_records_the_crawl_revision_of_each_source_document(store):
    from synth_assets.core import names, parts

    parts.write_parts(store, names.CRAWL_SNAPSHOT, "wikipedia/2026-11-01/a", [
        {"id": "doc-clip-a", "revision_id": "1042"}, {"id": "doc-elsewhere", "revision_id": "7"}],
        fingerprint_value="f")
    release = create_release(store, "v1", Selection(kinds=("clip",)), rate_mos=False)
    assert release.source_revisions == {"doc-clip-a": "1042"}
    assert load_release(store, "v1").source_revisions == {"doc-clip-a": "1042"}


def test_a_release_stopped_half_way_leaves_nothing_under_its_name(store):
    def stopped(release, card):  # Ctrl-C lands after the parts and the card are written
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        create_release(store, "v1", rate_mos=False, track=stopped)
    assert not store.list_keys("releases/v1")
    assert list_releases(store) == []
    assert create_release(store, "v1", rate_mos=False).samples == len(standard_rows())
