"""The text stages with the landing zone and storage root both in S3 (a real moto server on 127.0.0.1)."""

from __future__ import annotations

import uuid

import boto3
from dagster import DagsterInstance, materialize
from dagster_aws.s3 import S3Resource

from resources.rewriter import TextRewriter
from resources.storage import S3Storage
from synth_assets.assets.crawl import crawl_snapshot
from synth_assets.assets.text import spoken_text, text_segments
from synth_assets.core import parts
from synth_assets.crawl.shards import landing_shards
from synth_assets.orchestration.partitions import shards


def test_text_stages_read_and_write_s3(tiny_landing, moto_endpoint):
    bucket = f"synth-{uuid.uuid4().hex[:8]}"
    client = boto3.client("s3", endpoint_url=moto_endpoint, region_name="us-east-1")
    client.create_bucket(Bucket=bucket)
    for path in tiny_landing.rglob("*"):
        if path.is_file():
            client.upload_file(str(path), bucket, f"landing/{path.relative_to(tiny_landing).as_posix()}")
    s3 = S3Resource(endpoint_url=moto_endpoint, region_name="us-east-1")
    landing = S3Storage(s3=s3, bucket=bucket, prefix="landing")
    store = S3Storage(s3=s3, bucket=bucket, prefix="data")

    keys = landing_shards(landing)
    assert keys == ["alpaca/2026-11-01/alpaca.json", "ultrachat/2026-11-01/chats.jsonl",
                    "wikipedia/2026-11-01/pages.xml"]
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(shards.name, keys)
    key = "wikipedia/2026-11-01/pages.xml"
    result = materialize([crawl_snapshot, text_segments, spoken_text], partition_key=key, instance=instance,
                         resources={"landing": landing, "store": store, "rewriter": TextRewriter()})
    assert result.success
    documents = parts.read_table(store, "crawl_snapshot", key).to_pylist()
    assert sorted(d["title"] for d in documents) == ["Lake Orvin", "Tower clock", "Weir mill"]
    spoken = parts.read_table(store, "spoken_text", key).to_pylist()
    assert spoken and all(r["parent_id"] for r in spoken)
    assert any("eighteen seventy-two" in r["text"] for r in spoken), "the year 1872 is verbalized"
    objects = [o["Key"] for o in client.list_objects_v2(Bucket=bucket, Prefix="data/")["Contents"]]
    assert f"data/spoken_text/{key}/{parts.MANIFEST}" in objects
