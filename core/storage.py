"""Tenant-scoped file storage: every file of a tenant lives under `tenants/<schema>/`.

The prefix is computed from the connection's current schema on every call, never cached,
so one storage object serves every tenant of a worker process safely. The S3 backend lives in
core.storage_s3: django-storages' S3 module imports boto3 and botocore (some 17 MB), which a worker
storing files on disk never needs (README "Web worker memory").
"""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.files.storage import FileSystemStorage

from core.tenancy import current_schema


def tenant_prefix() -> str:
    return f"tenants/{current_schema()}"


class TenantFileSystemStorage(FileSystemStorage):
    @property
    def base_location(self) -> str:
        return os.path.join(str(settings.MEDIA_ROOT), tenant_prefix())

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)

    @property
    def base_url(self) -> str:
        return f"{settings.MEDIA_URL}{tenant_prefix()}/"


def s3_client(*, attempts: int, connect_timeout: float, read_timeout: float) -> Any:
    """A boto3 S3 client on the configured endpoint and credentials (S3_*), with these limits."""
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=settings.S3_ENDPOINT_URL or None,
        aws_access_key_id=settings.S3_ACCESS_KEY_ID or None,
        aws_secret_access_key=settings.S3_SECRET_ACCESS_KEY or None,
        region_name=settings.S3_REGION,
        config=Config(
            retries={"max_attempts": attempts, "mode": "standard"},
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
        ),
    )
