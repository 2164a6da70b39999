"""Statistics (thống kê) for any period: documents in and out by type, by unit and by person;
lead work on time, late and still open; average processing time; on the system vs on paper.

Counted over the documents the reader may see (need-to-know) registered in the period, each
figure one grouped query. The page, the exports and the API all read this one function."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy

from accounts.permissions import can
from qlvbdh import catalogue
from qlvbdh.models import Assignment, Document
from qlvbdh.permissions import documents_visible_to

MAX_DAYS = 3660  # ten years: a period is a report, not a scan of everything


def _local(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


@dataclass
class Statistics:
    start: date
    end: date
    incoming: int = 0
    outgoing: int = 0
    by_type: list[dict[str, Any]] = field(default_factory=list)  # type, name, incoming, outgoing
    incoming_by_unit: list[dict[str, Any]] = field(default_factory=list)  # name, count (lead unit)
    incoming_by_person: list[dict[str, Any]] = field(
        default_factory=list
    )  # username, name, count (lead person)
    outgoing_by_person: list[dict[str, Any]] = field(default_factory=list)  # username, count (drafter)
    outgoing_by_unit: list[dict[str, Any]] = field(default_factory=list)  # drafting unit code, count
    on_time: int = 0
    late: int = 0
    open_overdue: int = 0
    open_in_time: int = 0
    average_days: float | None = None
    incoming_by_source: list[dict[str, Any]] = field(default_factory=list)  # source, name, count
    outgoing_by_delivery: list[dict[str, Any]] = field(default_factory=list)  # mode, name, count

    def as_dict(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "incoming": self.incoming,
            "outgoing": self.outgoing,
            "by_type": self.by_type,
            "incoming_by_unit": self.incoming_by_unit,
            "incoming_by_person": self.incoming_by_person,
            "outgoing_by_unit": self.outgoing_by_unit,
            "outgoing_by_person": self.outgoing_by_person,
            "processing": {
                "on_time": self.on_time,
                "late": self.late,
                "open_overdue": self.open_overdue,
                "open_in_time": self.open_in_time,
                "average_days": self.average_days,
            },
            "incoming_by_source": self.incoming_by_source,
            "outgoing_by_delivery": self.outgoing_by_delivery,
        }


def period_check(start: date, end: date) -> str:
    """A sentence saying what is wrong with the period, or "" when it is fine."""
    if end < start:
        return "end_before_start"
    if (end - start).days > MAX_DAYS:
        return "too_long"
    return ""


PERIOD_ERRORS = {
    "end_before_start": gettext_lazy("Ngày kết thúc trước ngày bắt đầu."),
    "too_long": gettext_lazy("Khoảng thời gian quá dài (tối đa 10 năm)."),
    "bad_date": gettext_lazy("Ngày không hợp lệ (yyyy-mm-dd)."),
}


def period_of(start: str | None, end: str | None) -> tuple[date, date, str]:
    """The period asked for (this year so far by default) and the reason it is refused, if it is."""
    today = timezone.localdate()
    try:
        first = date.fromisoformat(start) if start else date(today.year, 1, 1)
        last = date.fromisoformat(end) if end else today
    except ValueError:
        return date(today.year, 1, 1), today, "bad_date"
    return first, last, period_check(first, last)


def statistics_for(*, reader: Any, start: date, end: date) -> Statistics | None:
    """None when the reader may not read reports (qlvbdh.view_reports)."""
    if not can(reader, "qlvbdh.view_reports"):
        return None
    stats = Statistics(start=start, end=end)
    documents = documents_visible_to(reader).filter(
        registered_at__gte=_local(start), registered_at__lt=_local(end + timedelta(days=1))
    )
    incoming = documents.filter(direction=Document.Direction.INCOMING)
    outgoing = documents.exclude(direction=Document.Direction.INCOMING)

    types: dict[str, dict[str, Any]] = {}
    for row in documents.values("direction", "document_type").annotate(n=Count("pk")).order_by():
        entry = types.setdefault(
            row["document_type"],
            {
                "type": row["document_type"],
                "name": catalogue.DOCUMENT_TYPES.get(row["document_type"], row["document_type"]),
                "incoming": 0,
                "outgoing": 0,
            },
        )
        key = "incoming" if row["direction"] == Document.Direction.INCOMING else "outgoing"
        entry[key] += row["n"]
    stats.by_type = sorted(types.values(), key=lambda e: (-(e["incoming"] + e["outgoing"]), e["type"]))
    stats.incoming = sum(e["incoming"] for e in stats.by_type)
    stats.outgoing = sum(e["outgoing"] for e in stats.by_type)

    leads = Assignment.objects.filter(
        document__in=incoming.order_by().values("pk"), role=Assignment.Role.LEAD, parent__isnull=True
    )
    stats.incoming_by_unit = [
        {"name": row["unit__name"], "count": row["n"]}
        for row in leads.filter(unit__isnull=False)
        .values("unit__name")
        .annotate(n=Count("document", distinct=True))
        .order_by("-n", "unit__name")
    ]
    stats.incoming_by_person = [
        {"username": row["assignee__username"], "name": row["assignee__full_name"], "count": row["n"]}
        for row in leads.filter(assignee__isnull=False)
        .values("assignee__username", "assignee__full_name")
        .annotate(n=Count("document", distinct=True))
        .order_by("-n", "assignee__username")
    ]
    stats.outgoing_by_person = [
        {"username": row["created_by"], "count": row["n"]}
        for row in outgoing.values("created_by").annotate(n=Count("pk")).order_by("-n", "created_by")
    ]
    stats.outgoing_by_unit = [
        {"unit": row["drafting_unit"] or "", "count": row["n"]}
        for row in outgoing.values("drafting_unit").annotate(n=Count("pk")).order_by("-n", "drafting_unit")
    ]

    today = timezone.localdate()
    work = Assignment.objects.filter(
        document__in=documents.order_by().values("pk"), role=Assignment.Role.LEAD
    )
    done = Q(status=Assignment.Status.DONE)
    figures = work.annotate(
        done_on=TruncDate("done_at", tzinfo=timezone.get_current_timezone()),
        took=ExpressionWrapper(F("done_at") - F("assigned_at"), output_field=DurationField()),
    ).aggregate(
        on_time=Count("pk", filter=done & (Q(deadline__isnull=True) | Q(done_on__lte=F("deadline")))),
        late=Count("pk", filter=done & Q(done_on__gt=F("deadline"))),
        open_overdue=Count("pk", filter=Q(status=Assignment.Status.OPEN, deadline__lt=today)),
        open_in_time=Count(
            "pk",
            filter=Q(status=Assignment.Status.OPEN) & (Q(deadline__isnull=True) | Q(deadline__gte=today)),
        ),
        average=Avg("took", filter=done),
    )
    stats.on_time, stats.late = figures["on_time"], figures["late"]
    stats.open_overdue, stats.open_in_time = figures["open_overdue"], figures["open_in_time"]
    average = figures["average"]
    stats.average_days = round(average.total_seconds() / 86400, 2) if average is not None else None

    sources = dict(catalogue.Source.choices)
    stats.incoming_by_source = [
        {"source": row["source"], "name": str(sources.get(row["source"], row["source"])), "count": row["n"]}
        for row in incoming.values("source").annotate(n=Count("pk")).order_by("source")
    ]
    modes = dict(catalogue.DeliveryMode.choices)
    stats.outgoing_by_delivery = [
        {
            "mode": row["delivery_mode"],
            "name": str(modes.get(row["delivery_mode"], row["delivery_mode"])),
            "count": row["n"],
        }
        for row in outgoing.values("delivery_mode").annotate(n=Count("pk")).order_by("delivery_mode")
    ]
    return stats
