"""Scheduled backups (Celery beat), retention and alerts.

Each active tenant has a slot in the night's window (BACKUP_WINDOW_START, BACKUP_WINDOW_HOURS, local
time), at a fixed offset from a hash of its UUID: 1,000 tenants spread over the window instead of
starting at once, and a tenant's slot does not move from night to night. Beat runs
`backups_sweep` every few minutes: a tenant whose slot has passed with no scheduled backup since is
queued, and one still without a complete backup BACKUP_MISSED_AFTER_HOURS after its slot raises an
alert. After each successful backup the tenant's kind's policy (BACKUP_POLICIES) is applied:
the newest scheduled backup of each of the last `daily` days, `weekly` ISO weeks and `monthly`
months that have one is kept, the rest expire; other backups (manual, the officer's, safety ones)
are kept BACKUP_KEEP_OTHER_DAYS.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
from collections.abc import Callable, Iterable
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from backups.models import Alert, Backup
from backups.services import BackupError, backup_run
from backups.store import configured_store
from core.audit import Actor, audit_record
from core.tenancy import in_public
from tenants.models import Tenant

logger = logging.getLogger(__name__)

SCHEDULER = Actor(label="backup schedule")


# --- slots ---------------------------------------------------------------------------------------


def slot_offset(tenant: Tenant) -> timedelta:
    """The tenant's fixed place in the window: a hash of its UUID, to the second."""
    window = int(settings.BACKUP_WINDOW_HOURS * 3600)
    digest = hashlib.sha256(f"backup slot {tenant.uuid}".encode()).digest()
    return timedelta(seconds=int.from_bytes(digest[:8], "big") % max(window, 1))


def slot_on(tenant: Tenant, day: date) -> datetime:
    start = datetime.combine(
        day, time(hour=settings.BACKUP_WINDOW_START), tzinfo=timezone.get_current_timezone()
    )
    return start + slot_offset(tenant)


def last_slot(tenant: Tenant, now: datetime) -> datetime:
    """The tenant's most recent slot at or before `now`."""
    today = timezone.localtime(now).date()
    for day in (today, today - timedelta(days=1), today - timedelta(days=2)):
        slot = slot_on(tenant, day)
        if slot <= now:
            return slot
    raise AssertionError("a slot lies within two days")  # pragma: no cover


def policy_for(tenant: Tenant) -> dict[str, int]:
    policies: dict[str, dict[str, int]] = settings.BACKUP_POLICIES
    return {**policies["default"], **policies.get(tenant.kind, {})}


# --- the sweep -----------------------------------------------------------------------------------


def _scheduled_tenants() -> Iterable[Tenant]:
    """Every active agency, and the province's own schema (backed up the same way)."""
    return Tenant.objects.filter(status=Tenant.Status.ACTIVE).order_by("pk")


def backups_sweep(*, now: datetime | None = None, enqueue: Callable[[str], Any]) -> list[str]:
    """Queue the tenants whose slot has passed (`enqueue(tenant uuid)`) and raise alerts for missed
    backups. Returns the UUIDs queued. Safe to run as often as beat likes: a tenant is queued once
    per slot (a cache mark), and its task checks again before it starts."""
    now = now or timezone.now()
    grace = timedelta(hours=settings.BACKUP_MISSED_AFTER_HOURS)
    queued = []
    with in_public():
        for tenant in _scheduled_tenants():
            slot = last_slot(tenant, now)
            since = Backup.objects.filter(
                tenant=tenant, trigger=Backup.Trigger.SCHEDULED, started_at__gte=slot
            )
            if not since.exists() and cache.add(
                f"backups:queued:{tenant.uuid}:{slot.isoformat()}", 1, 2 * 86400
            ):
                queued.append(str(tenant.uuid))
            if now - slot > grace and not since.filter(state=Backup.State.COMPLETE).exists():
                alert_raise(
                    tenant=tenant,
                    kind=Alert.Kind.BACKUP_MISSED,
                    message=f"No backup of {tenant.name} completed since its slot at "
                    f"{timezone.localtime(slot):%Y-%m-%d %H:%M}.",
                )
    for tenant_uuid in queued:
        transaction.on_commit(lambda key=tenant_uuid: enqueue(key))  # type: ignore[misc]
    return queued


def backup_scheduled_run(*, tenant_uuid: str, now: datetime | None = None) -> Backup | None:
    """The scheduled backup of one tenant, then its retention; an alert if it fails. None when a
    scheduled backup since the slot already exists (a redelivered task changes nothing)."""
    with in_public():
        tenant = Tenant.objects.filter(uuid=tenant_uuid, status=Tenant.Status.ACTIVE).first()
        if tenant is None:
            return None
        slot = last_slot(tenant, now or timezone.now())
        lock = f"backups:running:{tenant.uuid}"
        if not cache.add(lock, 1, 6 * 3600):
            return None
        try:
            done = Backup.objects.filter(
                tenant=tenant,
                trigger=Backup.Trigger.SCHEDULED,
                started_at__gte=slot,
                state__in=[Backup.State.RUNNING, Backup.State.COMPLETE],
            )
            if done.exists():
                return None
            try:
                backup = backup_run(actor=SCHEDULER, tenant=tenant, trigger=Backup.Trigger.SCHEDULED)
            except BackupError as exc:
                alert_raise(tenant=tenant, kind=Alert.Kind.BACKUP_FAILED, message=exc.message)
                logger.error("scheduled backup of %s failed: %s", tenant.schema_name, exc.message)
                raise
        finally:
            cache.delete(lock)
        alerts_resolve(tenant=tenant, kinds=[Alert.Kind.BACKUP_FAILED, Alert.Kind.BACKUP_MISSED])
        retention_apply(tenant=tenant, now=now)
        return backup


# --- retention -----------------------------------------------------------------------------------


def _newest_per(backups: list[Backup], bucket: Callable[[datetime], Any], count: int) -> set[int]:
    """The newest backup of each of the `count` newest buckets that have one (backups newest first)."""
    kept: dict[Any, int] = {}
    for backup in backups:
        key = bucket(timezone.localtime(backup.started_at))
        if key not in kept:
            if len(kept) == count:
                break
            kept[key] = backup.pk
    return set(kept.values())


def retention_keep(tenant: Tenant, *, now: datetime | None = None) -> set[int]:
    """The ids of the tenant's complete backups that its policy keeps."""
    now = now or timezone.now()
    policy = policy_for(tenant)
    complete = Backup.objects.filter(tenant=tenant, state=Backup.State.COMPLETE).order_by(
        "-started_at", "-id"
    )
    scheduled = list(complete.filter(trigger=Backup.Trigger.SCHEDULED))
    keep = _newest_per(scheduled, lambda at: at.date(), policy["daily"])
    keep |= _newest_per(scheduled, lambda at: at.isocalendar()[:2], policy["weekly"])
    keep |= _newest_per(scheduled, lambda at: (at.year, at.month), policy["monthly"])
    others = complete.exclude(trigger=Backup.Trigger.SCHEDULED).filter(
        started_at__gte=now - timedelta(days=settings.BACKUP_KEEP_OTHER_DAYS)
    )
    return keep | set(others.values_list("pk", flat=True))


def retention_apply(*, tenant: Tenant, now: datetime | None = None) -> list[Backup]:
    """Expire what the policy does not keep: stored objects deleted, the row kept as history."""
    store = configured_store()
    with in_public():
        keep = retention_keep(tenant, now=now)
        expired = list(
            Backup.objects.filter(tenant=tenant, state=Backup.State.COMPLETE)
            .exclude(pk__in=keep)
            .order_by("pk")
        )
        for backup in expired:
            store.delete_prefix(backup.location)
            with transaction.atomic():
                Backup.objects.filter(pk=backup.pk).update(state=Backup.State.EXPIRED)
                audit_record(actor=SCHEDULER, action="backup.expire", target=tenant, backup=str(backup.uuid))
    return expired


# --- alerts --------------------------------------------------------------------------------------


def alert_raise(*, tenant: Tenant, kind: str, message: str) -> None:
    """An open alert of this kind for the tenant (one at a time: a repeat refreshes the message)."""
    with in_public():
        updated = Alert.objects.filter(tenant=tenant, kind=kind, resolved_at__isnull=True).update(
            message=message
        )
        if not updated:
            with contextlib.suppress(IntegrityError), transaction.atomic():
                Alert.objects.create(tenant=tenant, kind=kind, message=message)


def alerts_resolve(*, tenant: Tenant, kinds: list[str]) -> None:
    with in_public():
        Alert.objects.filter(tenant=tenant, kind__in=kinds, resolved_at__isnull=True).update(
            resolved_at=timezone.now()
        )
