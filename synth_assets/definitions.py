"""The one Dagster `defs` of synth_assets; resources and the executor are chosen per deployment
(SYNTH_DEPLOYMENT: local, s3, production), every setting comes from synth_assets/settings.py."""

from __future__ import annotations

from dagster import Definitions, EnvVar, load_assets_from_modules

from resources.asr import WhisperASR
from resources.lineage import LineageStore
from resources.mix import ConversationMix
from resources.rewriter import TextRewriter
from resources.storage import storage_resources
from resources.tracking import ExperimentTracker
from resources.voices import TTSVoices
from synth_assets import settings
from synth_assets.assets import crawl, dialogues, recordings, release, speech, text
from synth_assets.orchestration.automation import (
    audio_landing_sensor,
    landing_zone_recheck,
    landing_zone_sensor,
    nightly_release,
    ordered_job,
    parallel_job,
    pipeline_job,
    recordings_job,
    release_job,
)
from synth_assets.orchestration.execution import executor_for_deployment


def engine_resources(overrides: settings.Overrides = settings.Overrides()) -> dict:
    """TTS and Whisper with the engine threads this worker may use: when partitions run side by side,
    each synthesizes in its own process and shares out the cores."""
    voices = settings.voice_choice()
    if overrides.partition_workers() == 1:
        pool_min_clips = settings.tts_pool_min_clips()
        return {"voices": TTSVoices(workers=settings.tts_workers(), **voices,
                                    **({"pool_min_clips": pool_min_clips} if pool_min_clips is not None else {})),
                "asr": WhisperASR()}
    threads = overrides.engine_threads()
    return {"voices": TTSVoices(workers=1, threads=threads, **voices), "asr": WhisperASR(cpu_threads=threads)}


def rewriter_resource(config: dict) -> TextRewriter:
    key = config.pop("api_key_variable", None)
    return TextRewriter(**config, **({"api_key": EnvVar(key)} if key else {}))


def build_resources(overrides: settings.Overrides = settings.Overrides()) -> dict:
    return {
        **storage_resources(overrides),
        **engine_resources(overrides),
        "lineage": LineageStore(path=str(overrides.data_root() / "lineage.duckdb")),
        "rewriter": rewriter_resource(settings.rewriter()),
        "mix": ConversationMix(**settings.conversation_mix().shares()),
        "tracker": ExperimentTracker(tracking_uri=overrides.mlflow_tracking_uri(), enabled=settings.mlflow_enabled()),
    }


def make_defs(overrides: settings.Overrides = settings.Overrides()) -> Definitions:
    """Definitions for the environment as it is now, with what a command chose over it (its paths and
    workers, as ``overrides``)."""
    return Definitions(
        assets=load_assets_from_modules([crawl, text, speech, dialogues, recordings, release]),
        jobs=[pipeline_job, ordered_job, parallel_job, recordings_job, release_job],
        sensors=[landing_zone_sensor, audio_landing_sensor],
        schedules=[nightly_release, landing_zone_recheck],
        resources=build_resources(overrides),
        executor=executor_for_deployment(overrides.partition_workers()),
    )


defs = make_defs()
