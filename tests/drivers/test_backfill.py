"""Backfills select a snapshot's or a source's partitions; each deployment picks its executor; model-heavy
stages share a pool and every stage retries transient errors with backoff."""

from __future__ import annotations

import pytest
from dagster import Backoff

from synth_assets.drivers.backfill import describe_selection, select_partitions
from synth_assets.orchestration.execution import MODEL_POOL, RELEASE_TAG, run_tags

KEYS = ["wikipedia/2026-12-01/pages.xml", "alpaca/2026-11-01/alpaca.json", "wikipedia/2026-11-01/pages.xml",
        "wikipedia/2026-11-01/big.xml@part-002-of-003", "stackexchange/2026-11-01/Posts.xml"]


def test_a_snapshot_selects_its_partitions_in_processing_order():
    assert select_partitions(KEYS, snapshot="2026-11-01") == [
        "alpaca/2026-11-01/alpaca.json", "stackexchange/2026-11-01/Posts.xml",
        "wikipedia/2026-11-01/big.xml@part-002-of-003", "wikipedia/2026-11-01/pages.xml"]


def test_a_source_selects_every_snapshot_of_it_earliest_first():
    assert select_partitions(KEYS, source="wikipedia") == [
        "wikipedia/2026-11-01/big.xml@part-002-of-003", "wikipedia/2026-11-01/pages.xml",
        "wikipedia/2026-12-01/pages.xml"]


def test_source_and_snapshot_together_narrow_the_selection():
    assert select_partitions(KEYS, source="wikipedia", snapshot="2026-12-01") == ["wikipedia/2026-12-01/pages.xml"]
    assert select_partitions(KEYS, source="nowhere") == []
    assert describe_selection("2026-12-01", "wikipedia") == "source=wikipedia,snapshot=2026-12-01"
    assert describe_selection(None, None) == "all"


def test_runs_are_tagged_with_the_release_they_serve(monkeypatch):
    monkeypatch.setenv("SYNTH_RELEASE", "moshi-2027-01")
    assert run_tags(extra="x") == {RELEASE_TAG: "moshi-2027-01", "extra": "x"}


def test_model_heavy_stages_share_one_pool_and_every_stage_retries_with_backoff():
    from synth_assets.definitions import defs

    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        heavy = node.group_name in {"speech", "dialogues", "recordings"}
        assert (node.pools == {MODEL_POOL}) == heavy, key
    assets = {spec.key.to_user_string() for spec in defs.resolve_all_asset_specs()}
    assert assets
    for assets_def in defs.resolve_asset_graph().assets_defs:
        for op in assets_def.node_def.iterate_op_defs():
            policy = op.retry_policy
            assert policy is not None and policy.max_retries >= 1 and policy.backoff == Backoff.EXPONENTIAL


def test_the_ordered_and_parallel_jobs_split_the_pipeline_without_listing_assets():
    from synth_assets.definitions import defs

    def assets_of(job: str) -> set[str]:
        return {k.to_user_string() for k in defs.resolve_job_def(job).asset_layer.executable_asset_keys}

    ordered, parallel, whole = assets_of("synth_ordered_stages"), assets_of("synth_parallel_stages"), \
        assets_of("synth_pipeline")
    assert ordered | parallel == whole and not ordered & parallel
    assert {"crawl_snapshot", "text_segments"} <= ordered
    assert {"tts_audio", "pseudo_labels"} <= parallel


@pytest.mark.parametrize("deployment, executor", [("local", "multiprocess"), ("production", "celery")])
def test_each_deployment_picks_its_executor(monkeypatch, deployment, executor):
    monkeypatch.setenv("SYNTH_DEPLOYMENT", deployment)
    monkeypatch.setenv("SYNTH_PARTITION_WORKERS", "1")
    from synth_assets.definitions import make_defs

    assert make_defs().resolve_job_def("synth_pipeline").executor_def.name == executor


def test_partitions_side_by_side_share_out_the_engine_threads(monkeypatch):
    monkeypatch.setenv("SYNTH_PARTITION_WORKERS", "2")
    from synth_assets import settings
    from synth_assets.definitions import engine_resources, make_defs

    resources = engine_resources()
    assert resources["voices"].workers == 1  # synthesize in the worker's own process
    assert resources["asr"].cpu_threads == settings.engine_threads() >= 1
    assert make_defs().resolve_job_def("synth_pipeline").executor_def.name == "in_process"


def test_an_unknown_deployment_is_refused(monkeypatch):
    monkeypatch.setenv("SYNTH_DEPLOYMENT", "cloud")
    from synth_assets import settings

    with pytest.raises(ValueError, match="SYNTH_DEPLOYMENT"):
        settings.deployment()


@pytest.mark.parametrize("partition_workers", ["1", "2"])
def test_the_voices_are_chosen_by_deployment_settings(monkeypatch, partition_workers):
    monkeypatch.setenv("SYNTH_PARTITION_WORKERS", partition_workers)
    monkeypatch.setenv("SYNTH_USER_VOICES", "piper-joe, flite-slt")
    monkeypatch.setenv("SYNTH_ASSISTANT_VOICE", "hibari-heart")
    from synth_assets.definitions import engine_resources

    policy = engine_resources()["voices"].policy()
    assert (policy.user_voices, policy.assistant_voice) == (("piper-joe", "flite-slt"), "hibari-heart")


def test_unset_voice_settings_keep_the_default_pool(monkeypatch):
    monkeypatch.delenv("SYNTH_USER_VOICES", raising=False)
    monkeypatch.delenv("SYNTH_ASSISTANT_VOICE", raising=False)
    from synth_assets.definitions import engine_resources
    from synth_assets.tts.policy import DEFAULT_ASSISTANT_VOICE, DEFAULT_USER_VOICES

    policy = engine_resources()["voices"].policy()
    assert (policy.user_voices, policy.assistant_voice) == (DEFAULT_USER_VOICES, DEFAULT_ASSISTANT_VOICE)


class RecordedRuns:
    """Stands in for Dagster runs in the scheduler tests: each run sleeps for its planned seconds, and
    when each started and ended is recorded. A run is (job, partition) for the ordered stages and
    (job, partition, group) for a unit of the later ones."""

    def __init__(self, seconds: dict[tuple, float], fail: frozenset[str] = frozenset()):
        import threading

        self.seconds, self.fail, self.lock = seconds, fail, threading.Lock()
        self.started: list[tuple] = []
        self.times: dict[tuple, tuple[float, float]] = {}

    def __call__(self, job, partition, tags, group=None):
        import time

        from synth_assets.drivers.backfill import RunOutcome

        name = (job, partition) if group is None else (job, partition, group)
        start = time.monotonic()
        with self.lock:
            self.started.append(name)
        time.sleep(self.seconds.get(name, 0.01))
        self.times[name] = (start, time.monotonic())
        return RunOutcome(job, partition, f"run-{len(self.started)}", partition not in self.fail, group=group)


def schedule(partitions, runs: RecordedRuns, sizes: dict[str, dict[str, int]], workers: int = 2):
    from concurrent.futures import ThreadPoolExecutor

    from synth_assets.drivers.backfill import BackfillResult, _run_side_by_side

    result = BackfillResult("b", partitions, workers)
    _run_side_by_side(result, {}, lambda message: None, run=runs, workers=ThreadPoolExecutor,
                      estimate=lambda partition: sizes.get(partition, {}))
    return result


def test_the_chain_of_ordered_stages_never_waits_behind_speech_stages():
    from synth_assets.drivers.backfill import ORDERED_JOB, PARALLEL_GROUPS, PARALLEL_JOB

    parts = ["a/1/x", "b/1/x", "c/1/x", "d/1/x"]
    runs = RecordedRuns({(PARALLEL_JOB, p, g): 0.5 for p in parts for g in PARALLEL_GROUPS})
    result = schedule(parts, runs, sizes={})
    links = [runs.times[ORDERED_JOB, p] for p in parts]
    # Each link starts as its predecessor ends, though both workers are busy with 0.5 s speech runs
    # by then: a run queued in the pool behind them waited up to 0.5 s.
    waits = [round(nxt[0] - prev[1], 3) for prev, nxt in zip(links, links[1:])]
    assert max(waits) < 0.25, waits
    assert len(result.runs) == (1 + len(PARALLEL_GROUPS)) * len(parts) and not result.failed


def test_the_largest_ready_unit_starts_first():
    from synth_assets.drivers.backfill import ORDERED_JOB, PARALLEL_JOB

    parts = ["a/1/small", "b/1/large", "c/1/chat"]
    sizes = {"a/1/small": {"speech": 10, "dialogues": 0}, "b/1/large": {"speech": 1000, "dialogues": 5},
             "c/1/chat": {"speech": 100, "dialogues": 500}}
    # One worker: all three chains finish before any unit, then the sizes decide.
    runs = RecordedRuns({})
    schedule(parts, runs, sizes=sizes, workers=1)
    assert runs.started == [(ORDERED_JOB, p) for p in parts] + [
        (PARALLEL_JOB, "b/1/large", "speech"), (PARALLEL_JOB, "c/1/chat", "dialogues"),
        (PARALLEL_JOB, "c/1/chat", "speech"), (PARALLEL_JOB, "a/1/small", "speech"),
        (PARALLEL_JOB, "b/1/large", "dialogues"), (PARALLEL_JOB, "a/1/small", "dialogues")]


def test_one_partitions_speech_and_dialogues_run_side_by_side():
    from synth_assets.drivers.backfill import PARALLEL_JOB

    # The last partition alone: its two units keep both workers busy.
    runs = RecordedRuns({(PARALLEL_JOB, "a/1/x", "speech"): 0.5, (PARALLEL_JOB, "a/1/x", "dialogues"): 0.5})
    result = schedule(["a/1/x"], runs, sizes={"a/1/x": {"speech": 10, "dialogues": 10}})
    speech, dialogues = runs.times[PARALLEL_JOB, "a/1/x", "speech"], runs.times[PARALLEL_JOB, "a/1/x", "dialogues"]
    assert abs(speech[0] - dialogues[0]) < 0.25 and not result.failed


def test_without_a_size_estimate_the_units_go_in_processing_order():
    from concurrent.futures import ThreadPoolExecutor

    from synth_assets.drivers.backfill import PARALLEL_JOB, BackfillResult, _run_side_by_side

    def unreadable(partition):
        raise OSError(f"cannot read the text of {partition}")

    runs, logged = RecordedRuns({}), []
    result = BackfillResult("b", ["a/1/x", "b/1/x"], 1)
    _run_side_by_side(result, {}, logged.append, run=runs, workers=ThreadPoolExecutor, estimate=unreadable)
    assert [r[1:] for r in runs.started if r[0] == PARALLEL_JOB] == [
        ("a/1/x", "speech"), ("a/1/x", "dialogues"), ("b/1/x", "speech"), ("b/1/x", "dialogues")]
    assert any("no size estimate for a/1/x: OSError: cannot read the text of a/1/x" in line for line in logged)
    assert not result.failed


def test_a_failed_chain_link_skips_only_its_own_later_stages():
    from synth_assets.drivers.backfill import PARALLEL_JOB

    parts = ["a/1/x", "b/1/x", "c/1/x"]
    runs = RecordedRuns({}, fail={"b/1/x"})
    result = schedule(parts, runs, sizes={})
    assert sorted({r[1] for r in runs.started if r[0] == PARALLEL_JOB}) == ["a/1/x", "c/1/x"]
    assert list(result.failed) == ["synth_ordered_stages[b/1/x]"]


def test_a_unit_reads_its_size_from_the_partitions_text(tmp_path, monkeypatch):
    from resources.storage import LocalStorage
    from synth_assets.core import names, parts
    from synth_assets.drivers.backfill import unit_sizes

    monkeypatch.setenv("SYNTH_DATA_ROOT", str(tmp_path))
    store, key = LocalStorage(root=str(tmp_path)), "alpaca/2026-11-01/alpaca_sample.json"
    parts.write_parts(store, names.SPOKEN_TEXT, key, [{"id": "s1", "text": "Twelve chars"}],
                      fingerprint_value="f")
    parts.write_parts(store, names.CRAWL_SNAPSHOT, key, [{"id": "d1", "kind": "alpaca", "text": "x" * 40},
                                                          {"id": "d2", "kind": "mediawiki", "text": "y" * 99}],
                      fingerprint_value="f")
    assert unit_sizes(key) == {"speech": 12, "dialogues": 40}
