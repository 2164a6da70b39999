"""Schedules: slots spread over the night, a tenant queued once per slot, retention keeps exactly the
policy's set, a failed or missed backup raises an alert on the console."""

from __future__ import annotations

import io
import uuid
from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from backups.models import Alert, Backup
from backups.schedules import (
    backup_scheduled_run,
    backups_sweep,
    last_slot,
    retention_apply,
    slot_offset,
    slot_on,
)
from backups.services import BackupError
from backups.store import configured_store
from tenants.models import Tenant

pytestmark = [pytest.mark.django_db(transaction=True)]

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")


def test_slots_are_spread_over_the_window_and_do_not_move(settings: Any) -> None:
    tenants = [Tenant(uuid=uuid.uuid4(), schema_name=f"t{i}") for i in range(1000)]
    offsets = [slot_offset(t) for t in tenants]
    assert all(timedelta(0) <= o < timedelta(hours=settings.BACKUP_WINDOW_HOURS) for o in offsets)
    # 1,000 tenants over 4 hours: no ten-minute stretch holds more than a few dozen of them.
    per_stretch = Counter(int(o.total_seconds()) // 600 for o in offsets)
    assert len(per_stretch) == 24
    assert max(per_stretch.values()) < 80
    # A tenant's slot is the same every night, at the window's start plus its offset.
    first, second = slot_on(tenants[0], date(2026, 12, 3)), slot_on(tenants[0], date(2026, 12, 4))
    assert second - first == timedelta(days=1)
    assert first.astimezone(LOCAL).hour in range(1, 5)


def test_the_sweep_queues_a_tenant_once_per_slot_and_raises_an_alert_when_missed(
    tenant: Any, settings: Any
) -> None:
    slot = slot_on(tenant, date(2026, 12, 3))
    queued: list[str] = []
    backups_sweep(now=slot + timedelta(minutes=1), enqueue=queued.append)
    backups_sweep(now=slot + timedelta(minutes=6), enqueue=queued.append)
    assert queued == [str(tenant.uuid)]
    assert not Alert.objects.exists()

    # Nothing completed hours after the slot: one open alert, however often the sweep runs.
    late = slot + timedelta(hours=settings.BACKUP_MISSED_AFTER_HOURS, minutes=1)
    backups_sweep(now=late, enqueue=queued.append)
    backups_sweep(now=late + timedelta(minutes=5), enqueue=queued.append)
    alert = Alert.objects.get()
    assert alert.kind == Alert.Kind.BACKUP_MISSED
    assert alert.tenant == tenant
    assert alert.resolved_at is None
    # The next night's slot queues it again.
    backups_sweep(now=slot + timedelta(days=1, minutes=1), enqueue=queued.append)
    assert queued == [str(tenant.uuid)] * 2


def test_a_suspended_tenant_is_not_scheduled(tenant: Any) -> None:
    Tenant.objects.filter(pk=tenant.pk).update(status=Tenant.Status.SUSPENDED)
    queued: list[str] = []
    backups_sweep(now=slot_on(tenant, date(2026, 12, 3)) + timedelta(minutes=1), enqueue=queued.append)
    assert queued == []


def test_a_scheduled_backup_runs_once_per_slot_and_resolves_the_alerts(s3: Any, tenant: Any) -> None:
    Alert.objects.create(tenant=tenant, kind=Alert.Kind.BACKUP_MISSED, message="missed")
    backup = backup_scheduled_run(tenant_uuid=str(tenant.uuid))
    assert backup is not None
    assert backup.trigger == Backup.Trigger.SCHEDULED
    assert backup.state == Backup.State.COMPLETE
    assert backup_scheduled_run(tenant_uuid=str(tenant.uuid)) is None  # a redelivered task
    assert Backup.objects.count() == 1
    assert Alert.objects.get().resolved_at is not None
    assert backup.started_at >= last_slot(tenant, timezone.now())


def test_a_failed_scheduled_backup_raises_an_alert(s3: Any, tenant: Any) -> None:
    s3.stop()  # the object store is down
    with pytest.raises(BackupError, match="failed"):
        backup_scheduled_run(tenant_uuid=str(tenant.uuid))
    alert = Alert.objects.get()
    assert alert.kind == Alert.Kind.BACKUP_FAILED
    assert alert.tenant == tenant
    assert Backup.objects.get().state == Backup.State.FAILED


def _backup_at(tenant: Any, at: datetime, trigger: str, state: str = Backup.State.COMPLETE) -> Backup:
    backup = Backup.objects.create(
        tenant=tenant,
        schema_name=tenant.schema_name,
        org_code=tenant.org_code,
        store="local",
        location=f"backups/{tenant.uuid}/{uuid.uuid4()}",
        trigger=trigger,
        state=state,
    )
    Backup.objects.filter(pk=backup.pk).update(started_at=at)
    configured_store().put(f"{backup.location}/manifest.json.zst.enc", io.BytesIO(b"x"))
    return backup


def test_retention_keeps_exactly_the_policys_set(tenant: Any, settings: Any, tmp_path: Any) -> None:
    settings.BACKUP_S3_BUCKET = ""
    settings.BACKUP_DIR = tmp_path / "backups"
    now = datetime(2026, 12, 3, 12, 0, tzinfo=LOCAL)
    # given a scheduled backup every night at 02:00 for 14 months, two on the last day
    day, backups = date(2025, 10, 1), {}
    while day <= now.date():
        backups[day] = _backup_at(
            tenant, datetime(day.year, day.month, day.day, 2, tzinfo=LOCAL), "scheduled"
        )
        day += timedelta(days=1)
    newest = _backup_at(tenant, datetime(2026, 12, 3, 3, tzinfo=LOCAL), "scheduled")
    manual_recent = _backup_at(tenant, now - timedelta(days=10), "manual")
    manual_old = _backup_at(tenant, now - timedelta(days=40), "manual")
    failed = _backup_at(tenant, now - timedelta(hours=5), "scheduled", state=Backup.State.FAILED)

    retention_apply(tenant=tenant, now=now)

    # 7 daily (Dec 3 to Nov 27), 4 weekly (ISO weeks: Dec 3, Nov 29, 22, 15), 12 monthly (Dec 3, then
    # each month's last day back to January 2026); Dec 3's earlier backup gives way to its newer one.
    kept_days = {
        date(2026, 12, 2), date(2026, 12, 1), date(2026, 11, 30), date(2026, 11, 29), date(2026, 11, 28),
        date(2026, 11, 27), date(2026, 11, 22), date(2026, 11, 15), date(2026, 10, 31), date(2026, 9, 30),
        date(2026, 8, 31), date(2026, 7, 31), date(2026, 6, 30), date(2026, 5, 31), date(2026, 4, 30),
        date(2026, 3, 31), date(2026, 2, 28), date(2026, 1, 31),
    }  # fmt: skip
    expected = {backups[d].pk for d in kept_days} | {newest.pk, manual_recent.pk}
    complete = set(Backup.objects.filter(state=Backup.State.COMPLETE).values_list("pk", flat=True))
    assert complete == expected
    assert Backup.objects.get(pk=failed.pk).state == Backup.State.FAILED
    assert Backup.objects.get(pk=manual_old.pk).state == Backup.State.EXPIRED
    # Expired backups' objects are gone from the store; kept ones are still there.
    store = configured_store()
    for backup in Backup.objects.exclude(pk=failed.pk):
        assert store.exists(f"{backup.location}/manifest.json.zst.enc") == (backup.pk in expected)
    # Applying it again changes nothing.
    assert retention_apply(tenant=tenant, now=now) == []
