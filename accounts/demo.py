"""Demo people for `manage.py seed_demo` and the browser tests. Idempotent; plain passwords, no reset."""

from __future__ import annotations

from django.db import transaction

from accounts import events
from accounts.models import OrgUnit, RoleGrant, User, folded_name_of
from accounts.roles import Role

# (username, full name, unit, roles); schools' heads also lead the portal's editorial board.
TENANT_PEOPLE: list[tuple[str, str, str, list[str]]] = [
    ("admin", "Quản trị Hệ thống", "Văn phòng", [Role.IT_OFFICER]),
    ("nguyentd", "Trần Đình Nguyên", "Văn phòng", [Role.HEAD, Role.BOARD_HEAD]),
    ("thuyctp", "Cao Thị Phương Thuý", "Văn phòng", [Role.CLERK, Role.BOARD_SECRETARY]),
    ("minhtht", "Trương Hoàng Tiến Minh", "Phòng Tổng hợp", [Role.OFFICIAL, Role.EDITOR]),
]
# A school's other board members (a deputy, and a contributor from the youth union).
BOARD_PEOPLE: list[tuple[str, str, str, list[str]]] = [
    ("lanntt", "Nguyễn Thị Thu Lan", "Tổ Ngữ văn", [Role.BOARD_DEPUTY]),
    ("hungpv", "Phạm Văn Hùng", "Đoàn Thanh niên", [Role.CONTRIBUTOR]),
]
PROVINCE_PEOPLE: list[tuple[str, str, list[str]]] = [
    ("operator", "Quản trị viên tỉnh", [Role.OPERATOR]),
    ("thanhtra", "Thanh tra tỉnh", [Role.INSPECTOR]),
]


def _unit(name: str) -> OrgUnit:
    unit, _created = OrgUnit.objects.get_or_create(
        parent=None, folded_name=folded_name_of(name), defaults={"name": name, "kind": OrgUnit.Kind.DIVISION}
    )
    return unit


def _person(username: str, full_name: str, password: str, roles: list[str], **fields: object) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, full_name=full_name, folded_name=folded_name_of(full_name), **fields)
        user.set_password(password)
        user.save()
    for role in roles:
        if not user.role_grants.filter(role=role, revoked_at__isnull=True).exists():
            RoleGrant.objects.create(user=user, role=role, granted_by="seed_demo")
    events.publish(events.RolesChanged(user=user))
    return user


@transaction.atomic
def tenant_people_ensure(*, password: str) -> list[User]:
    """In the current tenant schema: two units and one person per workspace role."""
    return [
        _person(username, full_name, password, roles, unit=_unit(unit_name))
        for username, full_name, unit_name, roles in TENANT_PEOPLE
    ]


@transaction.atomic
def province_people_ensure(*, password: str) -> list[User]:
    """In the public schema: the operator (also a Django superuser) and an inspector."""
    people = []
    for username, full_name, roles in PROVINCE_PEOPLE:
        extra = {"is_staff": True, "is_superuser": True} if username == "operator" else {}
        people.append(_person(username, full_name, password, roles, **extra))
    return people


@transaction.atomic
def board_people_ensure(*, password: str) -> list[User]:
    """In the current (school's) schema: the editorial board's deputy and a contributor."""
    return [
        _person(username, full_name, password, roles, unit=_unit(unit_name))
        for username, full_name, unit_name, roles in BOARD_PEOPLE
    ]
