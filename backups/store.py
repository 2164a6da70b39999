"""Where backups are kept: one small interface, an S3 bucket (boto3, multipart) or a local folder.

Writes are whole-or-nothing per object: S3 completes a multipart upload only at its end (and
aborts it on failure); the folder writes a hidden draft and renames it into place.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from django.conf import settings


class BackupStore(Protocol):
    name: str

    def put(self, key: str, source: BinaryIO) -> None: ...

    def open(self, key: str) -> BinaryIO: ...

    def exists(self, key: str) -> bool: ...

    def delete_prefix(self, prefix: str) -> None: ...

    def describe(self, key: str) -> str: ...


class LocalStore:
    name = "local"

    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root not in path.parents:
            raise ValueError(f"backup key {key!r} leaves the backup folder")
        return path

    def put(self, key: str, source: BinaryIO) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}.{os.getpid()}.partial")
        try:
            with open(draft, "wb") as handle:
                while piece := source.read(1024 * 1024):
                    handle.write(piece)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(draft, path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                draft.unlink()

    def open(self, key: str) -> BinaryIO:
        return open(self._path(key), "rb")

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete_prefix(self, prefix: str) -> None:
        folder = self._path(prefix)
        if folder.is_dir():
            for path in sorted(folder.rglob("*"), reverse=True):
                path.unlink() if path.is_file() else path.rmdir()
            folder.rmdir()

    def describe(self, key: str) -> str:
        return str(self._path(key))


class S3Store:
    name = "s3"

    def __init__(self, bucket: str, client: Any) -> None:
        self.bucket = bucket
        self.client = client

    def put(self, key: str, source: BinaryIO) -> None:
        from boto3.s3.transfer import TransferConfig

        # Memory stays bounded by a few parts whatever the backup's size: two in flight, and (an
        # s3transfer setting boto3's constructor does not take) two read ahead from the stream.
        config = TransferConfig(
            multipart_threshold=8 * 1024 * 1024, multipart_chunksize=8 * 1024 * 1024, max_concurrency=2
        )
        config.max_in_memory_upload_chunks = 2
        self.client.upload_fileobj(source, self.bucket, key, Config=config)

    def open(self, key: str) -> BinaryIO:
        body: BinaryIO = self.client.get_object(Bucket=self.bucket, Key=key)["Body"]
        return body

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
                return False
            raise
        return True

    def delete_prefix(self, prefix: str) -> None:
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix.rstrip("/") + "/"):
            objects = [{"Key": item["Key"]} for item in page.get("Contents", [])]
            if objects:
                self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": objects})

    def describe(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"


def configured_store() -> BackupStore:
    """S3 when BACKUP_S3_BUCKET is set, else the folder BACKUP_DIR (var/backups by default)."""
    if settings.BACKUP_S3_BUCKET:
        from core.storage import s3_client

        client = s3_client(attempts=3, connect_timeout=10, read_timeout=120)
        return S3Store(settings.BACKUP_S3_BUCKET, client)
    return LocalStore(Path(settings.BACKUP_DIR))
