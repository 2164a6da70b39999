"""The one permission layer: role -> permission codes, plus object rules. Deny by default.

    can(user, "accounts.manage_accounts")            # may this person do this at all?
    can(user, "qlvbdh.assign", document)             # ...to this object?
    require(user, "qlvbdh.assign", document)         # the same, raising PermissionDenied

Views, API views, services and tasks all ask here. Another app adds an object rule with
`@object_rule("qlvbdh.assign")`; a code with no rule is decided by the role table alone.
A role counts only in its own scope: agency roles in a tenant schema, the province's roles in
the public schema.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from accounts.roles import PROVINCE_ROLES, ROLE_PERMISSIONS, TENANT_ROLES
from core.tenancy import current_schema, public_schema_name

ObjectRule = Callable[[Any, Any], bool]
# A superuser holds every code of the scope it is in, never the other scope's.
TENANT_PERMISSIONS: frozenset[str] = frozenset().union(*(ROLE_PERMISSIONS[role] for role in TENANT_ROLES))
PROVINCE_PERMISSIONS: frozenset[str] = frozenset().union(*(ROLE_PERMISSIONS[role] for role in PROVINCE_ROLES))
_object_rules: dict[str, ObjectRule] = {}

_ROLES_CACHE = "_tinhso_roles"


def object_rule(code: str) -> Callable[[ObjectRule], ObjectRule]:
    def register(rule: ObjectRule) -> ObjectRule:
        _object_rules[code] = rule
        return rule

    return register


def _active(user: Any) -> bool:
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.is_active
        and getattr(user, "locked_at", None) is None
        and getattr(user, "deactivated_at", None) is None
    )


def in_province_scope() -> bool:
    return current_schema() == public_schema_name()


def user_roles(user: Any) -> frozenset[str]:
    """The roles the person holds now, in the current schema's scope (cached on the object)."""
    if not _active(user):
        return frozenset()
    cached = getattr(user, _ROLES_CACHE, None)
    scope = current_schema()
    if cached is not None and cached[0] == scope:
        return cached[1]
    allowed = PROVINCE_ROLES if scope == public_schema_name() else TENANT_ROLES
    roles = frozenset(
        role
        for role in user.role_grants.filter(revoked_at__isnull=True).values_list("role", flat=True)
        if role in allowed
    )
    setattr(user, _ROLES_CACHE, (scope, roles))
    return roles


def forget_roles(user: Any) -> None:
    if hasattr(user, _ROLES_CACHE):
        delattr(user, _ROLES_CACHE)


def user_permissions(user: Any) -> frozenset[str]:
    if not _active(user):
        return frozenset()
    if user.is_superuser:
        return PROVINCE_PERMISSIONS if in_province_scope() else TENANT_PERMISSIONS
    codes: set[str] = set()
    for role in user_roles(user):
        codes |= ROLE_PERMISSIONS.get(role, frozenset())
    return frozenset(codes)


def can(user: Any, code: str, obj: Any = None) -> bool:
    if code not in user_permissions(user):
        return False
    if obj is None:
        return True
    rule = _object_rules.get(code)
    return True if rule is None else bool(rule(user, obj))


def users_with(code: str) -> QuerySet[Any]:
    """The same rule as a queryset: active, unlocked people of this scope who hold `code` (one query)."""
    from django.contrib.auth import get_user_model
    from django.db.models import Q

    allowed = PROVINCE_ROLES if in_province_scope() else TENANT_ROLES
    roles = [role for role in allowed if code in ROLE_PERMISSIONS.get(role, frozenset())]
    scope_codes = PROVINCE_PERMISSIONS if in_province_scope() else TENANT_PERMISSIONS
    holders = Q(role_grants__role__in=roles, role_grants__revoked_at__isnull=True)
    if code in scope_codes:
        holders |= Q(is_superuser=True)
    return (
        get_user_model()
        .objects.filter(holders, is_active=True, locked_at__isnull=True, deactivated_at__isnull=True)
        .distinct()
        .order_by("id")
    )


def require(user: Any, code: str, obj: Any = None) -> None:
    if not can(user, code, obj):
        raise PermissionDenied


# --- accounts' own rules ------------------------------------------------------------------------


@object_rule("accounts.manage_accounts")
def _account_manageable(user: Any, target: Any) -> bool:
    # Nobody manages a superuser's account from the application; that stays with the shell.
    return not getattr(target, "is_superuser", False) or bool(user.is_superuser)


def accounts_visible_to(user: Any) -> QuerySet[Any]:
    from accounts.models import User

    if not can(user, "accounts.view_accounts"):
        return User.objects.none()
    return User.objects.all()


def require_actor(actor: Any, code: str, obj: Any = None) -> None:
    """`require` for a service's actor; an actor without a user is the trusted command line."""
    if actor.user is not None:
        require(actor.user, code, obj)
