"""Restore drills: a backup restored into a scratch schema and compared with its manifest.

The dump is restored for real (pg_restore into `drill_<random>`), its plaintext and stored
checksums compared with the manifest's while it streams, then every table's row count; the files
part is read through and its checksums compared. The scratch schema is dropped whatever happens;
the outcome is recorded (Drill), audited, and a failure raises an alert on the console.
"""

from __future__ import annotations

import contextlib
import tarfile
import uuid
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from backups.models import Alert, Backup, Drill
from backups.schedules import alert_raise, alerts_resolve
from backups.services import (
    FILES_PART,
    BackupError,
    _authorise,
    _keys,
    _manifest_read,
    _part_pieces,
    _restore_schema,
)
from backups.store import configured_store
from backups.streams import reader_of
from core.audit import Actor, audit_record
from core.tenancy import in_public
from tenants import provisioning
from tenants.models import Tenant

DRILLER = Actor(label="backup drill")


def drill_run(*, actor: Actor, backup: Backup) -> Drill:
    """Drill one backup; returns the recorded Drill (ok or not). Raises only for who may not."""
    _authorise(actor)
    with in_public():
        drill = Drill.objects.create(tenant=backup.tenant, backup=backup)
    scratch = f"drill_{uuid.uuid4().hex[:16]}"
    detail: dict[str, Any] = {"schema": scratch}
    error = ""
    try:
        if backup.state != Backup.State.COMPLETE:
            raise BackupError(f"Backup {backup.uuid} is {backup.get_state_display()}, not complete.")
        store, keys = configured_store(), _keys()
        manifest = _manifest_read(backup, store, keys)
        _restore_schema(backup, store, keys, manifest, scratch)  # checksums, then row counts
        detail["tables"] = len(manifest["row_counts"])
        detail["rows"] = sum(manifest["row_counts"].values())
        pieces = _part_pieces(backup, store, keys, FILES_PART, manifest["parts"][FILES_PART])
        with tarfile.open(fileobj=reader_of(pieces), mode="r|") as tar:
            detail["files"] = sum(1 for member in tar if member.isfile())
        for _rest in pieces:  # the tar's end padding: the checksums are checked after the last piece
            pass
    except BackupError as exc:
        error = exc.message
    except Exception as exc:  # a drill records what went wrong; it is the point of a drill
        error = f"{type(exc).__name__}: {exc}"
    finally:
        with contextlib.suppress(Exception), in_public(), transaction.atomic():
            provisioning.schema_drop(scratch)
    with in_public(), transaction.atomic():
        Drill.objects.filter(pk=drill.pk).update(
            ok=not error, detail=detail, error=error, finished_at=timezone.now()
        )
        audit_record(
            actor=actor,
            action="backup.drill",
            target=backup.tenant,
            backup=str(backup.uuid),
            ok=not error,
            error=error,
        )
    if error:
        alert_raise(
            tenant=backup.tenant,
            kind=Alert.Kind.DRILL_FAILED,
            message=f"The restore drill of backup {backup.uuid} failed: {error}",
        )
    else:
        alerts_resolve(tenant=backup.tenant, kinds=[Alert.Kind.DRILL_FAILED])
    drill.refresh_from_db()
    return drill


def drills_due(*, now: Any = None, limit: int | None = None) -> list[Backup]:
    """The newest complete backup of each active tenant whose last drill (any outcome) is older
    than BACKUP_DRILL_EVERY_DAYS, the longest-waiting first."""
    now = now or timezone.now()
    since = now - timedelta(days=settings.BACKUP_DRILL_EVERY_DAYS)
    with in_public():
        tenants = (
            Tenant.objects.filter(status=Tenant.Status.ACTIVE, backups__state=Backup.State.COMPLETE)
            .annotate(last_drill=Max("backup_drills__started_at"))
            .filter(Q(last_drill__isnull=True) | Q(last_drill__lt=since))
            .distinct()
            .order_by("last_drill", "pk")
        )
        picked = []
        for tenant in tenants[: limit or settings.BACKUP_DRILLS_PER_SWEEP]:
            newest = tenant.backups.filter(state=Backup.State.COMPLETE).order_by("-started_at").first()
            if newest is not None:
                picked.append(newest)
    return picked


def drills_sweep() -> list[Drill]:
    return [drill_run(actor=DRILLER, backup=backup) for backup in drills_due()]
