"""Security: the web UI binds loopback unless told otherwise, landing-zone keys in S3 never leave the
landing root (no sibling prefix, no '..'), and secrets planted in the environment and the S3
credentials appear nowhere a run of the S3 deployment writes or prints."""

from __future__ import annotations

import base64
import gzip
import io
import json
import os
import shutil
import time
import uuid
from pathlib import Path
from urllib.parse import quote, quote_plus

import boto3
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import write_tiny_landing
from dagster_aws.s3 import S3Resource
from prod_stack import ROOT, new_bucket, synth, upload_folder

from resources.storage import S3Storage
from synth_assets.crawl.shards import landing_shards


def test_the_web_ui_binds_loopback_unless_configured(monkeypatch):
    from synth_assets import settings

    monkeypatch.delenv("SYNTH_WEBSERVER_HOST", raising=False)
    assert settings.webserver_host() == "127.0.0.1"
    monkeypatch.setenv("SYNTH_WEBSERVER_HOST", "0.0.0.0")
    assert settings.webserver_host() == "0.0.0.0"


def test_s3_landing_keys_stay_under_the_landing_prefix(moto_endpoint):
    bucket = new_bucket(moto_endpoint)
    client = boto3.client("s3", endpoint_url=moto_endpoint, region_name="us-east-1")
    objects = {
        "landing/wikipedia/2026-11-01/pages.xml": b"<mediawiki/>",
        "landing-private/alpaca/2026-11-01/secret.json": b"[]",   # a sibling prefix sharing the name
        "landing/../escaped/2026-11-01/up.json": b"[]",           # '..' in an object key
        "landing//wikipedia/2026-11-01/double.xml": b"<mediawiki/>",
        "elsewhere/wikipedia/2026-11-01/pages.xml": b"<mediawiki/>",
    }
    for key, body in objects.items():
        client.put_object(Bucket=bucket, Key=key, Body=body)
    landing = S3Storage(s3=S3Resource(endpoint_url=moto_endpoint, region_name="us-east-1"), bucket=bucket,
                        prefix="landing")
    assert landing_shards(landing) == ["wikipedia/2026-11-01/pages.xml"]
    assert landing.list_keys() == ["wikipedia/2026-11-01/pages.xml"]


# --- planted secrets: the S3 keys and unrelated variables appear in nothing the pipeline makes --------

def planted_values() -> dict[str, str]:
    """Unique values, with characters that URL-encoding changes, in the variables a deployment sets."""
    tag = uuid.uuid4().hex
    return {
        "AWS_ACCESS_KEY_ID": f"AKIAPLANTED{tag[:12].upper()}",
        "AWS_SECRET_ACCESS_KEY": f"planted/Secret+{tag}=",
        "SYNTH_PLANTED": f"planted unrelated {tag[::-1]}!",
        # Read only by the production profile's instance and executor: planted all the same.
        "DAGSTER_PG_PASSWORD": f"planted-pg-{tag[:16]}",
        "SYNTH_CELERY_BROKER": f"redis://:planted-broker-{tag[16:]}@127.0.0.1:6379/9",
    }


def encoded_forms(value: str) -> set[bytes]:
    """The value as bytes, URL-encoded, JSON-escaped, and base64 (standard and URL-safe) at each of the
    three offsets it could start at inside a longer encoded blob (the stable middle of the encoding)."""
    raw = value.encode()
    forms = {raw, quote(value, safe="").encode(), quote_plus(value).encode(), json.dumps(value)[1:-1].encode()}
    for shift in range(3):
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            forms.add(encode(b"\0" * shift + raw)[4 if shift else 0:-4])
    return forms


def readable_contents(name: str, data: bytes, path: Path | None = None) -> list[bytes]:
    """The name and bytes as stored, and what compression or a columnar file would hide from a byte search."""
    contents = [name.encode(), data]
    if name.endswith(".gz"):
        contents.append(gzip.decompress(data))
    elif name.endswith(".parquet"):
        table = pq.read_table(io.BytesIO(data))
        text = [c for c in table.column_names if not pa.types.is_binary(table.schema.field(c).type)]
        contents.append(json.dumps(table.select(text).to_pylist(), default=str).encode())
        contents.append(repr(table.schema.metadata).encode())
    elif name.endswith(".duckdb") and path is not None:
        import duckdb

        with duckdb.connect(str(path), read_only=True) as con:
            for (table,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall():
                contents.append(repr(con.execute(f'SELECT * FROM "{table}"').fetchall()).encode())
    return contents


def leaks(planted: dict[str, str], where: str, contents: list[bytes]) -> list[str]:
    return [f"{variable} in {where}" for variable, value in planted.items()
            if any(form in content for form in encoded_forms(value) for content in contents)]


def test_the_leak_search_sees_through_encodings_compression_and_columnar_files(tmp_path):
    import duckdb

    planted = {"SECRET": planted_values()["AWS_SECRET_ACCESS_KEY"]}
    value = planted["SECRET"]
    parquet = io.BytesIO()
    pq.write_table(pa.table({"note": [f"endpoint {value} used"] * 50}), parquet, compression="zstd")
    with duckdb.connect(str(tmp_path / "lineage.duckdb")) as con:
        con.execute("CREATE TABLE lineage AS SELECT ? AS params FROM range(1000)", [f"key={value}"])
    hiding = {
        "log.txt": f"a line with {value} inside".encode(),
        "url.txt": f"s3://x?key={quote(value, safe='')}".encode(),
        "config.json": json.dumps({"key": value}).encode(),
        **{f"shift{n}.b64": base64.b64encode(b"x" * n + value.encode() + b"tail") for n in range(3)},
        "cuts.jsonl.gz": gzip.compress(value.encode() * 3),
        "part.parquet": parquet.getvalue(),
        "lineage.duckdb": (tmp_path / "lineage.duckdb").read_bytes(),
    }
    for name, data in hiding.items():
        assert leaks(planted, name, readable_contents(name, data, tmp_path / name)) == [f"SECRET in {name}"]
    assert leaks(planted, "clean.txt", readable_contents("clean.txt", b"planted/Secret+ but not the value")) == []


@pytest.mark.slow
def test_planted_secrets_appear_in_no_log_metadata_lineage_card_or_export(moto_endpoint, tmp_path):
    from synth_assets.release.export import EXPORTERS

    bucket = new_bucket(moto_endpoint)
    upload_folder(moto_endpoint, bucket, write_tiny_landing(tmp_path / "landing"), "landing")
    work, home = tmp_path / "work", tmp_path / "work" / "dagster_home"
    home.mkdir(parents=True)
    shutil.copy(ROOT / "deploy" / "dagster.local.yaml", home / "dagster.yaml")
    planted = planted_values()
    env = {**{k: v for k, v in os.environ.items() if k != "MLFLOW_TRACKING_URI"}, **planted,
           "SYNTH_DEPLOYMENT": "s3", "DAGSTER_HOME": str(home), "SYNTH_S3_ENDPOINT_URL": moto_endpoint,
           "SYNTH_S3_BUCKET": bucket, "SYNTH_LANDING_BUCKET": bucket, "SYNTH_S3_PREFIX": "data",
           "SYNTH_LANDING_PREFIX": "landing", "PYTHONPATH": str(ROOT),
           # Lineage, and MLflow (on, in SQLite), under the local data root.
           "SYNTH_DATA_ROOT": str(work / "local"), "SYNTH_MLFLOW": "1"}
    commands = [  # one partition, the smallest with speech; then a release and every export of it
        ["backfill", "--source", "alpaca", "--snapshot", "2026-11-01", "--release-name", "planted"],
        ["release", "create", "planted-v1", "--no-mos"],
        *(["export", "--release", "planted-v1", "--format", fmt, "--out", str(work / "exports")] for fmt in EXPORTERS),
    ]
    found = []
    for args in commands:
        started = time.perf_counter()
        done = synth(args, env, cwd=work)
        print(f"synth {' '.join(args[:2])}: {time.perf_counter() - started:.1f} s")
        assert done.returncode == 0, f"synth {' '.join(args)}:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
        found += leaks(planted, f"the output of synth {args[0]}", [done.stdout.encode(), done.stderr.encode()])

    client = boto3.client("s3", endpoint_url=moto_endpoint, region_name="us-east-1")
    objects = [o["Key"] for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket)
               for o in page.get("Contents", [])]
    for key in objects:
        body = client.get_object(Bucket=bucket, Key=key)["Body"].read()
        found += leaks(planted, f"s3://{bucket}/{key}", readable_contents(key, body))
    files = [p for p in work.rglob("*") if p.is_file()]
    for path in files:
        found += leaks(planted, str(path), readable_contents(str(path), path.read_bytes(), path))

    # What was searched holds what the brief names: the dataset, the card, run logs, lineage, MLflow, exports.
    assert any(k.startswith("data/speech_dataset/") for k in objects)
    assert "data/releases/planted-v1/README.md" in objects
    assert list(home.glob("history/runs/*-*.db")) and list(home.glob("storage/*/compute_logs/*.err"))
    assert {"lineage.duckdb", "mlflow.db"} <= {p.name for p in (work / "local").iterdir()}
    assert list((work / "local").glob("mlflow-artifacts/*/artifacts/README.md"))
    assert {p.name for p in (work / "exports").iterdir()} >= set(EXPORTERS)
    assert not found, "planted values leaked:\n" + "\n".join(sorted(set(found)))
