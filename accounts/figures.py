"""The agency's daily account figures, for the province's usage rollup (core.figures)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.figures import Figure, FigureProvider, TenantRef, day_bounds

# A person counts as active who signed in (or whose program used their token) in this many days.
ACTIVE_WINDOW_DAYS = 30

FIGURES = (
    Figure("accounts", _("Tài khoản đang sử dụng"), total="last"),
    Figure("people_active", _("Người dùng hoạt động (30 ngày)"), total="last"),
    Figure("logins", _("Lượt đăng nhập")),
)


def accounts_of_day(tenant: TenantRef, day: date) -> Mapping[str, float]:
    from accounts.models import LoginEvent, User

    start, end = day_bounds(day)
    window_start, _end = day_bounds(day - timedelta(days=ACTIVE_WINDOW_DAYS - 1))
    # Accounts that existed at the day's end and had not been deactivated by then.
    accounts = (
        User.objects.filter(date_joined__lt=end)
        .filter(Q(deactivated_at__isnull=True) | Q(deactivated_at__gte=end))
        .count()
    )
    used = Q(kind__in=[LoginEvent.Kind.SUCCESS, LoginEvent.Kind.TOKEN_USED], user__isnull=False)
    active = (
        LoginEvent.objects.filter(used, at__gte=window_start, at__lt=end).values("user").distinct().count()
    )
    logins = LoginEvent.objects.filter(kind=LoginEvent.Kind.SUCCESS, at__gte=start, at__lt=end).count()
    return {"accounts": accounts, "people_active": active, "logins": logins}


PROVIDER = FigureProvider(key="accounts.people", figures=FIGURES, compute=accounts_of_day)
