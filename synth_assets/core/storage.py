"""One storage interface over a local folder or an S3 prefix (plain Python: resources/storage.py wraps it
for Dagster, with its configuration and credentials).

Stages write Parquet parts under ``<root>/<asset>/<partition>/`` (core/parts.py). A write of one
file is atomic in both variants (local: temp name then rename; S3: a single PUT), so a killed run
never leaves a half-written file that a reader would see. The landing zone of crawl dumps uses the same interface.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath
from typing import Any

from synth_assets.core.ranges import ObjectChanged, RangedSource


class UnsafeKey(ValueError):
    """A key that would leave the storage root (absolute, or with '..' parts)."""


def clean_key(key: str) -> str:
    """Normalise a relative key and refuse any that points outside the root."""
    path = PurePosixPath(key.replace("\\", "/"))
    if path.is_absolute() or any(part in ("..", "") for part in path.parts if part != "/"):
        raise UnsafeKey(f"key {key!r} escapes the storage root")
    return "" if str(path) == "." else str(path)


def _stays_inside(key: str) -> bool:
    try:
        clean_key(key)
    except UnsafeKey:
        return False
    return True


class Store(ABC):
    """A tree of files addressed by relative POSIX keys."""

    @abstractmethod
    def uri(self, key: str = "") -> str: ...

    @abstractmethod
    def write_bytes(self, key: str, data: bytes) -> None: ...

    @abstractmethod
    def read_bytes(self, key: str) -> bytes: ...

    @abstractmethod
    def list_keys(self, prefix: str = "") -> list[str]:
        """All file keys under prefix, sorted, relative to the root."""

    @abstractmethod
    def delete_prefix(self, prefix: str) -> None: ...

    @abstractmethod
    @contextlib.contextmanager
    def local_copy(self, key: str) -> Iterator[Path]:
        """A local path to read the file at key (the file itself locally, a temp download on S3)."""

    @abstractmethod
    def size(self, key: str) -> int: ...

    def exists(self, key: str) -> bool:
        return clean_key(key) in self.list_keys(key)

    def open_ranged(self, key: str) -> RangedSource:
        """The file at key read by byte ranges (core/ranges.py): only what is read is fetched."""
        raise NotImplementedError(f"{type(self).__name__} has no ranged reads")


class LocalStore(Store):
    """A folder on this machine: the embedded default."""

    def __init__(self, root: str | Path):
        self.root = str(root)

    def _path(self, key: str) -> Path:
        return Path(self.root).resolve() / clean_key(key)

    def uri(self, key: str = "") -> str:
        return str(self._path(key))

    def write_bytes(self, key: str, data: bytes) -> None:
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
        try:
            with open(tmp, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, target)
        except BaseException:
            tmp.unlink(missing_ok=True)  # a full disk must not fill up further with half-written files
            raise

    def read_bytes(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def list_keys(self, prefix: str = "") -> list[str]:
        root = Path(self.root).resolve()
        base = self._path(prefix)
        if base.is_file():
            return [clean_key(prefix)]
        if not base.is_dir():
            return []
        keys = []
        for path in base.rglob("*"):
            # Hidden names are temp files of writes in flight, never data.
            if path.is_file() and not path.name.startswith("."):
                # Symlinks could point outside the root: list only what really lies inside it.
                if path.resolve().is_relative_to(root):
                    keys.append(path.relative_to(root).as_posix())
        return sorted(keys)

    def size(self, key: str) -> int:
        return self._path(key).stat().st_size

    def delete_prefix(self, prefix: str) -> None:
        path = self._path(prefix)
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()

    @contextlib.contextmanager
    def local_copy(self, key: str) -> Iterator[Path]:
        yield self._path(key)

    def open_ranged(self, key: str) -> RangedSource:
        source = RangedSource.local(self._path(key))
        source.name = clean_key(key)
        return source


class S3Store(Store):
    """A prefix in an S3 bucket (any S3-protocol server: AWS, MinIO, moto). ``make_client`` makes a
    boto3 S3 client. Making one costs about 0.3 s, so each process makes one and keeps it; a store
    handed to another process (pickled, or inherited by a fork) makes its own there."""

    def __init__(self, make_client: Callable[[], Any], bucket: str, prefix: str = ""):
        self.make_client, self.bucket, self.prefix = make_client, bucket, prefix
        self._client: Any = None
        self._client_pid: int | None = None

    def client(self) -> Any:
        if self._client_pid != os.getpid():
            self._client, self._client_pid = self.make_client(), os.getpid()
        return self._client

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_client": None, "_client_pid": None}

    def _key(self, key: str) -> str:
        return "/".join(p for p in (self.prefix.strip("/"), clean_key(key)) if p)

    def uri(self, key: str = "") -> str:
        return f"s3://{self.bucket}/{self._key(key)}"

    def write_bytes(self, key: str, data: bytes) -> None:
        self.client().put_object(Bucket=self.bucket, Key=self._key(key), Body=data)

    def read_bytes(self, key: str) -> bytes:
        return self.client().get_object(Bucket=self.bucket, Key=self._key(key))["Body"].read()

    def list_keys(self, prefix: str = "") -> list[str]:
        client = self.client()
        full = self._key(prefix)
        strip = len(self._key("")) + 1 if self.prefix.strip("/") else 0
        keys = []
        root = self._key("")
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=full):
            for item in page.get("Contents", []):
                if root and not item["Key"].startswith(root + "/"):
                    continue  # a sibling prefix ("landing-old/...") is not under this root
                key = item["Key"][strip:]
                if not _stays_inside(key):
                    continue  # "../x" or "a//b": never hand out a key that leaves the root
                if key == clean_key(prefix) or not prefix or key.startswith(clean_key(prefix).rstrip("/") + "/"):
                    keys.append(key)
        return sorted(keys)

    def size(self, key: str) -> int:
        return int(self.client().head_object(Bucket=self.bucket, Key=self._key(key))["ContentLength"])

    def delete_prefix(self, prefix: str) -> None:
        client = self.client()
        for key in self.list_keys(prefix):
            client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def open_ranged(self, key: str) -> RangedSource:
        """HTTP range requests, each with If-Match on the ETag seen when the object was opened."""
        client, full = self.client(), self._key(key)
        head = client.head_object(Bucket=self.bucket, Key=full)
        etag = head["ETag"]

        def fetch(start: int, end: int) -> bytes:
            try:
                reply = client.get_object(Bucket=self.bucket, Key=full, Range=f"bytes={start}-{end - 1}", IfMatch=etag)
            except Exception as error:  # botocore's ClientError, without importing botocore here
                code = str(getattr(error, "response", {}).get("Error", {}).get("Code", ""))
                if code in ("PreconditionFailed", "412"):
                    raise ObjectChanged(f"{self.uri(key)} was replaced while being read (ETag was {etag})") from error
                raise
            return reply["Body"].read()

        return RangedSource(clean_key(key), int(head["ContentLength"]), fetch, etag)

    @contextlib.contextmanager
    def local_copy(self, key: str) -> Iterator[Path]:
        suffix = "".join(PurePosixPath(key).suffixes)
        with tempfile.TemporaryDirectory(prefix="synth-s3-") as tmp:
            path = Path(tmp) / f"object{suffix}"
            self.client().download_file(self.bucket, self._key(key), str(path))
            yield path
