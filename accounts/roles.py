"""Roles and the permission codes each grants. The one table every app asks through accounts.permissions.

A role held in a tenant schema counts only there; the province's roles (operator, inspector)
count only in the public schema. Codes not listed for any held role are denied.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal, get_args

from django.db import models
from django.utils.translation import gettext_lazy as _

# Every permission code, as a type: a misspelt code is a type error, not a silent "no".
PermissionCode = Literal[
    "accounts.view_accounts",
    "accounts.view_units",
    "accounts.manage_accounts",
    "accounts.manage_units",
    "accounts.view_audit",
    "qlvbdh.view_documents",
    "qlvbdh.view_registered",
    "qlvbdh.share",
    "qlvbdh.process",
    "qlvbdh.book_resources",
    "qlvbdh.direct",
    "qlvbdh.assign",
    "qlvbdh.sign",
    "qlvbdh.view_reports",
    "qlvbdh.register_incoming",
    "qlvbdh.issue_outgoing",
    "qlvbdh.manage_registers",
    "qlvbdh.receive",
    "qlvbdh.draft",
    "collab.view",
    "collab.draft_calendar",
    "collab.approve_calendar",
    "collab.manage_resources",
    "backups.run_own",
    "backups.run",
    "backups.restore",
    "portal.submit",
    "portal.edit",
    "portal.approve",
    "portal.approve_sensitive",
    "portal.take_down",
    "portal.publish",
    "portal.view_reports",
    "portal.manage_duties",
    "portal.handle_feedback",
    "portal.answer_feedback",
    "tenants.view",
    "tenants.manage",
    "oversight.view_statistics",
    "oversight.export_statistics",
    "oversight.manage",
    "oversight.report_usage",
    "oversight.request_support",
    "interagency.watch",
    "interagency.manage",
]
PERMISSION_CODES: frozenset[str] = frozenset(get_args(PermissionCode))


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


def _codes(*groups: Iterable[PermissionCode]) -> frozenset[PermissionCode]:
    return frozenset(code for group in groups for code in group)


_ACCOUNTS_READ = _codes({"accounts.view_accounts", "accounts.view_units"})
_ACCOUNTS_ADMIN = _codes(
    _ACCOUNTS_READ, {"accounts.manage_accounts", "accounts.manage_units", "accounts.view_audit"}
)
_WORKSPACE_BASE = _codes(
    {"qlvbdh.view_documents", "qlvbdh.share", "qlvbdh.process", "qlvbdh.book_resources", "collab.view"}
)
# P6-P8: events, quotas, consultations and the public's feedback (assign, answer, publish).
_BOARD_DUTIES = _codes({"portal.manage_duties", "portal.handle_feedback", "portal.answer_feedback"})

ROLE_PERMISSIONS: dict[str, frozenset[PermissionCode]] = {
    Role.HEAD: _codes(
        _WORKSPACE_BASE,
        _ACCOUNTS_READ,
        {"qlvbdh.view_registered", "qlvbdh.direct", "qlvbdh.assign", "qlvbdh.sign", "qlvbdh.view_reports"},
        {"accounts.view_audit", "collab.approve_calendar", "oversight.report_usage"},
    ),
    Role.DEPUTY_HEAD: _codes(
        _WORKSPACE_BASE,
        _ACCOUNTS_READ,
        {"qlvbdh.view_registered", "qlvbdh.direct", "qlvbdh.assign", "qlvbdh.view_reports"},
    ),
    Role.CLERK: _codes(
        _WORKSPACE_BASE,
        {"qlvbdh.view_registered", "qlvbdh.register_incoming", "qlvbdh.issue_outgoing"},
        {"qlvbdh.manage_registers", "qlvbdh.receive"},
        {"collab.draft_calendar", "collab.manage_resources"},  # the office drafts the week, keeps the rooms
    ),
    Role.OFFICIAL: _codes(_WORKSPACE_BASE, {"qlvbdh.draft"}),
    # R12, Điều 14 and 16: the IT officer reports the agency's usage and asks the province for help.
    Role.IT_OFFICER: _codes(
        _ACCOUNTS_ADMIN, {"backups.run_own", "oversight.report_usage", "oversight.request_support"}
    ),
    Role.BOARD_HEAD: _codes(
        {"portal.submit", "portal.edit", "portal.approve", "portal.approve_sensitive", "portal.take_down"},
        {"portal.view_reports"},
        _BOARD_DUTIES,
    ),
    Role.BOARD_DEPUTY: _codes(
        {"portal.submit", "portal.edit", "portal.approve", "portal.view_reports"}, _BOARD_DUTIES
    ),
    Role.BOARD_SECRETARY: _codes({"portal.submit", "portal.publish", "portal.view_reports"}, _BOARD_DUTIES),
    # An editor answers the feedback assigned to them (portal.permissions).
    Role.EDITOR: _codes({"portal.submit", "portal.edit", "portal.answer_feedback"}),
    Role.CONTRIBUTOR: _codes({"portal.submit"}),
    Role.OPERATOR: _codes(
        # the province has no units here
        (code for code in _ACCOUNTS_ADMIN if code not in ("accounts.view_units", "accounts.manage_units")),
        {"tenants.view", "tenants.manage", "oversight.view_statistics", "oversight.export_statistics"},
        {"oversight.manage"},  # the ranking's scheme and publication, reminders, support requests
        {"backups.run", "backups.restore", "interagency.watch", "interagency.manage"},
    ),
    Role.INSPECTOR: _codes({"tenants.view", "oversight.view_statistics", "oversight.export_statistics"}),
}


def roles_for_scope(*, province: bool) -> tuple[str, ...]:
    return PROVINCE_ROLES if province else TENANT_ROLES


def role_label(code: str) -> str:
    return str(Role(code).label) if code in Role.values else code
