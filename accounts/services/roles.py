"""Roles: grant and revoke. Revoking keeps the grant's row, so who held what stays on record (and
the takeover guard in `credentials` can see a role held earlier)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import events
from accounts.models import RoleGrant, User
from accounts.permissions import forget_roles
from accounts.roles import role_label
from accounts.services.base import acts_on_self, lock_target, validate_roles
from accounts.services.credentials import refuse_takeover, takeover_refusal_for_grant
from core.audit import Actor, audit_record
from core.errors import ApplicationError


def role_grant(*, actor: Actor, user: User, role: str) -> User:
    errors: dict[str, list[str]] = {}
    validate_roles([role], errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        target = lock_target(actor, user)
        if target.role_grants.filter(role=role, revoked_at__isnull=True).exists():
            return target
        if acts_on_self(actor, target):
            raise ApplicationError(
                _("Không thể tự cấp vai trò cho chính mình; hãy nhờ người có thẩm quyền khác."),
                code="self_grant",
            )
        refusal = takeover_refusal_for_grant(actor, target, role)
        if refusal is None:
            RoleGrant.objects.create(user=target, role=role, granted_by=actor.name)
            audit_record(
                actor=actor, action="account.grant_role", target=target, role=role, label=role_label(role)
            )
            forget_roles(target)
            events.publish(events.RolesChanged(user=target))
    if refusal is not None:
        raise refuse_takeover(actor, target, refusal, step="grant_role")
    forget_roles(user)
    return target


def role_revoke(*, actor: Actor, user: User, role: str) -> User:
    with transaction.atomic():
        target = lock_target(actor, user)
        grant = target.role_grants.select_for_update().filter(role=role, revoked_at__isnull=True).first()
        if grant is None:
            return target
        if acts_on_self(actor, target) and role in ("it_officer", "operator"):
            raise ApplicationError(
                _("Không thể tự thu hồi vai trò quản trị của chính mình; hãy nhờ người khác."),
                code="self_revoke",
            )
        grant.revoked_at = timezone.now()
        grant.revoked_by = actor.name
        grant.save(update_fields=["revoked_at", "revoked_by"])
        audit_record(
            actor=actor, action="account.revoke_role", target=target, role=role, label=role_label(role)
        )
        forget_roles(target)
        events.publish(events.RolesChanged(user=target))
    forget_roles(user)
    return target
