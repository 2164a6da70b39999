"""Reads of the board's duties (P6, P7): the 3-day deadline of an event's article, the monthly quota
of each professional group, and the periods reports count by. Every day and month is a day and
month in Vietnam's time zone (settings.TIME_ZONE), whatever the server's clock says.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.models import ArticlePage, DutySettings, Event, QuotaGroup


def duty_settings() -> DutySettings:
    """The board's settings of this tenant (defaults until the board saves its own)."""
    return DutySettings.objects.filter(pk=1).first() or DutySettings(pk=1)


def _zone() -> Any:
    return timezone.get_default_timezone()


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=_zone())


def event_due_day(ends_at: datetime, days: int) -> date:
    """The last local day the article may appear: `days` after the local day the event ended. An
    event that ends exactly at midnight ran until the end of the day before."""
    local = timezone.localtime(ends_at, _zone())
    ended_on = local.date() - timedelta(days=1) if local.time() == time.min else local.date()
    return ended_on + timedelta(days=days)


def event_deadline(ends_at: datetime, days: int) -> datetime:
    """The deadline as an instant: the start of the local day after the due day (exclusive)."""
    return local_midnight(event_due_day(ends_at, days) + timedelta(days=1))


def due_day_of(deadline: datetime) -> date:
    return timezone.localtime(deadline - timedelta(microseconds=1), _zone()).date()


class EventStatus:
    DUE = "due"  # not yet published, deadline ahead
    OVERDUE = "overdue"  # not published, deadline passed
    MET = "met"  # published before the deadline
    LATE = "late"  # published, after the deadline

    LABELS = {
        DUE: gettext_lazy("Chưa đến hạn"),
        OVERDUE: gettext_lazy("Quá hạn, chưa đưa tin"),
        MET: gettext_lazy("Đưa tin đúng hạn"),
        LATE: gettext_lazy("Đưa tin trễ hạn"),
    }


def event_status(event: Event, *, now: datetime | None = None) -> str:
    published = event.article.first_published_at if event.article is not None else None
    if published is not None:
        return EventStatus.MET if published < event.deadline else EventStatus.LATE
    return EventStatus.OVERDUE if (now or timezone.now()) >= event.deadline else EventStatus.DUE


def events_with_status(events: QuerySet[Event], *, now: datetime | None = None) -> list[tuple[Event, str]]:
    now = now or timezone.now()
    rows = events.select_related("unit", "article").order_by("deadline", "id")
    return [(event, event_status(event, now=now)) for event in rows]


def events_dashboard(*, now: datetime | None = None, limit: int = 50) -> dict[str, list[tuple[Event, str]]]:
    """What is due, overdue and met: open events (all), and those settled in the last 30 days."""
    now = now or timezone.now()
    recent = Q(deadline__gte=now - timedelta(days=30))
    open_events = Q(article__isnull=True) | Q(article__first_published_at__isnull=True)
    rows = events_with_status(Event.objects.filter(open_events | recent), now=now)
    grouped: dict[str, list[tuple[Event, str]]] = {key: [] for key in EventStatus.LABELS}
    for event, status in rows:
        if len(grouped[status]) < limit:
            grouped[status].append((event, status))
    return grouped


# --- monthly quota ---------------------------------------------------------------------------------


def month_bounds(year: int, month: int) -> tuple[datetime, datetime]:
    start = date(year, month, 1)
    following = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return local_midnight(start), local_midnight(following)


def published_articles(start: datetime, end: datetime) -> QuerySet[ArticlePage]:
    """Articles first published in [start, end): a later edit or a takedown does not move them."""
    return ArticlePage.objects.filter(first_published_at__gte=start, first_published_at__lt=end)


@dataclass(frozen=True)
class QuotaStanding:
    group: QuotaGroup
    year: int
    month: int
    published: int
    quota: int

    @property
    def met(self) -> bool:
        return self.published >= self.quota


def quota_standings(year: int, month: int, *, until: datetime | None = None) -> list[QuotaStanding]:
    """Each active professional group's articles of the local month (published before `until`, when
    given) against the quota (one query)."""
    quota = duty_settings().monthly_quota
    start, end = month_bounds(year, month)
    if until is not None:
        end = min(end, until)
    counts = dict(
        published_articles(start, end)
        .filter(owner__unit__isnull=False)
        .order_by()  # treebeard orders pages by path: that would split the groups
        .values_list("owner__unit")
        .annotate(n=Count("id"))
        .values_list("owner__unit", "n")
    )
    groups = (
        QuotaGroup.objects.filter(active=True).select_related("unit", "leader").order_by("unit__folded_name")
    )
    return [QuotaStanding(g, year, month, int(counts.get(g.unit_id, 0)), quota) for g in groups]


# --- periods -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    key: str
    label: str
    start: date  # first day
    end: date  # last day (included)

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        return local_midnight(self.start), local_midnight(self.end + timedelta(days=1))

    def months(self) -> list[tuple[int, int]]:
        out, year, month = [], self.start.year, self.start.month
        while (year, month) <= (self.end.year, self.end.month):
            out.append((year, month))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return out


def school_year_bounds(first_year: int, settings: DutySettings | None = None) -> tuple[date, date, date]:
    """(first day of the school year, first day of semester II, last day of the year)."""
    s = settings or duty_settings()
    start = date(first_year, s.year_start_month, s.year_start_day)
    semester_year = first_year + 1 if s.semester_two_month < s.year_start_month else first_year
    semester_two = date(semester_year, s.semester_two_month, s.semester_two_day)
    end = date(first_year + 1, s.year_start_month, s.year_start_day) - timedelta(days=1)
    return start, semester_two, end


_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_SEMESTER = re.compile(r"^(\d{4})-S([12])$", re.IGNORECASE)
_YEAR = re.compile(r"^(\d{4})-(\d{4})$")
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")


# Reports count from the year 2000 to 2100: beyond, a slip (9999) would overflow the arithmetic.
PERIOD_YEARS = (2000, 2100)


def period_parse(key: str) -> Period:
    """`2026-11` (a month), `2026-S1` / `2026-S2` (a semester of the school year 2026-2027),
    `2026-2027` (a school year) or `2026-11-03..2026-12-10` (any period). ValidationError otherwise."""
    period = _period_parse((key or "").strip())
    first, last = PERIOD_YEARS
    if not (first <= period.start.year and period.end.year <= last):
        raise ValidationError(_("Kỳ báo cáo phải nằm trong các năm %(a)s-%(b)s.") % {"a": first, "b": last})
    return period


def _period_parse(text: str) -> Period:
    try:
        if match := _MONTH.match(text):
            year, month = int(match[1]), int(match[2])
            start = date(year, month, 1)
            end = (date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)) - timedelta(days=1)
            return Period(
                f"{year}-{month:02d}", _("Tháng %(m)02d/%(y)s") % {"m": month, "y": year}, start, end
            )
        if match := _SEMESTER.match(text):
            year, number = int(match[1]), int(match[2])
            first, second, last = school_year_bounds(year)
            start, end = (first, second - timedelta(days=1)) if number == 1 else (second, last)
            label = _("Học kỳ %(n)s năm học %(a)s-%(b)s") % {
                "n": "I" if number == 1 else "II",
                "a": year,
                "b": year + 1,
            }
            return Period(f"{year}-S{number}", label, start, end)
        if match := _YEAR.match(text):
            year, following = int(match[1]), int(match[2])
            if following != year + 1:
                raise ValidationError(_("Năm học phải là hai năm liền nhau, ví dụ 2026-2027."))
            first, _second, last = school_year_bounds(year)
            return Period(text, _("Năm học %(a)s-%(b)s") % {"a": year, "b": following}, first, last)
        if match := _RANGE.match(text):
            start, end = date.fromisoformat(match[1]), date.fromisoformat(match[2])
            if end < start:
                raise ValidationError(_("Ngày kết thúc phải sau ngày bắt đầu."))
            if (end - start).days > 3 * 366:
                raise ValidationError(_("Một báo cáo tính tối đa ba năm."))
            label = _("Từ %(a)s đến %(b)s") % {"a": f"{start:%d/%m/%Y}", "b": f"{end:%d/%m/%Y}"}
            return Period(text, label, start, end)
    except ValueError:
        pass  # a month 13, a 30 February: the sentence below
    raise ValidationError(
        _(
            "Kỳ báo cáo “%(key)s” không hợp lệ: hãy ghi tháng (2026-11), học kỳ (2026-S1, 2026-S2), "
            "năm học (2026-2027) hoặc khoảng ngày (2026-11-03..2026-12-10)."
        )
        % {"key": text[:40]}
    )
