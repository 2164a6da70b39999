"""The home page's figures: what waits for the person, and the agency's figures for its leaders.

Every figure starts from the queryset of the list it links to (need-to-know: qlvbdh.permissions),
and each group is one aggregate query, so the page's query count does not grow with the data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, F, Q
from django.db.models.functions import ExtractMonth, TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.permissions import can, permitted
from collab.models import CalendarEvent
from collab.selectors.discussions import unread_thread_count
from interagency.exchange.selectors import inbox_arrived_count
from qlvbdh.models import Assignment, Document
from qlvbdh.permissions import documents_visible_to

DUE_SOON_DAYS = 3


@dataclass(frozen=True)
class Figure:
    key: str
    label: Any
    count: int
    link: str


def _local(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


# (key, label, permission that makes it the person's work, document status, list link)
_DOCUMENT_FIGURES: tuple[tuple[str, Any, Any, str], ...] = (
    ("to_direct", _("Văn bản chờ chỉ đạo"), "qlvbdh.direct", Document.Status.SUBMITTED),
    ("to_approve", _("Dự thảo chờ duyệt"), "qlvbdh.direct", Document.Status.DRAFT),
    ("to_sign", _("Văn bản chờ ký"), "qlvbdh.sign", Document.Status.APPROVED),
    ("to_submit", _("Văn bản đến chờ trình"), "qlvbdh.register_incoming", Document.Status.REGISTERED),
    ("to_issue", _("Văn bản chờ phát hành"), "qlvbdh.issue_outgoing", Document.Status.SIGNED),
)


def waiting_figures(*, reader: Any) -> list[Figure]:
    """What waits for this person, each figure the size of the list it links to."""
    figures: list[Figure] = []
    wanted = [(key, label, status) for key, label, code, status in _DOCUMENT_FIGURES if can(reader, code)]
    if wanted:
        counts = documents_visible_to(reader).aggregate(
            **{key: Count("pk", filter=Q(status=status)) for key, _label, status in wanted}
        )
        figures += [
            Figure(key, label, counts[key], f"/documents/?status={status}") for key, label, status in wanted
        ]
    if can(reader, "qlvbdh.register_incoming"):
        figures.append(
            Figure(
                "hub_arrivals",
                _("Văn bản đến qua trục chờ tiếp nhận"),
                inbox_arrived_count(reader=reader),
                "/hub/inbox/",
            )
        )
    if can(reader, "qlvbdh.process"):
        today = timezone.localdate()
        tasks = permitted(reader, "qlvbdh.process", Assignment).filter(status=Assignment.Status.OPEN)
        counts = tasks.aggregate(
            open=Count("pk"),
            overdue=Count("pk", filter=Q(deadline__lt=today)),
            due=Count(
                "pk", filter=Q(deadline__gte=today, deadline__lte=today + timedelta(days=DUE_SOON_DAYS))
            ),
        )
        figures += [
            Figure("tasks_open", _("Việc đang xử lý"), counts["open"], "/tasks/"),
            Figure("tasks_due", _("Việc sắp đến hạn"), counts["due"], "/tasks/"),
            Figure("tasks_overdue", _("Việc quá hạn"), counts["overdue"], "/tasks/"),
        ]
    if can(reader, "collab.view"):
        figures.append(
            Figure(
                "unread_discussions",
                _("Trao đổi chưa đọc"),
                unread_thread_count(reader=reader),
                "/discussions/",
            )
        )
    return figures


def calendar_figures(*, reader: Any) -> tuple[list[CalendarEvent], int]:
    """Today's events the person may see, and how many this week."""
    if not can(reader, "collab.view"):
        return [], 0
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    events = permitted(reader, "collab.view", CalendarEvent).filter(cancelled_at__isnull=True)
    week = events.filter(starts_at__lt=_local(monday + timedelta(days=7)), ends_at__gt=_local(monday)).count()
    todays = list(
        events.filter(starts_at__lt=_local(today + timedelta(days=1)), ends_at__gt=_local(today))
        .select_related("host")
        .order_by("starts_at", "id")[:20]
    )
    return todays, week


@dataclass(frozen=True)
class AgencyFigures:
    year: int
    incoming_by_month: list[int]
    outgoing_by_month: list[int]
    on_time: int
    late: int
    open_overdue: int
    open_in_time: int
    by_unit: list[tuple[str, int, int]]  # unit name, open, done


def agency_figures(*, reader: Any, year: int | None = None) -> AgencyFigures | None:
    """The agency's figures for its leaders (qlvbdh.view_reports): documents in and out by month,
    work done on time and late, work by unit; counted over the documents the reader may see."""
    if not can(reader, "qlvbdh.view_reports"):
        return None
    year = year or timezone.localdate().year
    documents = documents_visible_to(reader).filter(
        registered_at__gte=_local(date(year, 1, 1)), registered_at__lt=_local(date(year + 1, 1, 1))
    )
    incoming, outgoing = [0] * 12, [0] * 12
    rows = (
        documents.annotate(month=ExtractMonth("registered_at", tzinfo=timezone.get_current_timezone()))
        .values("direction", "month")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in rows:
        target = incoming if row["direction"] == Document.Direction.INCOMING else outgoing
        target[row["month"] - 1] += row["n"]
    today = timezone.localdate()
    tasks = Assignment.objects.filter(
        document__in=documents.order_by().values("pk"), role=Assignment.Role.LEAD
    )
    done = Q(status=Assignment.Status.DONE)
    timing = tasks.annotate(done_on=TruncDate("done_at", tzinfo=timezone.get_current_timezone())).aggregate(
        on_time=Count("pk", filter=done & (Q(deadline__isnull=True) | Q(done_on__lte=F("deadline")))),
        late=Count("pk", filter=done & Q(done_on__gt=F("deadline"))),
        open_overdue=Count("pk", filter=Q(status=Assignment.Status.OPEN, deadline__lt=today)),
        open_in_time=Count(
            "pk",
            filter=Q(status=Assignment.Status.OPEN) & (Q(deadline__isnull=True) | Q(deadline__gte=today)),
        ),
    )
    units = (
        tasks.filter(unit__isnull=False)
        .values("unit__name")
        .annotate(
            open=Count("pk", filter=Q(status=Assignment.Status.OPEN)),
            done=Count("pk", filter=Q(status=Assignment.Status.DONE)),
        )
        .order_by("unit__name")
    )
    return AgencyFigures(
        year=year,
        incoming_by_month=incoming,
        outgoing_by_month=outgoing,
        by_unit=[(row["unit__name"], row["open"], row["done"]) for row in units],
        **timing,
    )
