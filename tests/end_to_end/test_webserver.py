"""`dagster-webserver -w workspace.yaml` serves the whole graph: asked over its GraphQL endpoint."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from conftest import free_port

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
ASSETS = {"crawl_snapshot", "text_segments", "spoken_text", "tts_audio", "pseudo_labels", "augmented_clips",
          "safety_dialogues", "false_premise_dialogues", "instruction_dialogues", "speech_dataset", "snapshot_changes",
          "recorded_speech", "recording_labels", "dataset_release"}
UNPARTITIONED = {"speech_dataset", "snapshot_changes", "dataset_release"}
QUERY = """{ assetNodes { assetKey { path } groupName isPartitioned
  assetChecksOrError { ... on AssetChecks { checks { name blocking } } } } }"""


@pytest.fixture(scope="module")
def webserver(tmp_path_factory):
    home = tmp_path_factory.mktemp("dagster_home")
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    port = free_port()
    env = {**os.environ, "DAGSTER_HOME": str(home), "SYNTH_DATA_ROOT": str(home / "data")}
    webserver_bin = Path(sys.executable).with_name("dagster-webserver")
    process = subprocess.Popen(
        [str(webserver_bin), "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"webserver exited: {process.stderr.read().decode()[-2000:]}")
        try:
            if requests.get(f"{url}/server_info", timeout=2).ok:
                break
        except requests.ConnectionError:
            time.sleep(0.5)
    else:
        process.kill()
        pytest.fail("webserver did not answer within 120 s")
    yield url
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def test_graphql_lists_every_asset_with_a_blocking_check(webserver):
    answer = requests.post(f"{webserver}/graphql", json={"query": QUERY}, timeout=60).json()
    nodes = {tuple(n["assetKey"]["path"])[0]: n for n in answer["data"]["assetNodes"]}
    assert set(nodes) == ASSETS
    for name, node in nodes.items():
        checks = node["assetChecksOrError"]["checks"]
        # Every asset has a blocking check; the conversation mix, the duplex timing and Whisper's sampled look at
        # the voices' word times only warn (the data is sound).
        advisory = {"conversation_mix", "duplex_timing", *(f"{kind}_dialogues_alignment"
                                                          for kind in ("safety", "false_premise", "instruction"))}
        assert checks and all(c["blocking"] for c in checks if c["name"] not in advisory), name
        assert any(c["blocking"] for c in checks), name
        assert node["isPartitioned"] == (name not in UNPARTITIONED)
    assert nodes["tts_audio"]["groupName"] == "speech"
    assert nodes["pseudo_labels"]["assetChecksOrError"]["checks"][0]["name"] == "round_trip_wer"
