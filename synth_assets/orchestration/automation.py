"""Jobs, the landing-zone sensor and the schedules."""


from dagster import (
    AssetSelection,
    DagsterInstance,
    DefaultScheduleStatus,
    DefaultSensorStatus,
    RunRequest,
    ScheduleDefinition,
    ScheduleEvaluationContext,
    SensorEvaluationContext,
    SensorResult,
    define_asset_job,
    schedule,
    sensor,
)

from resources.storage import Storage
from synth_assets import settings
from synth_assets.core import names
from synth_assets.crawl.shards import landing_shards
from synth_assets.orchestration.partitions import audio_batches, shards
from synth_assets.recordings.batches import content_signature, landing_audio_batches

RECORDINGS_GROUP = "recordings"  # partitioned by audio batches, not crawl shards: its own job
# Each partition's crawl and text stages compare it with the partitions before it (snapshot changes,
# deduplication): across partitions they run in order; everything after them runs side by side.
ORDERED_GROUPS = ("crawl", "text")

PIPELINE_SELECTION = (AssetSelection.all() - AssetSelection.assets(names.SPEECH_DATASET, names.SNAPSHOT_CHANGES,
                                                                  names.DATASET_RELEASE)
                      - AssetSelection.groups(RECORDINGS_GROUP))

pipeline_job = define_asset_job(
    "synth_pipeline",
    selection=PIPELINE_SELECTION,
    partitions_def=shards,
    description="Every stage for one crawl shard: documents to labelled, augmented clips and dialogues.",
)

ordered_job = define_asset_job(
    "synth_ordered_stages", selection=PIPELINE_SELECTION & AssetSelection.groups(*ORDERED_GROUPS),
    description="The crawl and text stages of one crawl shard (a backfill runs these partition by partition, in order).",
)

parallel_job = define_asset_job(
    "synth_parallel_stages", selection=PIPELINE_SELECTION - AssetSelection.groups(*ORDERED_GROUPS),
    description="Every stage after the text of one crawl shard: speech, labels, augmentation, dialogues "
    "(a backfill runs these for several partitions side by side).",
)

recordings_job = define_asset_job(
    "recordings_pipeline", selection=AssetSelection.groups(RECORDINGS_GROUP),
    description="Real recordings of one audio batch (a group of one folder's files): utterances, then transcripts.",
)

release_job = define_asset_job(
    "release", selection=AssetSelection.assets(names.SPEECH_DATASET, names.SNAPSHOT_CHANGES),
    description="Gather every finished partition into the dataset, manifest and lineage store, and "
    "count how the snapshots changed.",
)


def new_shards(instance: DagsterInstance, landing: Storage) -> list[str]:
    known = set(instance.get_dynamic_partitions(shards.name))
    return [key for key in landing_shards(landing, settings.slice_bytes()) if key not in known]


def run_requests(keys: list[str]) -> list[RunRequest]:
    # run_key = the partition key: a dump file (or slice) is processed once however often it is seen.
    return [RunRequest(partition_key=key, run_key=key) for key in keys]


@sensor(job=pipeline_job, minimum_interval_seconds=60, default_status=DefaultSensorStatus.STOPPED,
        description="Registers new dump files in the landing zone as partitions and runs the pipeline on them.")
def landing_zone_sensor(context: SensorEvaluationContext, landing: Storage) -> SensorResult:
    new = new_shards(context.instance, landing)
    return SensorResult(run_requests=run_requests(new),
                        dynamic_partitions_requests=[shards.build_add_request(new)] if new else [])


@schedule(job=pipeline_job, cron_schedule="0 * * * *", default_status=DefaultScheduleStatus.STOPPED,
          description="Hourly re-check of the landing zone, for deployments that run schedules but not sensors "
          "(or to catch up after the sensor was off).")
def landing_zone_recheck(context: ScheduleEvaluationContext, landing: Storage):
    return register_new_shards(context.instance, landing)


def register_new_shards(instance: DagsterInstance, landing: Storage) -> list[RunRequest]:
    """What the sensor does, for a schedule (which cannot return partition requests): add, then ask."""
    new = new_shards(instance, landing)
    if new:
        instance.add_dynamic_partitions(shards.name, new)
    return run_requests(new)


nightly_release = ScheduleDefinition(
    job=release_job, cron_schedule="0 3 * * *",
    description="Rebuild the release every night from whatever partitions have finished.",
)


def audio_batch_requests(instance: DagsterInstance, audio_landing: Storage) -> tuple[list[str], list[RunRequest]]:
    """(batches not registered yet, a run request for every batch whose files changed since its last
    request). The run key is the batch plus a signature of its file names: a batch runs once per
    set of files, and again when recordings are added to its folder group."""
    known = set(instance.get_dynamic_partitions(audio_batches.name))
    batches = landing_audio_batches(audio_landing, settings.audio_files_per_partition())
    new = [key for key in batches if key not in known]
    requests = [RunRequest(partition_key=key, run_key=f"{key}#{content_signature(files)}")
                for key, files in batches.items()]
    return new, requests


@sensor(job=recordings_job, minimum_interval_seconds=60, default_status=DefaultSensorStatus.STOPPED,
        description="Registers new folders (and groups) of recordings in the audio landing zone as partitions, "
        "and runs the recordings pipeline on each new or grown one.")
def audio_landing_sensor(context: SensorEvaluationContext, audio_landing: Storage) -> SensorResult:
    new, requests = audio_batch_requests(context.instance, audio_landing)
    # Dagster drops requests whose run key this sensor has already used: only changed batches run.
    return SensorResult(run_requests=requests,
                        dynamic_partitions_requests=[audio_batches.build_add_request(new)] if new else [])
