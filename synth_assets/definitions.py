"""The one Dagster `defs` of synth_assets; resources are chosen per deployment (SYNTH_DEPLOYMENT)."""

from __future__ import annotations

import os

from dagster import Definitions, EnvVar, load_assets_from_modules
from dagster_aws.s3 import S3Resource

from resources.asr import WhisperASR
from resources.lineage import LineageStore
from resources.storage import LocalStorage, S3Storage, Storage
from resources.tracking import ExperimentTracker
from resources.voices import TTSVoices
from synth_assets import settings
from synth_assets.assets import crawl, dialogues, release, speech, text
from synth_assets.automation import landing_zone_sensor, nightly_release, pipeline_job, release_job


def storage_resources() -> dict[str, Storage]:
    if settings.deployment() == "s3":
        s3 = S3Resource(
            endpoint_url=os.environ.get("SYNTH_S3_ENDPOINT_URL"),
            region_name=os.environ.get("AWS_REGION", "us-east-1"),
            aws_access_key_id=EnvVar("AWS_ACCESS_KEY_ID"),
            aws_secret_access_key=EnvVar("AWS_SECRET_ACCESS_KEY"),
        )
        return {
            "store": S3Storage(s3=s3, bucket=EnvVar("SYNTH_S3_BUCKET"), prefix=os.environ.get("SYNTH_S3_PREFIX", "data")),
            "landing": S3Storage(s3=s3, bucket=EnvVar("SYNTH_LANDING_BUCKET"),
                                 prefix=os.environ.get("SYNTH_LANDING_PREFIX", "landing")),
        }
    return {"store": LocalStorage(root=str(settings.data_root())),
            "landing": LocalStorage(root=str(settings.landing_root()))}


def build_resources() -> dict:
    root = settings.data_root()
    return {
        **storage_resources(),
        "voices": TTSVoices(),
        "asr": WhisperASR(),
        "lineage": LineageStore(path=str(root / "lineage.duckdb")),
        "tracker": ExperimentTracker(
            tracking_uri=os.environ.get("MLFLOW_TRACKING_URI") or f"sqlite:///{root / 'mlflow.db'}",
            enabled=os.environ.get("SYNTH_MLFLOW", "1") != "0",
        ),
    }


def make_defs() -> Definitions:
    """Definitions for the environment as it is now (the CLI sets paths, then calls this)."""
    return Definitions(
        assets=load_assets_from_modules([crawl, text, speech, dialogues, release]),
        jobs=[pipeline_job, release_job],
        sensors=[landing_zone_sensor],
        schedules=[nightly_release],
        resources=build_resources(),
    )


defs = make_defs()
