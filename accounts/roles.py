"""Roles and the permission codes each grants. The one table every app asks through accounts.permissions.

A role held in a tenant schema counts only there; the province's roles (operator, inspector)
count only in the public schema. Codes not listed for any held role are denied.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    # an agency's workspace (QLVBĐH)
    HEAD = "head", _("Thủ trưởng")
    DEPUTY_HEAD = "deputy_head", _("Phó thủ trưởng")
    CLERK = "clerk", _("Văn thư")
    OFFICIAL = "official", _("Cán bộ, công chức, viên chức")
    IT_OFFICER = "it_officer", _("Cán bộ phụ trách CNTT")
    # the portal's editorial board (Ban biên tập)
    BOARD_HEAD = "board_head", _("Trưởng ban biên tập")
    BOARD_DEPUTY = "board_deputy", _("Phó trưởng ban biên tập")
    BOARD_SECRETARY = "board_secretary", _("Thư ký ban biên tập")
    EDITOR = "editor", _("Biên tập viên")
    CONTRIBUTOR = "contributor", _("Cộng tác viên")
    # the province (public schema)
    OPERATOR = "operator", _("Quản trị viên tỉnh")
    INSPECTOR = "inspector", _("Thanh tra, kiểm tra tỉnh")


TENANT_ROLES: tuple[str, ...] = (
    Role.HEAD,
    Role.DEPUTY_HEAD,
    Role.CLERK,
    Role.OFFICIAL,
    Role.IT_OFFICER,
    Role.BOARD_HEAD,
    Role.BOARD_DEPUTY,
    Role.BOARD_SECRETARY,
    Role.EDITOR,
    Role.CONTRIBUTOR,
)
PROVINCE_ROLES: tuple[str, ...] = (Role.OPERATOR, Role.INSPECTOR)

# Who must pass a second factor before any page or API call (issue: operators, IT officers, heads).
TWO_FACTOR_ROLES = frozenset({Role.OPERATOR, Role.IT_OFFICER, Role.HEAD})

_ACCOUNTS_READ = {"accounts.view_accounts", "accounts.view_units"}
_ACCOUNTS_ADMIN = _ACCOUNTS_READ | {
    "accounts.manage_accounts",
    "accounts.manage_units",
    "accounts.view_audit",
}
_WORKSPACE_BASE = {"qlvbdh.view_documents", "qlvbdh.process", "qlvbdh.book_resources"}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.HEAD: frozenset(
        _WORKSPACE_BASE
        | _ACCOUNTS_READ
        | {"qlvbdh.direct", "qlvbdh.assign", "qlvbdh.sign", "qlvbdh.view_reports", "accounts.view_audit"}
    ),
    Role.DEPUTY_HEAD: frozenset(
        _WORKSPACE_BASE | _ACCOUNTS_READ | {"qlvbdh.direct", "qlvbdh.assign", "qlvbdh.view_reports"}
    ),
    Role.CLERK: frozenset(
        _WORKSPACE_BASE
        | {"qlvbdh.register_incoming", "qlvbdh.issue_outgoing", "qlvbdh.manage_registers", "qlvbdh.receive"}
    ),
    Role.OFFICIAL: frozenset(_WORKSPACE_BASE | {"qlvbdh.draft"}),
    Role.IT_OFFICER: frozenset(_ACCOUNTS_ADMIN | {"backups.run_own"}),
    Role.BOARD_HEAD: frozenset(
        {"portal.submit", "portal.edit", "portal.approve", "portal.approve_sensitive", "portal.take_down"}
        | {"portal.view_reports"}
    ),
    Role.BOARD_DEPUTY: frozenset({"portal.submit", "portal.edit", "portal.approve", "portal.view_reports"}),
    Role.BOARD_SECRETARY: frozenset({"portal.submit", "portal.publish", "portal.view_reports"}),
    Role.EDITOR: frozenset({"portal.submit", "portal.edit"}),
    Role.CONTRIBUTOR: frozenset({"portal.submit"}),
    Role.OPERATOR: frozenset(
        (_ACCOUNTS_ADMIN - {"accounts.view_units", "accounts.manage_units"})  # the province has no units here
        | {"tenants.view", "tenants.manage", "oversight.view_statistics", "oversight.export_statistics"}
        | {"backups.run", "backups.restore", "interagency.watch", "interagency.manage"}
    ),
    Role.INSPECTOR: frozenset({"tenants.view", "oversight.view_statistics", "oversight.export_statistics"}),
}


def roles_for_scope(*, province: bool) -> tuple[str, ...]:
    return PROVINCE_ROLES if province else TENANT_ROLES


def role_label(code: str) -> str:
    return str(Role(code).label) if code in Role.values else code
