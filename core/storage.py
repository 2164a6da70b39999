"""Tenant-scoped file storage: every file of a tenant lives under `tenants/<schema>/`.

The prefix is computed from the connection's current schema on every call, never cached,
so one storage object serves every tenant of a worker process safely.
"""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from storages.backends.s3 import S3Storage

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


class TenantS3Storage(S3Storage):
    @property
    def location(self) -> str:
        return tenant_prefix()

    @location.setter
    def location(self, value: Any) -> None:
        # The base class assigns its configured location in __init__; the schema decides instead.
        pass
