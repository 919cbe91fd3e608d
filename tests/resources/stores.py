"""The ``store`` fixture: each test that uses it runs on a local folder and on S3 (a moto server)."""

from __future__ import annotations

import uuid

import boto3
import pytest
from dagster_aws.s3 import S3Resource

from resources.storage import LocalStorage, S3Storage


@pytest.fixture(name="store", params=["local", "s3"])
def store_fixture(request, tmp_path):
    if request.param == "local":
        return LocalStorage(root=str(tmp_path / "root"))
    endpoint = request.getfixturevalue("moto_endpoint")
    bucket = f"synth-{uuid.uuid4().hex[:8]}"
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(Bucket=bucket)
    s3 = S3Resource(endpoint_url=endpoint, region_name="us-east-1")
    return S3Storage(s3=s3, bucket=bucket, prefix="runs/a")
