"""Security: the web UI binds loopback unless told otherwise, and landing-zone keys in S3 never leave
the landing root (no sibling prefix, no '..')."""

from __future__ import annotations

import boto3
from dagster_aws.s3 import S3Resource
from prod_stack import new_bucket

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
