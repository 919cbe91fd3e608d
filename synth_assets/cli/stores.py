"""The storage root a `synth` command reads: the --data folder, or in an S3 deployment the bucket and
prefix the deployment configures (the same store the assets write)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from synth_assets.core.storage import Store


@contextlib.contextmanager
def deployment_store(data: str) -> Iterator[Store]:
    from synth_assets import settings

    if not settings.uses_s3():
        from synth_assets.core.storage import LocalStore

        yield LocalStore(data)
        return
    from dagster import build_resources

    from resources.storage import storage_resources

    # Through Dagster, which resolves the EnvVar credentials (we never read them).
    with build_resources({"store": storage_resources()["store"]}) as resources:
        yield resources.store


@contextlib.contextmanager
def lineage_store(data: str) -> Iterator[Store]:
    """The store `synth lineage` reads, made without importing Dagster (a second of a query's time):
    a plain boto3 client, which finds its credentials the usual way (environment, profile, role)."""
    from synth_assets import settings

    if not settings.uses_s3():
        from synth_assets.core.storage import LocalStore

        yield LocalStore(data)
        return
    import os

    import boto3

    from synth_assets.core.storage import S3Store

    config = settings.s3()
    yield S3Store(lambda: boto3.client("s3", endpoint_url=config.endpoint_url, region_name=config.region),
                  os.environ[config.bucket_variable], config.prefix)
