"""Reads for accounts pages and API. Every list is limited to what the reader may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from accounts.models import ApiToken, ImportBatch, LoginEvent, OrgUnit, RoleGrant, User
from accounts.permissions import Person, can, permitted
from accounts.security import Throttle, throttles_here
from core.ids import is_uuid
from core.models import AuditEntry
from core.text import fold


def account_list(
    *, reader: Person, q: str = "", status: str = "", role: str = "", unit: str = ""
) -> QuerySet[User]:
    users = (
        permitted(reader, "accounts.view_accounts", User)
        .select_related("unit", "position")
        .prefetch_related(
            Prefetch(
                "role_grants",
                queryset=RoleGrant.objects.filter(revoked_at__isnull=True),
                to_attr="active_grants",
            )
        )
    )
    q = q.replace("\x00", "")
    if q.strip():
        needle = " ".join(fold(q).split())
        users = users.filter(
            Q(folded_name__contains=needle) | Q(username__contains=needle) | Q(email__contains=needle)
        )
    if status == "active":
        users = users.filter(is_active=True, locked_at__isnull=True, deactivated_at__isnull=True)
    elif status == "locked":
        users = users.filter(locked_at__isnull=False)
    elif status == "deactivated":
        users = users.filter(deactivated_at__isnull=False)
    if role:
        users = users.filter(role_grants__role=role, role_grants__revoked_at__isnull=True)
    if unit:
        users = users.filter(unit__uuid=unit) if is_uuid(unit) else users.none()
    return users.order_by("folded_name", "username").distinct()


def account_get(*, reader: Person, key: str) -> User | None:
    """By UUID or account name, among what the reader may see; None means 404."""
    users = permitted(reader, "accounts.view_accounts", User).select_related("unit", "position")
    if is_uuid(key):
        return users.filter(uuid=key).first()
    if "\x00" in key:
        return None
    return users.filter(username=key.strip().lower()).first()


def account_roles(*, user: User) -> list[RoleGrant]:
    return list(user.role_grants.filter(revoked_at__isnull=True).order_by("role"))


def login_events_of(*, user: User) -> QuerySet[LoginEvent]:
    return (
        LoginEvent.objects.filter(Q(user=user) | Q(user__isnull=True, username=user.username))
        .select_related("token")
        .order_by("-at", "-id")
    )


def unit_list(*, reader: Person) -> QuerySet[OrgUnit]:
    if not can(reader, "accounts.view_units"):
        return OrgUnit.objects.none()
    return OrgUnit.objects.select_related("parent").order_by("folded_name")


def unit_get(*, reader: Person, key: str) -> OrgUnit | None:
    if not is_uuid(key):
        return None
    return unit_list(reader=reader).filter(uuid=key).first()


def unit_tree(*, reader: Person) -> list[tuple[int, OrgUnit]]:
    """Units in tree order with their depth, for indented display."""
    units = list(unit_list(reader=reader))
    children: dict[int | None, list[OrgUnit]] = {}
    for unit in units:
        children.setdefault(unit.parent_id, []).append(unit)
    ordered: list[tuple[int, OrgUnit]] = []

    def walk(parent: int | None, depth: int) -> None:
        for unit in children.get(parent, []):
            ordered.append((depth, unit))
            walk(unit.pk, depth + 1)

    walk(None, 0)
    return ordered


def import_batch_get(*, reader: Person, key: str) -> ImportBatch | None:
    if not can(reader, "accounts.manage_accounts") or not is_uuid(key):
        return None
    return ImportBatch.objects.filter(uuid=key).first()


def audit_list(*, reader: Person, action: str = "", target: str = "") -> QuerySet[AuditEntry]:
    if not can(reader, "accounts.view_audit"):
        return AuditEntry.objects.none()
    entries = AuditEntry.objects.all()
    if action:
        entries = entries.filter(action__startswith=action)
    if target:
        entries = entries.filter(target_id=target)
    return entries.order_by("-id")


def tokens_of(*, user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).select_related("user").order_by("-created_at", "-id")


def token_list(*, reader: Person, live_only: bool = False) -> QuerySet[ApiToken]:
    """Everyone's tokens the reader manages (the IT officer: the agency's people, not superusers)."""
    tokens = ApiToken.objects.filter(user__in=permitted(reader, "accounts.manage_accounts", User))
    if live_only:
        tokens = tokens.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())
    return tokens.select_related("user").order_by("-created_at", "-id")


def token_get(*, reader: Person, key: str) -> ApiToken | None:
    """A token the reader owns or manages, by UUID; None means 404."""
    if not is_uuid(key) or reader is None or not getattr(reader, "is_authenticated", False):
        return None
    token = ApiToken.objects.select_related("user").filter(uuid=key).first()
    return token if token is not None and may_revoke_token(reader, token) else None


def may_revoke_token(reader: Person, token: ApiToken) -> bool:
    """The owner, or whoever manages the owner's account (the IT officer; the operator on the console)."""
    if reader is None or not getattr(reader, "is_authenticated", False):
        return False
    return bool(reader.pk == token.user_id or can(reader, "accounts.manage_accounts", token.user))


@dataclass(frozen=True)
class ThrottleRow:
    """One counted account name or address as the IT officer's page shows it."""

    throttle: Throttle
    shown: str  # the name or address; "" for a name no account has: it may be a password typed there
    delay: int  # seconds the next attempt waits after the last failure (0: under the limit)
    wait: int  # seconds from now until an attempt is heard
    until: datetime | None
    last: datetime


def known_account_names(names: set[str]) -> set[str]:
    return set(User.objects.filter(username__in=names).values_list("username", flat=True)) if names else set()


def throttle_rows(*, reader: Person) -> list[ThrottleRow]:
    """The throttle's counts in this schema, for whoever manages its accounts (else nothing)."""
    from core.ratelimits import clock

    if not can(reader, "accounts.manage_accounts"):
        return []
    now = clock()
    throttles = throttles_here()
    known = known_account_names({t.label for t in throttles if t.kind == "account"})
    return [
        ThrottleRow(
            throttle=t,
            shown=t.label if t.kind == "address" or t.label in known else "",
            delay=t.delay(),
            wait=t.wait(now),
            until=datetime.fromtimestamp(t.last + t.delay(), tz=UTC) if t.delay() else None,
            last=datetime.fromtimestamp(t.last, tz=UTC),
        )
        for t in throttles
    ]


def staff_directory() -> QuerySet[User]:
    """The public staff and phone directory (the portal's): active people who hold a position, by unit.

    Only what a public directory shows is read; nobody locked or deactivated is listed."""
    return (
        User.objects.filter(
            is_active=True, locked_at__isnull=True, deactivated_at__isnull=True, position__isnull=False
        )
        .select_related("unit", "position")
        .only("full_name", "folded_name", "phone", "unit__name", "position__name")
        .order_by("unit__folded_name", "folded_name", "id")
    )
