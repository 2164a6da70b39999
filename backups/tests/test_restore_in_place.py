"""Restore in place: verified first, maintenance page, safety backup, atomic swap, files, audit."""

from __future__ import annotations

import io
import os
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError

from backups.conftest import BUCKET
from backups.inplace import backup_restore_in_place
from backups.models import Backup
from backups.services import BackupError, backup_run, backup_verify
from backups.tests.test_backups import _files, _schemas, _table_digests
from core.audit import Actor
from core.maintenance import maintenance_begin, maintenance_end, maintenance_reason
from core.models import AuditEntry
from core.tenancy import in_public, in_tenant

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("drop_restored_schemas")]

SHELL = Actor(label="test")


def _without_audit(digests: dict[str, Any]) -> dict[str, Any]:
    return {table: value for table, value in digests.items() if table != "core_auditentry"}


@pytest.fixture
def filled(tenant: Any, make_user: Any) -> Any:
    make_user(tenant, "nguyentd", full_name="Trần Đình Nguyên")
    with in_tenant(tenant):
        default_storage.save("attachments/2026/van-ban.pdf", ContentFile(b"%PDF-1.7 " + os.urandom(3000)))
        default_storage.save("avatars/a.png", ContentFile(os.urandom(500)))
    return tenant


def test_backup_then_restore_in_place_gives_identical_rows_and_files(
    s3: Any, filled: Any, make_user: Any, client_for: Any, host_of: Any
) -> None:
    # given a backup, and changes made after it
    backup = backup_run(actor=SHELL, tenant=filled)
    rows_at_backup = _table_digests(filled.schema_name)
    files_at_backup = _files(filled.schema_name)
    with in_tenant(filled):
        audit_at_backup = list(AuditEntry.objects.order_by("id").values_list("hash", flat=True))
    make_user(filled, "thuyctp", full_name="Cao Thị Phương Thuý")
    with in_tenant(filled):
        default_storage.delete("avatars/a.png")
        default_storage.save("new/after.txt", ContentFile(b"sau khi sao luu"))
    assert _table_digests(filled.schema_name) != rows_at_backup
    schemas_before = _schemas()

    # when it is restored in place
    out = io.StringIO()
    call_command("backups", "restore", str(backup.uuid), "--in-place", stdout=out)

    # then rows and files are the backup's, and nothing is left behind
    assert _without_audit(_table_digests(filled.schema_name)) == _without_audit(rows_at_backup)
    assert _files(filled.schema_name) == files_at_backup
    assert _schemas() == schemas_before
    # The tenant's own trail: the backup's entries, then one saying it was restored.
    with in_tenant(filled):
        trail = list(AuditEntry.objects.order_by("id"))
    assert [e.hash for e in trail[:-1]] == audit_at_backup
    assert trail[-1].action == "backup.restored"
    assert trail[-1].detail["backup"] == str(backup.uuid)
    # The state before the restore is kept in a safety backup, which holds the later changes.
    safety = Backup.objects.get(trigger=Backup.Trigger.SAFETY)
    assert str(safety.uuid) in out.getvalue()
    assert backup_verify(backup=safety)["row_counts"]["accounts_user"] == 2
    with in_public():
        entry = AuditEntry.objects.filter(action="backup.restore").latest("id")
    assert entry.detail["mode"] == "in_place"
    assert entry.detail["safety_backup"] == str(safety.uuid)
    # The tenant serves again, with the backup's accounts only.
    assert maintenance_reason(filled.schema_name) is None
    client = client_for(host_of(filled))
    from conftest import PASSWORD

    assert client.post("/login/", {"username": "nguyentd", "password": PASSWORD}).status_code == 302
    assert (
        client_for(host_of(filled)).post("/login/", {"username": "thuyctp", "password": PASSWORD}).status_code
        == 200
    )


def test_a_tampered_backup_is_refused_before_the_tenant_is_touched(s3: Any, filled: Any) -> None:
    backup = backup_run(actor=SHELL, tenant=filled)
    key = f"{backup.location}/files.tar.zst.enc"
    client = s3.client()
    body = bytearray(client.get_object(Bucket=BUCKET, Key=key)["Body"].read())
    body[-5] ^= 0x01
    client.put_object(Bucket=BUCKET, Key=key, Body=bytes(body))
    rows, files, schemas = _table_digests(filled.schema_name), _files(filled.schema_name), _schemas()

    with pytest.raises(CommandError, match=r"altered|damaged"):
        call_command("backups", "restore", str(backup.uuid), "--in-place")
    assert _table_digests(filled.schema_name) == rows
    assert _files(filled.schema_name) == files
    assert _schemas() == schemas
    assert Backup.objects.count() == 1  # not even a safety backup was taken
    assert maintenance_reason(filled.schema_name) is None


def test_the_tenant_shows_a_maintenance_page_and_a_second_restore_is_refused(
    s3: Any, filled: Any, client_for: Any, host_of: Any
) -> None:
    backup = backup_run(actor=SHELL, tenant=filled)
    assert maintenance_begin(filled.schema_name, reason="restore")
    try:
        response = client_for(host_of(filled)).get("/login/")
        assert response.status_code == 503
        assert "Đang bảo trì" in response.content.decode()
        with pytest.raises(BackupError, match="already under maintenance"):
            backup_restore_in_place(actor=SHELL, backup=backup)
    finally:
        maintenance_end(filled.schema_name)
    assert client_for(host_of(filled)).get("/login/").status_code == 200
    assert Backup.objects.count() == 1


def test_only_province_operators_restore_in_place(s3: Any, filled: Any, make_user: Any) -> None:
    backup = backup_run(actor=SHELL, tenant=filled)
    officer = make_user(filled, "itofficer", full_name="Cán bộ CNTT")
    nobody = make_user(None, "khach", full_name="Khách")
    for user in (officer, nobody):
        with pytest.raises(PermissionDenied):
            backup_restore_in_place(actor=Actor(user=user), backup=backup)
    assert Backup.objects.count() == 1


def test_restore_needs_a_mode_and_a_new_tenant_needs_a_name(s3: Any, filled: Any) -> None:
    backup = backup_run(actor=SHELL, tenant=filled)
    with pytest.raises(CommandError):
        call_command("backups", "restore", str(backup.uuid))
    with pytest.raises(CommandError, match="--name and --org-code"):
        call_command("backups", "restore", str(backup.uuid), "--as-new-tenant")
