"""An operator's actions from the console: checked and queued here, run by a task in the background
(a backup or a restore takes longer than a request may). Each request and its outcome is audited."""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from backups.drills import drill_run
from backups.inplace import backup_restore_in_place
from backups.models import Backup
from backups.permissions import backups_can_operate, backups_can_restore
from backups.selectors import backup_get, backup_tenant_get
from backups.services import BackupError, backup_restore_as_new_tenant, backup_run
from core.audit import Actor, audit_record
from core.errors import ApplicationError
from core.tenancy import in_public
from tenants.models import Tenant
from tenants.orgcode import normalize_org_code

logger = logging.getLogger(__name__)

ACTIONS = ("backup", "drill", "restore_in_place", "restore_new")


def _target(action: str, key: str) -> Tenant | Backup:
    with in_public():
        found = backup_tenant_get(key) if action == "backup" else backup_get(key)
    if found is None:
        raise Http404
    return found


def console_action_start(
    *, actor: Actor, action: str, key: str, options: dict[str, str] | None = None
) -> None:
    """Check, audit and queue (after commit) one console action on a tenant (backup) or a backup."""
    options = dict(options or {})
    if action not in ACTIONS:
        raise Http404
    allowed = backups_can_restore if action.startswith("restore") else backups_can_operate
    if actor.user is None or not allowed(actor.user):
        raise PermissionDenied
    target = _target(action, key)
    if isinstance(target, Backup):
        if target.state != Backup.State.COMPLETE:
            raise BackupError(_("Chỉ dùng được bản sao lưu đã hoàn tất."))
        if action == "restore_in_place" and target.tenant.is_public:
            raise BackupError(
                _("Lược đồ của tỉnh không khôi phục tại chỗ; dùng dòng lệnh (backups restore --beside).")
            )
    if action == "restore_new":
        if not options.get("name", "").strip():
            raise BackupError(_("Cần tên của đơn vị tạm."))
        options["org_code"] = normalize_org_code(options.get("org_code", ""))  # a ValidationError
    from backups.tasks import console_action_task

    with in_public(), transaction.atomic():
        audit_record(
            actor=actor,
            action="backup.console_request",
            target=target.tenant if isinstance(target, Backup) else target,
            request=action,
            key=key,
        )
        transaction.on_commit(partial(console_action_task.delay, action, key, str(actor.user.uuid), options))


def console_action_run(*, action: str, key: str, user_uuid: str, options: dict[str, str]) -> Any:
    """The task's body: the operator must still hold the right; a refusal is logged (and the
    services have already audited it and raised an alert where one is due)."""
    from accounts.models import User

    with in_public():
        user = User.objects.filter(uuid=user_uuid).first()
    if user is None:
        return None
    actor = Actor(user=user)
    target = _target(action, key)
    try:
        with in_public():
            if isinstance(target, Tenant):
                return backup_run(actor=actor, tenant=target)
            if action == "drill":
                return drill_run(actor=actor, backup=target)
            if action == "restore_in_place":
                return backup_restore_in_place(actor=actor, backup=target)
            hosts = {"workspace": options["host"]} if options.get("host") else None
            return backup_restore_as_new_tenant(
                actor=actor, backup=target, name=options["name"], org_code=options["org_code"], hosts=hosts
            )
    except (ApplicationError, PermissionDenied) as exc:
        logger.warning("console %s of %s by %s refused: %s", action, key, user.username, exc)
        return None
