"""Drills restore a backup into a scratch schema and compare it with the manifest: a dump that does
not match its manifest is caught, whether its checksums or only its row counts differ."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from backups.conftest import BUCKET
from backups.drills import drill_run, drills_due
from backups.models import Alert, Backup, Drill
from backups.services import (
    MANIFEST,
    SCHEMA_PART,
    _keys,
    _manifest_read,
    _put_sealed,
    backup_run,
    backup_verify,
)
from backups.store import configured_store
from core.audit import Actor
from core.models import AuditEntry
from core.tenancy import in_public

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("drop_restored_schemas")]

SHELL = Actor(label="test")


def _scratch_schemas() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'drill\\_%' OR nspname LIKE 'hold\\_%'"
        )
        return [row[0] for row in cursor.fetchall()]


def _copy(s3: Any, source: str, target: str) -> None:
    client = s3.client()
    client.put_object(
        Bucket=BUCKET, Key=target, Body=client.get_object(Bucket=BUCKET, Key=source)["Body"].read()
    )


def test_a_drill_of_a_good_backup_is_recorded_and_leaves_nothing(
    s3: Any, tenant: Any, make_user: Any
) -> None:
    make_user(tenant, "nguyentd", full_name="Trần Đình Nguyên")
    backup = backup_run(actor=SHELL, tenant=tenant)
    out = io.StringIO()
    call_command("backups", "drill", str(backup.uuid), stdout=out)
    assert out.getvalue().startswith("ok drill")
    drill = Drill.objects.get()
    assert drill.ok is True
    assert drill.backup == backup
    assert drill.detail["rows"] > 0
    assert _scratch_schemas() == []
    with in_public():
        assert AuditEntry.objects.filter(action="backup.drill").latest("id").detail["ok"] is True
    # The tenant's newest backup is drilled through --tenant as well.
    call_command("backups", "drill", "--tenant", tenant.org_code, stdout=io.StringIO())
    assert Drill.objects.filter(ok=True).count() == 2


@pytest.fixture
def two_backups(s3: Any, tenant: Any, make_user: Any) -> tuple[Backup, Backup]:
    """Two good backups of the tenant, an account apart."""
    first = backup_run(actor=SHELL, tenant=tenant)
    make_user(tenant, "thuyctp", full_name="Cao Thị Phương Thuý")
    return first, backup_run(actor=SHELL, tenant=tenant)


def test_a_drill_detects_a_dump_whose_checksum_differs_from_its_manifest(s3: Any, two_backups: Any) -> None:
    first, second = two_backups
    # A validly sealed dump, but another one than the manifest describes.
    part = f"{SCHEMA_PART}.zst.enc"
    _copy(s3, f"{second.location}/{part}", f"{first.location}/{part}")

    with pytest.raises(CommandError, match=r"drill of backup .* failed: .*differs from its manifest"):
        call_command("backups", "drill", str(first.uuid))
    drill = Drill.objects.get()
    assert drill.ok is False
    assert Alert.objects.get(kind=Alert.Kind.DRILL_FAILED).resolved_at is None
    assert _scratch_schemas() == []


def test_a_drill_detects_a_dump_whose_rows_differ_from_its_manifest(s3: Any, two_backups: Any) -> None:
    first, second = two_backups
    # The manifest of the first names the second's dump and its checksums, but keeps its own row
    # counts: every checksum agrees (verify passes), only a real restore can tell.
    store, keys = configured_store(), _keys()
    manifest = _manifest_read(first, store, keys)
    manifest["parts"][SCHEMA_PART] = _manifest_read(second, store, keys)["parts"][SCHEMA_PART]
    part = f"{SCHEMA_PART}.zst.enc"
    _copy(s3, f"{second.location}/{part}", f"{first.location}/{part}")
    payload = json.dumps(manifest, sort_keys=True).encode()
    _put_sealed(store, f"{first.location}/{MANIFEST}.zst.enc", io.BytesIO(payload), keys[0])
    assert backup_verify(backup=first)["backup"] == str(first.uuid)

    drill = drill_run(actor=SHELL, backup=first)
    assert drill.ok is False
    assert "row counts differ" in drill.error
    assert _scratch_schemas() == []
    # A good drill afterwards resolves the alert.
    assert drill_run(actor=SHELL, backup=second).ok is True
    assert Alert.objects.get().resolved_at is not None


def test_drills_fall_due_per_tenant_once_a_period(
    s3: Any, tenant: Any, other_tenant: Any, settings: Any
) -> None:
    backup_run(actor=SHELL, tenant=tenant)
    newest = backup_run(actor=SHELL, tenant=tenant)
    assert drills_due() == [newest]  # the other tenant has no backup to drill
    drill_run(actor=SHELL, backup=newest)
    assert drills_due() == []
    later = timezone.now() + timedelta(days=settings.BACKUP_DRILL_EVERY_DAYS, hours=1)
    assert drills_due(now=later) == [newest]


def test_with_a_progress_bar_stdout_still_holds_only_what_scripts_read(s3: Any, tenant: Any) -> None:
    out, err = io.StringIO(), io.StringIO()
    call_command("backups", "--progress", "run", "--tenant", tenant.org_code, stdout=out, stderr=err)
    backup_id = out.getvalue().strip()
    assert backup_verify(backup=Backup.objects.get(uuid=backup_id))
    out = io.StringIO()
    call_command("backups", "--progress", "verify", backup_id, stdout=out)
    assert out.getvalue().startswith(f"ok {backup_id}")
