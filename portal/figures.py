"""The portal's daily figures for the province's usage rollup (core.figures): articles published,
event deadlines met and missed (P6), and how many professional groups meet the month's quota."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from django.utils.translation import gettext_lazy as _

from core.figures import Figure, FigureProvider, TenantRef, day_bounds

FIGURES = (
    Figure("portal_published", _("Bài đăng trên cổng thông tin")),
    Figure("portal_deadlines_met", _("Sự kiện đưa tin đúng hạn (3 ngày)")),
    Figure("portal_deadlines_missed", _("Sự kiện đưa tin không đúng hạn")),
    Figure("portal_groups", _("Tổ chuyên môn phải đạt chỉ tiêu tháng"), total="last"),
    Figure("portal_groups_quota_met", _("Tổ chuyên môn đã đạt chỉ tiêu tháng"), total="last"),
)


def portal_of_day(tenant: TenantRef, day: date) -> Mapping[str, float]:
    from portal.deadlines import published_articles, quota_standings
    from portal.models import Event

    start, end = day_bounds(day)
    # Events whose deadline fell that day: met if their article appeared before it, else missed
    # (an article published later does not turn a missed day into a met one: first_published_at).
    events = Event.objects.filter(deadline__gt=start, deadline__lte=end).select_related("article")
    met = sum(
        1
        for event in events
        if event.article is not None
        and event.article.first_published_at is not None
        and event.article.first_published_at < event.deadline
    )
    # The month's standing as it was at the end of that day (articles published up to then).
    standings = quota_standings(day.year, day.month, until=end)
    return {
        "portal_published": published_articles(start, end).count(),
        "portal_deadlines_met": met,
        "portal_deadlines_missed": len(events) - met,
        "portal_groups": len(standings),
        "portal_groups_quota_met": sum(1 for standing in standings if standing.met),
    }


PROVIDER = FigureProvider(key="portal.duties", figures=FIGURES, compute=portal_of_day)
