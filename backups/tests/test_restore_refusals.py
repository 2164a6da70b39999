"""A restore that cannot finish leaves nothing behind; a backup streams with flat memory."""

from __future__ import annotations

import os
import tempfile
import tracemalloc
from typing import Any

import pytest
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from backups.services import backup_run
from core.audit import Actor
from core.tenancy import in_tenant
from tenants.models import Tenant

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("drop_restored_schemas")]

SHELL = Actor(label="test")


def _restore_schemas() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'restore\\_%'")
        return [row[0] for row in cursor.fetchall()]


def test_a_restore_under_an_organisation_code_in_use_leaves_no_schema_and_no_files(
    s3: Any, tenant: Any, other_tenant: Any, settings: Any
) -> None:
    with in_tenant(tenant):
        default_storage.save("a.txt", ContentFile(b"xin chao"))
    backup = backup_run(actor=SHELL, tenant=tenant)
    tenants_before = Tenant.objects.count()

    with pytest.raises(CommandError, match=other_tenant.org_code):
        call_command(
            "backups", "restore", str(backup.uuid), "--as-new-tenant", "--name", "Tạm",
            "--org-code", other_tenant.org_code,
        )  # fmt: skip
    assert Tenant.objects.count() == tenants_before
    assert _restore_schemas() == []
    media = settings.MEDIA_ROOT / "tenants"
    files = [p.relative_to(media).parts[0] for p in media.rglob("*") if p.is_file()]
    assert files == [tenant.schema_name]


def test_a_backup_streams_with_flat_memory(tenant: Any, settings: Any, tmp_path: Any) -> None:
    settings.BACKUP_S3_BUCKET = ""
    settings.BACKUP_DIR = tmp_path / "backups"
    settings.MEDIA_ROOT = tmp_path / "media"
    size = 48 * 1024 * 1024
    with in_tenant(tenant), tempfile.TemporaryFile() as big:
        for _ in range(size // (1024 * 1024)):
            big.write(os.urandom(1024 * 1024))
        big.seek(0)
        default_storage.save("big.bin", File(big, name="big.bin"))
    tracemalloc.start()
    try:
        backup = backup_run(actor=SHELL, tenant=tenant)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert backup.size_plain > size
    assert peak < 16 * 1024 * 1024, f"peak {peak} bytes for a {size}-byte backup"
