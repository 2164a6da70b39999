"""The agency's IT officer backs up their own tenant and downloads it (R10), on its workspace.

The backup itself runs in a task (the same `backup_run` as the province's, marked `officer`); the
download is the backup's plaintext parts, decrypted and checked as they stream, in one tar with
the manifest first (so the officer can check every part's SHA-256): nothing is held whole.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import partial

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from backups.models import Backup
from backups.permissions import backups_can_run_own, backups_downloadable
from backups.services import (
    FILES_PART,
    MANIFEST,
    SCHEMA_PART,
    BackupError,
    _keys,
    _manifest_read,
    _part_pieces,
    backup_run,
)
from backups.store import configured_store
from backups.streams import tar_stream
from core.audit import Actor, audit_record
from core.cache import state_cache
from core.tenancy import in_public, in_tenant
from tenants.models import Tenant


def _running_lock(tenant: Tenant) -> str:
    return f"backups:running:{tenant.uuid}"  # shared with the scheduled run (backups.schedules)


def backup_own_start(*, actor: Actor, tenant: Tenant) -> None:
    """Queue a backup of the officer's own tenant (after commit); refused while one runs."""
    if actor.user is None or not backups_can_run_own(actor.user):
        raise PermissionDenied
    with in_public():
        running = Backup.objects.filter(tenant=tenant, state=Backup.State.RUNNING).exists()
        # the lock read as state: with Redis away this raises (a 503), not "nothing is running"
        running = running or state_cache().get(_running_lock(tenant)) is not None
    if running:
        raise BackupError(_("Một bản sao lưu của đơn vị đang chạy; vui lòng chờ nó hoàn tất."))
    from backups.tasks import backup_own_task

    with transaction.atomic():
        audit_record(actor=actor, action="backup.request")
        transaction.on_commit(partial(backup_own_task.delay, str(tenant.uuid), str(actor.user.uuid)))


def backup_own_run(*, tenant_uuid: str, user_uuid: str) -> Backup | None:
    """The task's body, in the tenant's schema: the officer must still hold the right."""
    from accounts.models import User

    with in_public():
        tenant = Tenant.objects.filter(uuid=tenant_uuid, status=Tenant.Status.ACTIVE).first()
    if tenant is None:
        return None
    with in_tenant(tenant):
        user = User.objects.filter(uuid=user_uuid).first()
        if user is None or not backups_can_run_own(user):
            return None
    lock = _running_lock(tenant)
    with in_public():
        if not cache.add(lock, 1, 6 * 3600):
            return None
    try:
        return backup_run(
            actor=Actor(user=user), tenant=tenant, trigger=Backup.Trigger.OFFICER, authorised=True
        )
    finally:
        with in_public():
            cache.delete(lock)


def backup_own_download(*, actor: Actor, tenant: Tenant, backup_uuid: str) -> tuple[Backup, Iterator[bytes]]:
    """The backup (of this tenant only, else 404) and its stream; the download is audited."""
    if actor.user is None or not backups_can_run_own(actor.user):
        raise PermissionDenied
    downloadable = backups_downloadable(actor.user, tenant)  # asked here, in the tenant's scope
    with in_public():
        backup = downloadable.filter(uuid=backup_uuid).first()
        if backup is None:
            raise Http404
        store, keys = configured_store(), _keys()
        manifest = _manifest_read(backup, store, keys)
        with transaction.atomic():
            audit_record(actor=actor, action="backup.download", target=tenant, backup=str(backup.uuid))
    with transaction.atomic():
        audit_record(actor=actor, action="backup.download", backup=str(backup.uuid))
    payload = json.dumps(manifest, sort_keys=True, ensure_ascii=False, indent=1).encode()
    parts = manifest["parts"]
    members = [
        (MANIFEST, len(payload), [payload]),
        *(
            (part, parts[part]["plain_size"], _part_pieces(backup, store, keys, part, parts[part]))
            for part in (SCHEMA_PART, FILES_PART)
        ),
    ]
    return backup, tar_stream(members)
