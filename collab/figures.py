"""The agency's daily calendar and booking figures, for the province's usage rollup (core.figures)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from django.utils.translation import gettext_lazy as _

from core.figures import Figure, FigureProvider, TenantRef, day_bounds

FIGURES = (
    Figure("calendar_events", _("Sự kiện trên lịch")),
    Figure("bookings", _("Lượt đặt phòng, tài nguyên")),
)


def collab_of_day(tenant: TenantRef, day: date) -> Mapping[str, float]:
    from collab.models import Booking, CalendarEvent

    start, end = day_bounds(day)
    return {
        # Events held that day, on any calendar; bookings asked for that day (whatever came of them).
        "calendar_events": CalendarEvent.objects.filter(starts_at__gte=start, starts_at__lt=end).count(),
        "bookings": Booking.objects.filter(created_at__gte=start, created_at__lt=end).count(),
    }


PROVIDER = FigureProvider(key="collab.calendar", figures=FIGURES, compute=collab_of_day)
