"""Storage resources: the configuration of a storage root, delegating every file operation to the
plain store in synth_assets/core/storage.py (which domain code is typed against).

A resource is itself usable wherever a ``Store`` is expected, so an asset hands it straight to its
stage's domain code.
"""

from __future__ import annotations

import contextlib
import functools
from abc import abstractmethod
from collections.abc import Iterator
from pathlib import Path

from dagster import ConfigurableResource, EnvVar
from pydantic import PrivateAttr

from synth_assets import settings
from synth_assets.core.ranges import RangedSource
from synth_assets.core.storage import LocalStore, S3Store, Store, UnsafeKey, clean_key  # noqa: F401 - re-exported


class Storage(ConfigurableResource, Store):
    """A storage root from configuration."""

    @abstractmethod
    def store(self) -> Store:
        """The plain store this configuration names."""

    def uri(self, key: str = "") -> str:
        return self.store().uri(key)

    def write_bytes(self, key: str, data: bytes) -> None:
        self.store().write_bytes(key, data)

    def read_bytes(self, key: str) -> bytes:
        return self.store().read_bytes(key)

    def list_keys(self, prefix: str = "") -> list[str]:
        return self.store().list_keys(prefix)

    def delete_prefix(self, prefix: str) -> None:
        self.store().delete_prefix(prefix)

    @contextlib.contextmanager
    def local_copy(self, key: str) -> Iterator[Path]:
        with self.store().local_copy(key) as path:
            yield path

    def size(self, key: str) -> int:
        return self.store().size(key)

    def open_ranged(self, key: str) -> RangedSource:
        return self.store().open_ranged(key)


class LocalStorage(Storage):
    """A folder on this machine: the embedded default."""

    root: str

    def store(self) -> Store:
        return LocalStore(self.root)


def __getattr__(name: str):
    # `from resources.storage import S3Storage` works as for any class; the class is made then.
    if name == "S3Storage":
        return _s3_storage()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@functools.cache
def _s3_storage() -> type[Storage]:
    """S3Storage, made on first use: dagster_aws takes about 2.7 s of CPU to import (its package loads
    every AWS integration), which every definitions load of a local deployment would pay for nothing."""
    global S3Resource  # the field's annotation is read from this module's names when the class is made
    from dagster_aws.s3 import S3Resource

    class S3Storage(Storage):
        """A prefix in an S3 bucket (any S3-protocol server: AWS, MinIO, moto)."""

        s3: S3Resource
        bucket: str
        prefix: str = ""

        _store: S3Store | None = PrivateAttr(default=None)

        def store(self) -> Store:
            if self._store is None:  # one store, and so one boto3 client per process (see S3Store)
                self._store = S3Store(self.s3.get_client, self.bucket, self.prefix)
            return self._store

    S3Storage.__qualname__ = "S3Storage"  # pickled and shown under its module-level name
    return S3Storage


def storage_resources(overrides: settings.Overrides = settings.Overrides()) -> dict[str, Storage]:
    """The deployment's storage roots: the data store and the landing zones, as folders or S3 prefixes.
    S3 credentials and bucket names stay EnvVars, resolved by Dagster when the resources are built."""
    if settings.uses_s3():
        from dagster_aws.s3 import S3Resource

        S3Storage = _s3_storage()  # noqa: N806 - a class
        config = settings.s3()
        s3 = S3Resource(endpoint_url=config.endpoint_url, region_name=config.region,
                        aws_access_key_id=EnvVar("AWS_ACCESS_KEY_ID"),
                        aws_secret_access_key=EnvVar("AWS_SECRET_ACCESS_KEY"))
        return {
            "store": S3Storage(s3=s3, bucket=EnvVar(config.bucket_variable), prefix=config.prefix),
            "landing": S3Storage(s3=s3, bucket=EnvVar(config.landing_bucket_variable), prefix=config.landing_prefix),
            "audio_landing": S3Storage(s3=s3, bucket=EnvVar(config.audio_landing_bucket_variable),
                                       prefix=config.audio_landing_prefix),
        }
    return {"store": LocalStorage(root=str(overrides.data_root())),
            "landing": LocalStorage(root=str(overrides.landing_root())),
            "audio_landing": LocalStorage(root=str(overrides.audio_landing_root()))}
