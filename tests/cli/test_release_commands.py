"""The `synth release`, `synth export` and `synth lineage` commands on a store the test writes."""

from __future__ import annotations

import json

import pytest

from synth_assets.cli import main
from synth_assets.core import names, parts
from synth_assets.release.lineage import LineageStore
from tests.release.samples import store_fixture  # noqa: F401 (the store fixture)


@pytest.fixture
def data(store, monkeypatch):
    monkeypatch.setenv("SYNTH_MLFLOW", "0")
    return store.root


def test_create_list_diff_and_verify_from_the_command_line(data, capsys):
    assert main(["--data", data, "release", "create", "v1", "--kinds", "clip", "--no-mos"]) == 0
    assert main(["--data", data, "release", "create", "v2", "--no-mos"]) == 0
    assert main(["--data", data, "release", "list"]) == 0
    out = capsys.readouterr().out
    assert "release v1: 3 samples" in out and "since v1: +4 -0 ~0" in out
    assert main(["--data", data, "release", "diff", "v1", "v2", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["added_by_kind"] == {"augmented": 1, "recording": 1, "safety": 2}
    assert main(["--data", data, "release", "verify", "v2"]) == 0
    assert "7 samples checked, all match" in capsys.readouterr().out


def test_bad_requests_exit_non_zero_with_the_reason(data, capsys):
    assert main(["--data", data, "release", "create", "v1", "--partitions", "nope/1/x", "--no-mos"]) == 2
    assert "partitions not in speech_dataset: nope/1/x" in capsys.readouterr().err
    assert main(["--data", data, "release", "verify", "v7"]) == 2
    assert main(["--data", data, "export", "--release", "v7", "--format", "hf", "--out", data + "-out"]) == 2
    assert "no release 'v7'" in capsys.readouterr().err


def test_export_from_the_command_line(data, tmp_path, capsys):
    main(["--data", data, "release", "create", "v1", "--no-mos"])
    assert main(["--data", data, "export", "--release", "v1", "--format", "moshi", "--out", str(tmp_path / "x")]) == 0
    assert "audio h/min" in capsys.readouterr().out
    assert (tmp_path / "x" / "moshi" / "manifest.jsonl").exists()


def lineage_chain(store):
    """A document, its segment, its spoken text, two clips in two voices and an augmented copy."""
    def write(asset, rows):
        parts.write_parts(store, asset, "wiki/2026-11-01/a", [
            {"id": i, "parent_id": p, "stage": asset, "params": params, "code_version": "v", "run_id": "r",
             "voice_id": voice} for i, p, params, voice in rows], fingerprint_value="f")
    write(names.CRAWL_SNAPSHOT, [("doc-1", None, "{}", None), ("doc-2", None, "{}", None)])
    write(names.TEXT_SEGMENTS, [("seg-1", "doc-1", "{}", None), ("seg-2", "doc-2", "{}", None)])
    write(names.SPOKEN_TEXT, [("spk-1", "seg-1", '{"rewriter": "rules-v1"}', None), ("spk-2", "seg-2", "{}", None)])
    write(names.TTS_AUDIO, [("clip-1", "spk-1", "{}", "hibari-heart"), ("clip-2", "spk-2", "{}", "piper-joe")])
    write(names.AUGMENTED_CLIPS, [("aug-1", "clip-1", "{}", None)])


def test_lineage_walks_down_from_a_document_a_voice_or_a_model_and_up_from_a_sample(data, capsys):
    from synth_assets.core.storage import LocalStore

    store = LocalStore(data)
    lineage_chain(store)
    assert LineageStore(f"{data}/lineage.duckdb").rebuild(store) == 9
    assert main(["--data", data, "lineage", "--downstream", "doc-1", "--json"]) == 0
    assert [r["id"] for r in json.loads(capsys.readouterr().out)] == ["doc-1", "seg-1", "spk-1", "clip-1", "aug-1"]
    assert main(["--data", data, "lineage", "--downstream", "hibari-heart", "--json"]) == 0
    assert [r["id"] for r in json.loads(capsys.readouterr().out)] == ["clip-1", "aug-1"]
    assert main(["--data", data, "lineage", "--downstream", "rules-v1", "--json"]) == 0
    assert [r["id"] for r in json.loads(capsys.readouterr().out)] == ["spk-1", "clip-1", "aug-1"]
    assert main(["--data", data, "lineage", "--upstream", "aug-1", "--json"]) == 0
    assert [r["id"] for r in json.loads(capsys.readouterr().out)] == ["aug-1", "clip-1", "spk-1", "seg-1", "doc-1"]
