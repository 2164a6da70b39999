"""Restore a tenant in place from one of its backups (R6).

Verified first (nothing is touched by a bad backup); then the tenant's hosts show a maintenance page,
a safety backup of the current state is taken, the backup is restored into a scratch schema (newer
migrations applied there) and its files into the scratch schema's prefix, and only then the live
schema is swapped for the scratch one in one transaction and the files moved into place.
"""

from __future__ import annotations

import contextlib
import logging
import posixpath
import tempfile
import uuid
from typing import Any

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from psycopg import sql

from backups import pg
from backups.models import Backup
from backups.services import (
    BackupError,
    _authorise,
    _files_drop,
    _keys,
    _restore_audit,
    _restore_files,
    _restore_schema,
    _storage_walk,
    backup_run,
    backup_verify,
)
from backups.store import configured_store
from backups.streams import read_pieces
from core.audit import Actor, audit_record
from core.maintenance import maintenance_begin, maintenance_end
from core.tenancy import in_public, in_schema, in_tenant
from tenants import provisioning
from tenants.events import TenantRestored, publish_restored

logger = logging.getLogger(__name__)


def backup_restore_in_place(*, actor: Actor, backup: Backup) -> Backup:
    """Bring `backup.tenant` back to the backup's state; returns the safety backup taken first."""
    _authorise(actor, "backups.restore")
    tenant = backup.tenant
    if tenant.is_public:
        raise BackupError(
            "The province's own schema is never swapped in place: restore it beside the live one "
            "(`manage.py backups restore ID --beside`) and copy from there."
        )
    manifest = backup_verify(backup=backup)  # a tampered or truncated backup stops here
    live = tenant.schema_name
    if not maintenance_begin(live, reason=f"restore {backup.uuid}"):
        raise BackupError(f"{tenant.name} is already under maintenance (another restore is running).")
    scratch = f"restore_{uuid.uuid4().hex[:16]}"
    swapped = False
    try:
        safety = backup_run(actor=actor, tenant=tenant, trigger=Backup.Trigger.SAFETY)
        store, keys = configured_store(), _keys()
        _restore_schema(backup, store, keys, manifest, scratch)
        provisioning.schema_migrate(scratch)
        _restore_files(backup, store, keys, manifest, scratch)  # staged under the scratch prefix
        old = f"old_{uuid.uuid4().hex[:16]}"
        _swap(live=live, scratch=scratch, old=old)
        swapped = True
        _files_replace(source=scratch, target=live)
        _schema_drop(old)
    except BaseException as exc:
        with contextlib.suppress(Exception):
            if not swapped:
                _schema_drop(scratch)
            _files_drop(scratch)
        sentence = exc.message if isinstance(exc, BackupError) else f"{type(exc).__name__}: {exc}"
        with contextlib.suppress(Exception), in_public(), transaction.atomic():
            audit_record(
                actor=actor,
                action="backup.restore_fail",
                target=tenant,
                backup=str(backup.uuid),
                mode="in_place",
                swapped=swapped,
                error=sentence,
            )
        raise
    finally:
        maintenance_end(live)
    detail: dict[str, Any] = {"backup_time": manifest["created_at"], "safety_backup": str(safety.uuid)}
    # What the hub carried since the backup: replayed, or listed for the clerks (interagency.exchange).
    try:
        detail["after_restore"] = publish_restored(
            TenantRestored(actor=actor, tenant=tenant, since=backup.started_at)
        )
    except Exception as exc:  # the restore itself is done; the operator sees what did not follow
        logger.exception("after the restore of %s", live)
        detail["after_restore_error"] = f"{type(exc).__name__}: {exc}"
    _restore_audit(actor, backup, manifest, target=tenant, mode="in_place", **detail)
    # The tenant's own trail now ends at the backup's time: it says so, and where the rest is kept.
    with in_tenant(tenant), transaction.atomic():
        audit_record(
            actor=actor, action="backup.restored", backup=str(backup.uuid), mode="in_place", **detail
        )
    return safety


def _swap(*, live: str, scratch: str, old: str) -> None:
    """The live schema steps aside and the restored one takes its name, in one transaction."""
    from django_tenants.postgresql_backend.base import _check_schema_name

    for name in (live, scratch, old):
        _check_schema_name(name)
    rename = sql.SQL("ALTER SCHEMA {} RENAME TO {}")
    with pg.connect() as conn, conn.transaction():
        conn.execute(rename.format(sql.Identifier(live), sql.Identifier(old)))
        conn.execute(rename.format(sql.Identifier(scratch), sql.Identifier(live)))


def _schema_drop(name: str) -> None:
    from django_tenants.postgresql_backend.base import _check_schema_name

    _check_schema_name(name)
    with pg.connect() as conn, conn.transaction():
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(name)))


def _files_replace(*, source: str, target: str) -> None:
    """`target`'s files become exactly `source`'s (streamed copies), and `source` is emptied."""
    with in_schema(source):
        staged = list(_storage_walk())
    with in_schema(target):
        for name in list(_storage_walk()):
            default_storage.delete(name)
    for name in staged:
        # Through a spool: a storage's file may resolve its path lazily, under the current schema.
        with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as spool:
            with in_schema(source), default_storage.open(name, "rb") as handle:
                for piece in read_pieces(handle):
                    spool.write(piece)
            spool.seek(0)
            with in_schema(target):
                saved = default_storage.save(name, File(spool, name=posixpath.basename(name)))
        if saved != name:
            raise BackupError(f"The file {name} could not be restored under its own name.")
    _files_drop(source)
