"""Every setting synth_assets reads from the environment, in one place, with embedded defaults for
one machine. Nothing here imports Dagster; `definitions.py` turns these into resources (secrets
stay ``EnvVar``s there, so their values never reach this module or the UI).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

from synth_assets.core.limits import AUDIO_FILES_PER_PARTITION, SLICE_BYTES
from synth_assets.core.mix import MixTargets

SAMPLE_LANDING = Path(__file__).parent / "sample_landing"
SAMPLE_RECORDINGS = Path(__file__).parent / "sample_recordings"


def data_root() -> Path:
    """The local storage root (also holds the lineage store and MLflow's database)."""
    return Path(os.environ.get("SYNTH_DATA_ROOT") or Path.cwd() / "data").resolve()


def landing_root() -> Path:
    return Path(os.environ.get("SYNTH_LANDING") or SAMPLE_LANDING).resolve()


def audio_landing_root() -> Path:
    """The audio landing zone (folders of real recordings: <collection>/<any/sub/dirs>/<file>);
    the bundled sample recording unless SYNTH_AUDIO_LANDING names another folder."""
    return Path(os.environ.get("SYNTH_AUDIO_LANDING") or SAMPLE_RECORDINGS).resolve()


def audio_files_per_partition() -> int:
    """A folder of recordings with more files than this (SYNTH_AUDIO_FILES_PER_PARTITION, default 50)
    is split into several partitions, so a retry costs one group of files."""
    return max(1, int(os.environ.get("SYNTH_AUDIO_FILES_PER_PARTITION") or AUDIO_FILES_PER_PARTITION))


def slice_bytes() -> int:
    """Dumps larger than this (SYNTH_SLICE_MB, default 256) split into slices, one partition each."""
    value = os.environ.get("SYNTH_SLICE_MB")
    return int(float(value) * (1 << 20)) if value else SLICE_BYTES


DEPLOYMENTS = ("local", "s3", "production")


def deployment() -> str:
    """'local' (folders, SQLite, DuckDB: the default), 's3' (storage root and landing zone in S3), or
    'production' (S3 as for 's3', steps on dagster-celery workers; the instance on PostgreSQL comes
    from DAGSTER_HOME's dagster.yaml, see deploy/)."""
    value = os.environ.get("SYNTH_DEPLOYMENT", "local")
    if value not in DEPLOYMENTS:
        raise ValueError(f"SYNTH_DEPLOYMENT={value!r}: expected one of {', '.join(DEPLOYMENTS)}")
    return value


def uses_s3() -> bool:
    return deployment() in ("s3", "production")


# Read by Dagster's EnvVar / StringSource, never by us: a broker URL may hold a password.
CELERY_BROKER_VARIABLE = "SYNTH_CELERY_BROKER"
CELERY_BACKEND_VARIABLE = "SYNTH_CELERY_BACKEND"


def celery_poll_seconds() -> float:
    """How long a run's coordinator waits between its looks at its celery steps' results
    (SYNTH_CELERY_POLL_S, default 0.1). dagster-celery's own 1 s is paid after each step of a chain
    (half a second on average) and once more, whole, before the run ends: measured on the production
    profile, the gaps it sits in were 2.9 s of a partition's 5.7 s of overhead (three steps)."""
    return max(0.01, float(os.environ.get("SYNTH_CELERY_POLL_S", "0.1")))


def model_queue() -> str:
    """The celery queue of the model-heavy stages (SYNTH_MODEL_QUEUE, e.g. ``gpu``; empty: the default
    queue, like every other step). Workers started with ``-q <queue>`` take them."""
    return os.environ.get("SYNTH_MODEL_QUEUE", "").strip()


def partition_workers() -> int:
    """Partitions a backfill on this machine runs side by side (SYNTH_PARTITION_WORKERS, default 1;
    `synth backfill --workers` sets it). Each worker process loads each model once."""
    return max(1, int(os.environ.get("SYNTH_PARTITION_WORKERS", "1")))


def command_workers() -> int:
    """Partition workers of `synth demo` and `synth materialize` (SYNTH_WORKERS; default: one per usable
    core; `--workers` chooses). Two workers on two cores finish the sample 1.28-1.40x sooner than one."""
    return max(1, int(os.environ.get("SYNTH_WORKERS") or len(os.sched_getaffinity(0))))


PROGRESS_DIR_ENV = "SYNTH_PROGRESS_DIR"


def progress_dir() -> Path | None:
    """Where running steps write their progress (core/progress.py) when no command chose a folder (a
    command tells its runs in a tag, `Overrides.progress`); unset: no progress written."""
    value = os.environ.get(PROGRESS_DIR_ENV)
    return Path(value) if value else None


def verbose_logs() -> bool:
    """Dagster's warnings on the console of `synth demo`/`materialize`/`backfill` (SYNTH_VERBOSE=1, or
    `--verbose`); otherwise those commands show progress and a quarantine summary instead."""
    return os.environ.get("SYNTH_VERBOSE", "").lower() in ("1", "true", "yes")


def engine_threads(workers: int | None = None) -> int:
    """Engine threads per partition worker (``workers`` of them; default: `partition_workers`): the usable
    cores shared out, so workers never oversubscribe."""
    return max(1, len(os.sched_getaffinity(0)) // (workers or partition_workers()))


def step_retries() -> int:
    """Retries of a step that failed on a transient error (SYNTH_STEP_RETRIES, default 3), with
    exponential backoff from SYNTH_RETRY_DELAY_S (default 1 s)."""
    return max(0, int(os.environ.get("SYNTH_STEP_RETRIES", "3")))


def retry_delay_seconds() -> float:
    return float(os.environ.get("SYNTH_RETRY_DELAY_S", "1"))


def stop_grace_seconds() -> float:
    """How long a command asked to stop (Ctrl-C, SIGTERM) may take to cancel its runs and close its
    workers before it kills them and exits (SYNTH_STOP_GRACE_S, default 8: a stop takes under 10 s)."""
    return max(0.5, float(os.environ.get("SYNTH_STOP_GRACE_S", "8")))


def release_name() -> str:
    """The release a run serves (SYNTH_RELEASE), written as the run tag `synth/release`."""
    return os.environ.get("SYNTH_RELEASE", "unreleased")


def webserver_host() -> str:
    """The address `synth` tells the web UI to bind: loopback unless SYNTH_WEBSERVER_HOST says otherwise."""
    return os.environ.get("SYNTH_WEBSERVER_HOST", "127.0.0.1")


def dagster_home() -> Path:
    """Dagster's instance folder: DAGSTER_HOME, or a project-local .dagster_home (SQLite)."""
    return Path(os.environ.get("DAGSTER_HOME") or Path.cwd() / ".dagster_home").resolve()


@dataclass(frozen=True)
class Overrides:
    """What a command chose over the environment (`--data`, `--landing`, `--workers`, `--release-name`...),
    handed as an argument to the definitions it builds, to its worker processes and to its runs' tags:
    no command writes os.environ. A field left None reads the environment (or the default)."""

    data: str | None = None  # the data root
    landing: str | None = None
    audio_landing: str | None = None
    workers: int | None = None  # partitions side by side
    release: str | None = None
    home: str | None = None  # the Dagster instance's folder
    progress: str | None = None  # where the command's steps write their progress (core/progress.py)
    verbose: bool | None = None  # Dagster's warnings on the console (`--verbose`)

    @classmethod
    def paths(cls, **chosen: object) -> Overrides:
        """Overrides whose given paths are made absolute (the worker processes may start elsewhere)."""
        return cls(**{k: (str(Path(v).resolve()) if k in _PATHS and v is not None else v) for k, v in chosen.items()})

    def with_workers(self, workers: int) -> Overrides:
        return replace(self, workers=workers)

    def with_progress(self, folder: Path) -> Overrides:
        return replace(self, progress=str(Path(folder).resolve()))

    def data_root(self) -> Path:
        return Path(self.data).resolve() if self.data else data_root()

    def landing_root(self) -> Path:
        return Path(self.landing).resolve() if self.landing else landing_root()

    def audio_landing_root(self) -> Path:
        return Path(self.audio_landing).resolve() if self.audio_landing else audio_landing_root()

    def partition_workers(self) -> int:
        return max(1, self.workers) if self.workers else partition_workers()

    def engine_threads(self) -> int:
        return engine_threads(self.partition_workers())

    def release_name(self) -> str:
        return self.release or release_name()

    def dagster_home(self) -> Path:
        return Path(self.home).resolve() if self.home else dagster_home()

    def verbose_logs(self) -> bool:
        return self.verbose if self.verbose is not None else verbose_logs()

    def mlflow_tracking_uri(self) -> str:
        return mlflow_tracking_uri(self.data_root())

    def chosen_mlflow_uri(self) -> str | None:
        """The tracking URI the steps of this command's runs must be told (in a run tag): MLflow's
        database beside a data root the command chose. None when it chose none, or MLFLOW_TRACKING_URI
        names one (every process reads that itself, and it may hold a password)."""
        return None if not self.data or os.environ.get("MLFLOW_TRACKING_URI") else self.mlflow_tracking_uri()


_PATHS = ("data", "landing", "audio_landing", "home", "progress")


def voices_file() -> str:
    """A JSON list of extra voices to register (SYNTH_VOICES_FILE; see "Adding a voice" in the README)."""
    return os.environ.get("SYNTH_VOICES_FILE", "")


def tts_workers() -> int:
    """TTS worker processes per partition (SYNTH_TTS_WORKERS, default 0: one per usable core; 1: in
    the step's own process). Clips are the same bytes whatever the count."""
    return int(os.environ.get("SYNTH_TTS_WORKERS", "0"))


def voice_choice() -> dict:
    """The voices by deployment: SYNTH_USER_VOICES (voice ids, comma-separated) and
    SYNTH_ASSISTANT_VOICE, as TTSVoices fields; unset ones keep the policy's defaults. A throughput
    run picks fast engines here (see "Performance" in the README): the default Kokoro user voices cost
    about 1.5 wall seconds per audio second on one core, hibari and Piper 0.01-0.1."""
    users = [v.strip() for v in os.environ.get("SYNTH_USER_VOICES", "").split(",") if v.strip()]
    assistant = os.environ.get("SYNTH_ASSISTANT_VOICE", "").strip()
    return {**({"user_voices": users} if users else {}), **({"assistant_voice": assistant} if assistant else {})}


def tts_pool_min_clips() -> int | None:
    """SYNTH_TTS_POOL_MIN_CLIPS: a partition with fewer clips to make is voiced in process (None: the
    policy's default threshold)."""
    value = os.environ.get("SYNTH_TTS_POOL_MIN_CLIPS", "")
    return int(value) if value else None


def conversation_mix() -> MixTargets:
    """Target shares of the conversation kinds across a release, by count (SYNTH_CONVERSATION_MIX,
    e.g. "safety=0.2,false_premise=0.22,instruction=0.43,clarification=0.15", the default: what the
    bundled sample makes). Every kind is named; the shares sum to 1. A malformed value fails loading
    with the reason (a MixError)."""
    value = os.environ.get("SYNTH_CONVERSATION_MIX", "").strip()
    return MixTargets.parse(value) if value else MixTargets()


def _json_object(variable: str, fields_of: str) -> dict:
    """The JSON object in environment variable ``variable`` (fields of ``fields_of``); {} when unset.
    A malformed value fails loading with the reason."""
    import json

    value = os.environ.get(variable, "").strip()
    if not value:
        return {}
    try:
        found = json.loads(value)
    except json.JSONDecodeError as error:
        raise ValueError(f"{variable} must be a JSON object: {error}") from None
    if not isinstance(found, dict):
        raise ValueError(f"{variable} must be a JSON object of {fields_of} fields")
    return found


def duplex_targets() -> dict:
    """Overrides of the duplex timing targets the release is checked against (SYNTH_DUPLEX_TARGETS, JSON
    of synth_assets/dialogues/duplex.py DuplexTargets fields, e.g. '{"fto_p90_max_s": 0.8}'); {} keeps
    the defaults. A malformed value fails loading with the reason."""
    return _json_object("SYNTH_DUPLEX_TARGETS", "DuplexTargets")


def fto_quantiles() -> tuple[tuple[float, float], ...] | None:
    """The floor-transfer offsets synthetic conversations draw from (SYNTH_FTO_QUANTILES: a JSON list of
    [probability, seconds] pairs rising from 0 to 1, as synth_assets/dialogues/calibration.py prints
    for a collection of real calls); None keeps the default (CallHome, turntaking.py)."""
    import json

    value = os.environ.get("SYNTH_FTO_QUANTILES", "").strip()
    if not value:
        return None
    try:
        return tuple((float(p), float(v)) for p, v in json.loads(value))
    except (json.JSONDecodeError, TypeError, ValueError) as error:
        raise ValueError(f"SYNTH_FTO_QUANTILES must be a JSON list of [probability, seconds] pairs: {error}") from None


def duplex_behaviours() -> dict:
    """Shares of instruction conversations given each duplex behaviour (SYNTH_DUPLEX_BEHAVIOURS: a JSON
    object of synth_assets/dialogues/behaviours.py BehaviourShares fields, e.g. {"stop": 0.2}); empty:
    the defaults."""
    return _json_object("SYNTH_DUPLEX_BEHAVIOURS", "BehaviourShares")


def model_cache() -> Path:
    """Where models assembled or converted once are kept (SYNTH_MODEL_CACHE, default ~/.cache/synth_assets)."""
    return Path(os.environ.get("SYNTH_MODEL_CACHE") or Path.home() / ".cache" / "synth_assets")


@dataclass(frozen=True)
class S3Settings:
    """Where the S3 deployment keeps things. Bucket names and credentials are read by Dagster's
    ``EnvVar`` (named here), so a secret never passes through Python code of ours."""

    endpoint_url: str | None
    region: str
    prefix: str
    landing_prefix: str
    audio_landing_prefix: str
    bucket_variable: str = "SYNTH_S3_BUCKET"
    landing_bucket_variable: str = "SYNTH_LANDING_BUCKET"
    audio_landing_bucket_variable: str = "SYNTH_LANDING_BUCKET"


def s3() -> S3Settings:
    return S3Settings(
        endpoint_url=os.environ.get("SYNTH_S3_ENDPOINT_URL"),
        region=os.environ.get("AWS_REGION", "us-east-1"),
        prefix=os.environ.get("SYNTH_S3_PREFIX", "data"),
        landing_prefix=os.environ.get("SYNTH_LANDING_PREFIX", "landing"),
        audio_landing_prefix=os.environ.get("SYNTH_AUDIO_LANDING_PREFIX", "audio_landing"),
        # Real recordings: their own bucket if SYNTH_AUDIO_LANDING_BUCKET is set, else beside the dumps.
        audio_landing_bucket_variable=("SYNTH_AUDIO_LANDING_BUCKET" if os.environ.get("SYNTH_AUDIO_LANDING_BUCKET")
                                       else "SYNTH_LANDING_BUCKET"),
    )


def rewriter() -> dict[str, str]:
    """The text rewriter's settings: SYNTH_REWRITER=rules (default) | transformers | openai;
    SYNTH_REWRITER_MODEL is a local model dir (transformers) or the served model's name (openai),
    SYNTH_REWRITER_GGUF a GGUF file inside it, SYNTH_REWRITER_URL the OpenAI-compatible endpoint and
    SYNTH_REWRITER_API_KEY its token."""
    backend = os.environ.get("SYNTH_REWRITER", "rules")
    if backend == "transformers":
        return {"backend": backend, "model_path": os.environ.get("SYNTH_REWRITER_MODEL", "smollm2"),
                "gguf_file": os.environ.get("SYNTH_REWRITER_GGUF", "")}
    if backend == "openai":
        endpoint = {"backend": backend, "base_url": os.environ.get("SYNTH_REWRITER_URL", ""),
                    "model": os.environ.get("SYNTH_REWRITER_MODEL", "")}
        if REWRITER_KEY_VARIABLE in os.environ:  # only whether it is set: Dagster's EnvVar reads the key
            endpoint["api_key_variable"] = REWRITER_KEY_VARIABLE
        return endpoint
    return {"backend": backend}


# The OpenAI-compatible endpoint's bearer token, read by Dagster's EnvVar so it never shows in run config.
REWRITER_KEY_VARIABLE = "SYNTH_REWRITER_API_KEY"


def mlflow_tracking_uri(root: Path | None = None) -> str:
    """MLFLOW_TRACKING_URI, else a SQLite database in the data root (``root``, default `data_root`)."""
    return os.environ.get("MLFLOW_TRACKING_URI") or f"sqlite:///{(root or data_root()) / 'mlflow.db'}"


def mlflow_enabled() -> bool:
    return os.environ.get("SYNTH_MLFLOW", "1") != "0"


def answer_seconds() -> float:
    """SYNTH_ANSWER_SECONDS: the longest instruction answer spoken whole, in seconds (default 30); a
    longer one is shortened by the LLM rewriter when one is configured, else quarantined."""
    return float(os.environ.get("SYNTH_ANSWER_SECONDS", "30"))


def alignment_check_share() -> float:
    """SYNTH_ALIGNMENT_CHECK_SHARE: the share of conversations (a draw per conversation, the same on every
    rerun) whose turns timed by their voices Whisper hears too, to check those word times against the
    audio (synth_assets/dialogues/alignment.py); default 0.1, 0 turns the check off."""
    value = float(os.environ.get("SYNTH_ALIGNMENT_CHECK_SHARE", "0.1"))
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"SYNTH_ALIGNMENT_CHECK_SHARE={value}: a share between 0 and 1")
    return value
