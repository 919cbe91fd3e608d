"""Jobs, the landing-zone sensor and the schedules."""


from dagster import (AssetSelection, DefaultSensorStatus, RunRequest, SensorEvaluationContext,
                     SensorResult, define_asset_job, sensor, ScheduleDefinition)

from resources.storage import Storage
from synth_assets.partitions import landing_shards, shards

pipeline_job = define_asset_job(
    "synth_pipeline",
    selection=AssetSelection.all() - AssetSelection.assets("speech_dataset", "snapshot_changes"),
    partitions_def=shards,
    description="Every stage for one crawl shard: documents to labelled, augmented clips and dialogues.",
)

release_job = define_asset_job(
    "release", selection=AssetSelection.assets("speech_dataset", "snapshot_changes"),
    description="Gather every finished partition into the dataset, manifest and lineage store, and "
    "count how the snapshots changed.",
)


@sensor(job=pipeline_job, minimum_interval_seconds=60, default_status=DefaultSensorStatus.STOPPED,
        description="Registers new dump files in the landing zone as partitions and runs the pipeline on them.")
def landing_zone_sensor(context: SensorEvaluationContext, landing: Storage) -> SensorResult:
    known = set(context.instance.get_dynamic_partitions(shards.name))
    new = [key for key in landing_shards(landing) if key not in known]
    return SensorResult(
        run_requests=[RunRequest(partition_key=key, run_key=key) for key in new],
        dynamic_partitions_requests=[shards.build_add_request(new)] if new else [],
    )


nightly_release = ScheduleDefinition(
    job=release_job, cron_schedule="0 3 * * *",
    description="Rebuild the release every night from whatever partitions have finished.",
)
