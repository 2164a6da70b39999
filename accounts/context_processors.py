"""The UI shell: the navigation the signed-in person's roles open, built once per request."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from accounts.permissions import can, user_roles
from accounts.roles import PermissionCode, role_label

# (url name, label, permission code or None for everyone signed in)
NAVIGATION: list[tuple[str, Any, PermissionCode | None]] = [
    ("home", _("Trang chủ"), None),
    ("document-list", _("Văn bản"), "qlvbdh.view_documents"),
    ("my-tasks", _("Việc của tôi"), "qlvbdh.process"),
    ("hub-inbox", _("Văn bản đến qua trục"), "qlvbdh.register_incoming"),
    ("register-list", _("Sổ văn bản"), "qlvbdh.view_documents"),
    ("dossier-list", _("Hồ sơ"), "qlvbdh.view_documents"),
    ("collab-calendar", _("Lịch công tác"), "collab.view"),
    ("collab-resources", _("Tài nguyên"), "qlvbdh.book_resources"),
    ("collab-discussions", _("Trao đổi"), "collab.view"),
    ("collab-library", _("Thư viện"), "collab.view"),
    ("collab-statistics", _("Thống kê"), "qlvbdh.view_reports"),
    ("tenant-list", _("Đơn vị"), "tenants.view"),
    ("statistics", _("Thống kê"), "oversight.view_statistics"),
    ("oversight-dashboard", _("Theo dõi sử dụng"), "oversight.view_statistics"),
    ("usage-report", _("Báo cáo sử dụng"), "oversight.report_usage"),
    ("support-list", _("Hỗ trợ"), "oversight.request_support"),
    ("oversight-support-list", _("Yêu cầu hỗ trợ"), "oversight.manage"),
    ("hub-home", _("Trục liên thông"), "interagency.watch"),
    ("backup-console", _("Sao lưu"), "backups.run"),
    ("my-backups", _("Sao lưu"), "backups.run_own"),
    ("account-list", _("Tài khoản"), "accounts.view_accounts"),
    ("unit-list", _("Phòng, ban"), "accounts.view_units"),
    ("audit-list", _("Nhật ký"), "accounts.view_audit"),
]
# A count shown beside an entry: a reader function `(*, reader) -> int`, by dotted path so that
# accounts imports no domain app.
NAVIGATION_COUNTS: dict[str, str] = {
    "hub-inbox": "interagency.exchange.selectors.inbox_arrived_count",
    "my-tasks": "qlvbdh.selectors.assignments.my_tasks_count",
    "collab-discussions": "collab.selectors.discussions.unread_thread_count",
}


def _count(name: str, user: Any) -> int:
    path = NAVIGATION_COUNTS.get(name)
    return int(import_string(path)(reader=user)) if path else 0


def shell(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "my_roles": []}
    items = []
    for name, label, code in NAVIGATION:
        if code is not None and not can(user, code):
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue  # this host's URLconf does not serve it
        items.append(
            {
                "url": url,
                "label": label,
                "active": request.path == url or (url != "/" and request.path.startswith(url)),
                "count": _count(name, user),
            }
        )
    return {"nav_items": items, "my_roles": [role_label(role) for role in sorted(user_roles(user))]}
