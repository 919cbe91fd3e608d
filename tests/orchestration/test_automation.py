"""The landing-zone sensor registers new dump files as partitions and asks for one run each."""

from __future__ import annotations

from dagster import DagsterInstance, build_sensor_context

from resources.storage import LocalStorage
from synth_assets.crawl.shards import ShardKey
from synth_assets.orchestration.automation import landing_zone_sensor
from synth_assets.orchestration.partitions import shards


def test_sensor_requests_runs_only_for_new_files(tiny_landing):
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(shards.name, ["alpaca/2026-11-01/alpaca.json"])
    (tiny_landing / "wikipedia" / "2026-11-01" / ".partial-upload.xml").write_text("<mediawiki")
    context = build_sensor_context(instance=instance, resources={"landing": LocalStorage(root=str(tiny_landing))})
    result = landing_zone_sensor(context)
    new = ["ultrachat/2026-11-01/chats.jsonl", "wikipedia/2026-11-01/pages.xml"]
    assert [r.partition_key for r in result.run_requests] == new
    assert [r.run_key for r in result.run_requests] == new
    assert result.dynamic_partitions_requests[0].partition_keys == new


def test_shard_keys_name_source_snapshot_and_file():
    key = ShardKey.parse("wikinews/2026-12-01/enwikinews-pages.xml.bz2")
    assert (key.source, key.snapshot, key.file) == ("wikinews", "2026-12-01", "enwikinews-pages.xml.bz2")
    assert str(key) == "wikinews/2026-12-01/enwikinews-pages.xml.bz2"


def test_hourly_recheck_registers_and_requests_what_the_sensor_missed(tiny_landing):
    from synth_assets.orchestration.automation import landing_zone_recheck, register_new_shards

    landing = LocalStorage(root=str(tiny_landing))
    instance = DagsterInstance.ephemeral()
    requests = register_new_shards(instance, landing)
    assert len(requests) == 3
    assert sorted(instance.get_dynamic_partitions(shards.name)) == sorted(r.partition_key for r in requests)
    assert register_new_shards(instance, landing) == []
    assert landing_zone_recheck.job_name == "synth_pipeline" and landing_zone_recheck.cron_schedule == "0 * * * *"
