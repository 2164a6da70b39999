"""The one permission layer: role -> permission codes, plus object rules in two forms. Deny by default.

    can(user, "accounts.manage_accounts")              # may this person do this at all?
    can(user, "qlvbdh.view_documents", document)       # ...to this object?
    require(user, "qlvbdh.view_documents", document)   # the same, raising PermissionDenied
    permitted(user, "qlvbdh.view_documents", Document) # every object it may: a queryset

An app declares its object rules as `Rule`s in its own `permissions.py` (a `RULES` tuple) and
registers them from its `AppConfig.ready()`. A rule is written once, as the filter of the
objects a person may act on (`where`); the yes/no for one object asks the same filter of that
object, so the list a person sees and the pages they may open cannot disagree. A code with no
rule for a model is decided by the role table alone. A role counts only in its own scope:
agency roles in a tenant schema, the province's roles in the public schema.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeGuard, TypeVar

from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404

from accounts.roles import PROVINCE_ROLES, ROLE_PERMISSIONS, TENANT_ROLES, PermissionCode
from core.tenancy import current_schema, public_schema_name

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User
    from core.audit import Actor

    Person = User | AnonymousUser | None
else:
    Person = Any

M = TypeVar("M", bound=Model)

# A superuser holds every code of the scope it is in, never the other scope's.
TENANT_PERMISSIONS: frozenset[str] = frozenset().union(*(ROLE_PERMISSIONS[role] for role in TENANT_ROLES))
PROVINCE_PERMISSIONS: frozenset[str] = frozenset().union(*(ROLE_PERMISSIONS[role] for role in PROVINCE_ROLES))

_ROLES_CACHE = "_tinhso_roles"


@dataclass(frozen=True)
class Rule(Generic[M]):
    """Which objects of `model` a holder of `code` may act on: `where(user)` is their filter
    (`Q()` for all of them). Asked for one object or as a queryset, it is the same filter."""

    code: PermissionCode
    model: type[M]
    where: Callable[[User], Q]

    def queryset(self, user: Person) -> QuerySet[M]:
        manager = self.model._default_manager
        if user is None or not can(user, self.code):
            return manager.none()
        return manager.filter(self.where(user))  # type: ignore[arg-type]

    def allows(self, user: Person, obj: M) -> bool:
        if user is None or not can(user, self.code):
            return False
        condition = self.where(user)  # type: ignore[arg-type]
        if not condition:  # Q(): every object
            return True
        return self.model._default_manager.filter(condition, pk=obj.pk).exists()


_rules: dict[tuple[str, type[Model]], Rule[Any]] = {}


def register(rules: Iterable[Rule[Any]]) -> None:
    """Called from an AppConfig.ready(); registering the same rule again changes nothing."""
    for rule in rules:
        existing = _rules.get((rule.code, rule.model))
        if existing is not None and existing != rule:
            raise RuntimeError(f"two rules for {rule.code} on {rule.model.__name__}")
        _rules[(rule.code, rule.model)] = rule


def rule_for(code: PermissionCode, model: type[Model]) -> Rule[Any] | None:
    return _rules.get((code, model))


def registered_rules() -> list[Rule[Any]]:
    return list(_rules.values())


def _active(user: Person) -> TypeGuard[User]:
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.is_active
        and getattr(user, "locked_at", None) is None
        and getattr(user, "deactivated_at", None) is None
    )


def in_province_scope() -> bool:
    return current_schema() == public_schema_name()


def user_roles(user: Person) -> frozenset[str]:
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


def forget_roles(user: Person) -> None:
    if hasattr(user, _ROLES_CACHE):
        delattr(user, _ROLES_CACHE)


def user_permissions(user: Person) -> frozenset[str]:
    if not _active(user):
        return frozenset()
    if user.is_superuser:
        return PROVINCE_PERMISSIONS if in_province_scope() else TENANT_PERMISSIONS
    codes: set[str] = set()
    for role in user_roles(user):
        codes |= ROLE_PERMISSIONS.get(role, frozenset())
    return frozenset(codes)


def can(user: Person, code: PermissionCode, obj: Model | None = None) -> bool:
    if code not in user_permissions(user):
        return False
    if obj is None:
        return True
    rule = _rules.get((code, type(obj)))
    return True if rule is None else rule.allows(user, obj)


def permitted(user: Person, code: PermissionCode, model: type[M]) -> QuerySet[M]:
    """The queryset form of `can`: every object of `model` the person may act on under `code`.
    Lists, search, counts, exports and notifications start here."""
    rule = _rules.get((code, model))
    if rule is not None:
        return rule.queryset(user)
    manager = model._default_manager
    return manager.all() if can(user, code) else manager.none()


def get_permitted_or_404(user: Person, code: PermissionCode, model: type[M], **lookup: Any) -> M:
    """One object the person may act on, or 404: no hint that anything else exists."""
    found = permitted(user, code, model).filter(**lookup).first()
    if found is None:
        raise Http404
    return found


def users_with(code: PermissionCode) -> QuerySet[Any]:
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


def require(user: Person, code: PermissionCode, obj: Model | None = None) -> None:
    if not can(user, code, obj):
        raise PermissionDenied


def require_actor(actor: Actor, code: PermissionCode, obj: Model | None = None) -> None:
    """`require` for a service's actor; an actor without a user is the trusted command line."""
    if actor.user is not None:
        require(actor.user, code, obj)
