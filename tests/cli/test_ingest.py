"""`synth ingest` previews dumps: documents and quarantine written, a JSON report, exit 0 unless nothing read."""

from __future__ import annotations

import json
import subprocess
import sys

from synth_assets.core import parts
from synth_assets.core.storage import LocalStore

SYNTH = [sys.executable, "-m", "synth_assets.cli"]


def run(*args, cwd):
    return subprocess.run([*SYNTH, *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_ingest_reports_documents_quarantine_and_bytes(tiny_landing, tmp_path):
    files = [tiny_landing / "wikipedia/2026-11-01/pages.xml", tiny_landing / "ultrachat/2026-11-01/chats.jsonl"]
    done = run("ingest", "--source", "mixed", "--snapshot", "s1", "--out", str(tmp_path / "out"), "--json",
               *map(str, files), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["documents"] == 4  # three wiki pages, one good chat
    assert report["bytes_read"] == sum(f.stat().st_size for f in files)
    assert [(q["file"], q["position"]) for q in report["quarantined"]] == [(str(files[1]), "line 2")]
    out = LocalStore(tmp_path / "out")
    table = parts.read_table(out, "documents", None)
    assert sorted(table.column("title").to_pylist())[:1] == ["Lake Orvin"]
    assert set(table.column("snapshot").to_pylist()) == {"s1"}
    quarantine = parts.read_table(out, parts.QUARANTINE, "documents")
    assert quarantine.num_rows == 1


def test_ingest_fails_only_when_nothing_could_be_read(tmp_path):
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"\x00\x01 nothing here")
    done = run("ingest", "--source", "x", "--snapshot", "s", "--json", str(junk), str(tmp_path / "missing.xml"),
               cwd=tmp_path)
    assert done.returncode == 1
    reasons = [q["reason"] for q in json.loads(done.stdout)["quarantined"]]
    assert reasons[0].startswith("UnknownFormat") and reasons[1].startswith("FileNotFoundError")
