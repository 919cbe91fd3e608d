"""The one Dagster `defs` of synth_assets; resources are chosen per deployment (SYNTH_DEPLOYMENT),
every setting comes from synth_assets/settings.py."""

from __future__ import annotations

from dagster import Definitions, EnvVar, load_assets_from_modules
from dagster_aws.s3 import S3Resource

from resources.asr import WhisperASR
from resources.lineage import LineageStore
from resources.rewriter import TextRewriter
from resources.storage import LocalStorage, S3Storage, Storage
from resources.tracking import ExperimentTracker
from resources.voices import TTSVoices
from synth_assets import settings
from synth_assets.assets import crawl, dialogues, recordings, release, speech, text
from synth_assets.orchestration.automation import (
    audio_landing_sensor,
    landing_zone_recheck,
    landing_zone_sensor,
    nightly_release,
    pipeline_job,
    recordings_job,
    release_job,
)


def storage_resources() -> dict[str, Storage]:
    if settings.deployment() == "s3":
        config = settings.s3()
        s3 = S3Resource(endpoint_url=config.endpoint_url, region_name=config.region,
                        aws_access_key_id=EnvVar("AWS_ACCESS_KEY_ID"),
                        aws_secret_access_key=EnvVar("AWS_SECRET_ACCESS_KEY"))
        return {
            "store": S3Storage(s3=s3, bucket=EnvVar(config.bucket_variable), prefix=config.prefix),
            "landing": S3Storage(s3=s3, bucket=EnvVar(config.landing_bucket_variable), prefix=config.landing_prefix),
            "audio_landing": S3Storage(s3=s3, bucket=EnvVar(config.audio_landing_bucket_variable),
                                       prefix=config.audio_landing_prefix),
        }
    return {"store": LocalStorage(root=str(settings.data_root())),
            "landing": LocalStorage(root=str(settings.landing_root())),
            "audio_landing": LocalStorage(root=str(settings.audio_landing_root()))}


def voices_resource() -> TTSVoices:
    pool_min_clips = settings.tts_pool_min_clips()
    return TTSVoices(workers=settings.tts_workers(),
                     **({"pool_min_clips": pool_min_clips} if pool_min_clips is not None else {}))


def build_resources() -> dict:
    return {
        **storage_resources(),
        "voices": voices_resource(),
        "asr": WhisperASR(),
        "lineage": LineageStore(path=str(settings.data_root() / "lineage.duckdb")),
        "rewriter": TextRewriter(**settings.rewriter()),
        "tracker": ExperimentTracker(tracking_uri=settings.mlflow_tracking_uri(), enabled=settings.mlflow_enabled()),
    }


def make_defs() -> Definitions:
    """Definitions for the environment as it is now (the CLI sets paths, then calls this)."""
    return Definitions(
        assets=load_assets_from_modules([crawl, text, speech, dialogues, recordings, release]),
        jobs=[pipeline_job, recordings_job, release_job],
        sensors=[landing_zone_sensor, audio_landing_sensor],
        schedules=[nightly_release, landing_zone_recheck],
        resources=build_resources(),
    )


defs = make_defs()
