"""The one Dagster `defs` of synth_assets; resources are chosen per deployment (SYNTH_DEPLOYMENT)."""

from __future__ import annotations

import os

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
from synth_assets.orchestration.automation import (audio_landing_sensor, landing_zone_recheck, landing_zone_sensor, nightly_release,
                                     pipeline_job, recordings_job, release_job)


def storage_resources() -> dict[str, Storage]:
    if settings.deployment() == "s3":
        s3 = S3Resource(
            endpoint_url=os.environ.get("SYNTH_S3_ENDPOINT_URL"),
            region_name=os.environ.get("AWS_REGION", "us-east-1"),
            aws_access_key_id=EnvVar("AWS_ACCESS_KEY_ID"),
            aws_secret_access_key=EnvVar("AWS_SECRET_ACCESS_KEY"),
        )
        # Real recordings: their own bucket if SYNTH_AUDIO_LANDING_BUCKET is set, else beside the dumps.
        audio_bucket = ("SYNTH_AUDIO_LANDING_BUCKET" if os.environ.get("SYNTH_AUDIO_LANDING_BUCKET")
                        else "SYNTH_LANDING_BUCKET")
        return {
            "store": S3Storage(s3=s3, bucket=EnvVar("SYNTH_S3_BUCKET"), prefix=os.environ.get("SYNTH_S3_PREFIX", "data")),
            "landing": S3Storage(s3=s3, bucket=EnvVar("SYNTH_LANDING_BUCKET"),
                                 prefix=os.environ.get("SYNTH_LANDING_PREFIX", "landing")),
            "audio_landing": S3Storage(s3=s3, bucket=EnvVar(audio_bucket),
                                       prefix=os.environ.get("SYNTH_AUDIO_LANDING_PREFIX", "audio_landing")),
        }
    return {"store": LocalStorage(root=str(settings.data_root())),
            "landing": LocalStorage(root=str(settings.landing_root())),
            "audio_landing": LocalStorage(root=str(settings.audio_landing_root()))}


def rewriter_resource() -> TextRewriter:
    """Rule-based by default; SYNTH_REWRITER=transformers|openai picks an LLM (SYNTH_REWRITER_MODEL is a
    local model dir, or the served model's name; SYNTH_REWRITER_URL the OpenAI-compatible endpoint)."""
    backend = os.environ.get("SYNTH_REWRITER", "rules")
    if backend == "transformers":
        return TextRewriter(backend=backend, model_path=os.environ.get("SYNTH_REWRITER_MODEL", "smollm2"),
                            gguf_file=os.environ.get("SYNTH_REWRITER_GGUF", ""))
    if backend == "openai":
        return TextRewriter(backend=backend, base_url=os.environ.get("SYNTH_REWRITER_URL", ""),
                            model=os.environ.get("SYNTH_REWRITER_MODEL", ""))
    return TextRewriter()


def build_resources() -> dict:
    root = settings.data_root()
    return {
        **storage_resources(),
        "voices": TTSVoices(),
        "asr": WhisperASR(),
        "lineage": LineageStore(path=str(root / "lineage.duckdb")),
        "rewriter": rewriter_resource(),
        "tracker": ExperimentTracker(
            tracking_uri=os.environ.get("MLFLOW_TRACKING_URI") or f"sqlite:///{root / 'mlflow.db'}",
            enabled=os.environ.get("SYNTH_MLFLOW", "1") != "0",
        ),
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
