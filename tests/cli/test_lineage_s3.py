"""`synth lineage` in an S3 deployment: it reads the index the release step published to the store."""

from __future__ import annotations

import json
import uuid

import boto3

from synth_assets.cli import main
from synth_assets.core.storage import S3Store
from synth_assets.release.lineage import PUBLISHED_INDEX, LineageStore
from tests.cli.test_release_commands import lineage_chain


def test_lineage_walks_a_sample_back_from_the_index_an_s3_deployment_published(moto_endpoint, tmp_path,
                                                                               monkeypatch, capsys):
    bucket = f"lineage-{uuid.uuid4().hex[:8]}"
    boto3.client("s3", endpoint_url=moto_endpoint, region_name="us-east-1").create_bucket(Bucket=bucket)
    store = S3Store(lambda: boto3.client("s3", endpoint_url=moto_endpoint, region_name="us-east-1"), bucket, "data")
    lineage_chain(store)
    assert LineageStore(tmp_path / "release-machine" / "lineage.duckdb").rebuild(store) == 9
    assert store.exists(PUBLISHED_INDEX)
    for name, value in {"SYNTH_DEPLOYMENT": "s3", "SYNTH_S3_BUCKET": bucket, "SYNTH_S3_PREFIX": "data",
                        "SYNTH_S3_ENDPOINT_URL": moto_endpoint, "SYNTH_MODEL_CACHE": str(tmp_path / "cache")}.items():
        monkeypatch.setenv(name, value)
    elsewhere = str(tmp_path / "another-machine")  # no local lineage files here
    for _ in range(2):  # the second query uses the copy kept for this ETag
        assert main(["--data", elsewhere, "lineage", "aug-1", "--json"]) == 0
        assert [r["id"] for r in json.loads(capsys.readouterr().out)] == ["aug-1", "clip-1", "spk-1", "seg-1", "doc-1"]
    assert len(list((tmp_path / "cache" / "lineage").glob("*.sqlite"))) == 1
    assert main(["--data", elsewhere, "lineage", "no-such-sample"]) == 1
