"""The tenant-scoped S3 storage (S3_BUCKET set): core.storage's prefix on django-storages' backend.

A module of its own so that only a deployment storing files in S3 imports boto3 (core.storage).
"""

from __future__ import annotations

from typing import Any

from storages.backends.s3 import S3Storage

from core.storage import tenant_prefix


class TenantS3Storage(S3Storage):
    @property
    def location(self) -> str:
        return tenant_prefix()

    @location.setter
    def location(self, value: Any) -> None:
        # The base class assigns its configured location in __init__; the schema decides instead.
        pass
