"""The tenant-scoped S3 storage (S3_BUCKET set): core.storage's prefix on django-storages' backend.

A module of its own so that only a deployment storing files in S3 imports boto3 (core.storage).
"""

from __future__ import annotations

from typing import Any

from botocore.config import Config
from django.conf import settings
from storages.backends.s3 import S3Storage

from core.storage import tenant_prefix


class TenantS3Storage(S3Storage):
    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        limits = Config(
            connect_timeout=settings.S3_CONNECT_TIMEOUT,
            read_timeout=settings.S3_READ_TIMEOUT,
            retries={"max_attempts": settings.S3_ATTEMPTS, "mode": "standard"},
        )
        # The base class (untyped) sets client_config in its __init__.
        self.client_config = self.client_config.merge(limits)  # type: ignore[has-type]

    @property
    def location(self) -> str:
        return tenant_prefix()

    @location.setter
    def location(self, value: Any) -> None:
        # The base class assigns its configured location in __init__; the schema decides instead.
        pass
