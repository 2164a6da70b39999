"""P6-P7: the 3-day deadline of an event's article in Vietnam's time zone, the monthly quota of each
professional group, the reminders (once per event per stage), and the activity report's figures
against a count made here from the rows."""

from __future__ import annotations

import datetime
from datetime import UTC
from io import BytesIO, StringIO
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from openpyxl import load_workbook
from wagtail.models import Page

from accounts.models import Notification
from accounts.tests.factories import OrgUnitFactory, UserFactory
from core.audit import Actor
from core.tenancy import in_tenant
from portal.deadlines import event_deadline, event_due_day, period_parse, quota_standings
from portal.models import ArticlePage, Event, EventKind, EventReminder
from portal.services.duties import (
    event_create,
    event_kind_unit_set,
    event_link_article,
    event_reminders_send,
    quota_group_set,
)
from portal.tests import factories

pytestmark = pytest.mark.django_db

VN = datetime.timezone(datetime.timedelta(hours=7))


def vn(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, tzinfo=VN)


# --- the deadline --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ends_at", "due"),
    [
        # across a month end: ends 30 November, due by the end of 3 December
        (vn(2026, 11, 30, 16, 0), datetime.date(2026, 12, 3)),
        # across a year end: ends 30 December, due 2 January
        (vn(2026, 12, 30, 10, 0), datetime.date(2027, 1, 2)),
        # 23:30 on 31 December in Vietnam (16:30 UTC): 31 December
        (vn(2026, 12, 31, 23, 30), datetime.date(2027, 1, 3)),
        # 00:30 on 1 January in Vietnam is still 31 December in UTC: the local day counts
        (datetime.datetime(2026, 12, 31, 17, 30, tzinfo=UTC), datetime.date(2027, 1, 4)),
        # an event that runs until midnight ended on the day before
        (vn(2027, 1, 1, 0, 0), datetime.date(2027, 1, 3)),
        (vn(2027, 1, 1, 0, 1), datetime.date(2027, 1, 4)),
    ],
)
def test_the_article_is_due_three_local_days_after_the_event(ends_at: Any, due: Any) -> None:
    assert event_due_day(ends_at, 3) == due
    deadline = event_deadline(ends_at, 3)
    # the deadline is the local midnight after the due day: a minute before it is in time
    assert deadline == vn(due.year, due.month, due.day, 0, 0) + datetime.timedelta(days=1)


def _board(tenant: Any) -> tuple[Any, Any, Any]:
    unit = OrgUnitFactory.create(tenant=tenant, name="Đoàn Thanh niên")
    secretary = UserFactory.create(tenant=tenant, roles=["board_secretary"], email="thuky@example.vn")
    member = UserFactory.create(tenant=tenant, unit=unit, email="doan@example.vn")
    return unit, secretary, member


def test_the_responsible_unit_follows_the_boards_mapping(portal: Any) -> None:
    with in_tenant(portal):
        unit, secretary, _member = _board(portal)
        actor = Actor(user=secretary)
        event_kind_unit_set(actor=actor, kind=EventKind.YOUTH, unit=unit)
        event = event_create(
            actor=actor,
            data={
                "title": "Hội trại 26/3",
                "kind": EventKind.YOUTH,
                "starts_at": vn(2026, 3, 26, 7, 0),
                "ends_at": vn(2026, 3, 27, 17, 0),
            },
        )
        assert event.unit == unit
        assert event.deadline == vn(2026, 3, 31, 0, 0)
        with pytest.raises(ValidationError):  # no mapping for ceremonies yet, and none named
            event_create(
                actor=actor,
                data={
                    "title": "Lễ",
                    "kind": EventKind.CEREMONY,
                    "starts_at": vn(2026, 3, 26, 7, 0),
                    "ends_at": vn(2026, 3, 26, 9, 0),
                },
            )
        contributor = UserFactory.create(tenant=portal, roles=["contributor"])
        with pytest.raises(PermissionDenied):
            event_kind_unit_set(actor=Actor(user=contributor), kind=EventKind.YOUTH, unit=unit)


def test_reminders_once_per_event_per_stage_in_app_and_by_mail(
    portal: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with in_tenant(portal):
        unit, secretary, member = _board(portal)
        actor = Actor(user=secretary)
        event = event_create(
            actor=actor,
            data={
                "title": "Hội trại",
                "kind": EventKind.YOUTH,
                "unit": unit,
                "starts_at": vn(2026, 3, 26, 7, 0),
                "ends_at": vn(2026, 3, 27, 17, 0),
            },
        )
        far = vn(2026, 3, 28, 12, 0)
        before = vn(2026, 3, 30, 8, 0)  # within 24 hours of the deadline (31 March 00:00)
        after = vn(2026, 3, 31, 0, 0)
        with django_capture_on_commit_callbacks(execute=True):
            assert event_reminders_send(now=far) == 0
            assert event_reminders_send(now=before) == 1
            assert event_reminders_send(now=before + datetime.timedelta(hours=2)) == 0  # the next beat
            assert event_reminders_send(now=after) == 1
            assert event_reminders_send(now=after) == 0
        stages = set(EventReminder.objects.filter(event=event).values_list("stage", flat=True))
        assert stages == {"before", "due"}
        for person in (member, secretary):
            assert Notification.objects.filter(user=person, kind="portal_event_due").count() == 2
        assert len(mail.outbox) == 2
        assert set(mail.outbox[0].to) == {"doan@example.vn", "thuky@example.vn"}
        # an event reported in time is not reminded
        other = event_create(
            actor=actor,
            data={
                "title": "Mít tinh",
                "kind": EventKind.YOUTH,
                "unit": unit,
                "starts_at": vn(2026, 3, 26, 7, 0),
                "ends_at": vn(2026, 3, 27, 9, 0),
            },
        )
        article = factories.article_create(slug="mit-tinh")
        ArticlePage.objects.filter(pk=article.pk).update(first_published_at=vn(2026, 3, 28, 9, 0))
        event_link_article(actor=actor, event=other, article=ArticlePage.objects.get(pk=article.pk))
        assert event_reminders_send(now=vn(2026, 3, 31, 1, 0)) == 0


# --- the monthly quota ---------------------------------------------------------------------------


def _published(owner: Any, slug: str, at: datetime.datetime) -> ArticlePage:
    article = factories.article_create(slug=slug, title=slug)
    ArticlePage.objects.filter(pk=article.pk).update(owner=owner, first_published_at=at)
    return ArticlePage.objects.get(pk=article.pk)


def test_a_group_that_published_on_the_months_last_day_meets_that_month_not_the_next(portal: Any) -> None:
    with in_tenant(portal):
        math = OrgUnitFactory.create(tenant=portal, name="Tổ Toán")
        literature = OrgUnitFactory.create(tenant=portal, name="Tổ Ngữ văn")
        head = UserFactory.create(tenant=portal, roles=["board_head"])
        teacher = UserFactory.create(tenant=portal, unit=math)
        quota_group_set(actor=Actor(user=head), unit=math, leader=teacher)
        quota_group_set(actor=Actor(user=head), unit=literature, leader=None)
        # 23:30 on 30 November in Vietnam is 16:30 UTC: still November
        _published(teacher, "cuoi-thang", vn(2026, 11, 30, 23, 30))
        november = {str(s.group): s.met for s in quota_standings(2026, 11)}
        december = {str(s.group): s.met for s in quota_standings(2026, 12)}
        assert november == {"Tổ Toán": True, "Tổ Ngữ văn": False}
        assert december == {"Tổ Toán": False, "Tổ Ngữ văn": False}
        # 00:10 on 1 December in Vietnam is 30 November in UTC: December
        _published(teacher, "dau-thang", datetime.datetime(2026, 11, 30, 17, 10, tzinfo=UTC))
        assert {str(s.group): s.published for s in quota_standings(2026, 12)}["Tổ Toán"] == 1
        assert {str(s.group): s.published for s in quota_standings(2026, 11)}["Tổ Toán"] == 1
        # and across the year end: 31 December 23:59 local is December 2026, not January 2027
        _published(teacher, "cuoi-nam", vn(2026, 12, 31, 23, 59))
        assert {str(s.group): s.published for s in quota_standings(2027, 1)}["Tổ Toán"] == 0


# --- periods and the report ---------------------------------------------------------------------


def test_periods_follow_the_boards_school_year() -> None:
    from portal.deadlines import school_year_bounds
    from portal.models import DutySettings

    settings = DutySettings(year_start_month=9, year_start_day=5, semester_two_month=1, semester_two_day=15)
    assert school_year_bounds(2026, settings) == (
        datetime.date(2026, 9, 5),
        datetime.date(2027, 1, 15),
        datetime.date(2027, 9, 4),
    )


@pytest.mark.parametrize(
    "key", ["2026-13", "2026-S3", "2026-2028", "năm ngoái", "2026-02-30..2026-03-01", ""]
)
def test_a_bad_period_is_a_sentence(portal: Any, key: str) -> None:
    with in_tenant(portal), pytest.raises(ValidationError):
        period_parse(key)


def test_report_figures_equal_a_count_made_from_the_rows(portal: Any) -> None:
    from pypdf import PdfReader

    from portal.reports import report_build, report_pdf, report_xlsx
    from portal.services.workflow import page_take_down

    with in_tenant(portal):
        math = OrgUnitFactory.create(tenant=portal, name="Tổ Toán")
        office = OrgUnitFactory.create(tenant=portal, name="Văn phòng")
        head = UserFactory.create(tenant=portal, roles=["board_head"])
        writers = [UserFactory.create(tenant=portal, unit=unit) for unit in (math, math, office)]
        quota_group_set(actor=Actor(user=head), unit=math, leader=None)
        period = period_parse("2026-11")
        start, end = period.bounds
        moments = [
            vn(2026, 10, 31, 23, 59),  # before
            vn(2026, 11, 1, 0, 0),
            vn(2026, 11, 15, 12, 0),
            vn(2026, 11, 30, 23, 59),
            vn(2026, 12, 1, 0, 0),  # after
            vn(2026, 11, 20, 8, 0),
        ]
        articles = [_published(writers[i % 3], f"bai-{i}", moment) for i, moment in enumerate(moments)]
        # one taken down today: counted in today's month, not in November's
        page_take_down(
            actor=Actor(user=head), page=Page.objects.get(pk=articles[2].pk), reason="stale", note="Cũ"
        )
        report = report_build(period)
        today = timezone.localdate()
        this_month = report_build(period_parse(f"{today:%Y-%m}"))
        in_period = [a for a in articles if start <= a.first_published_at < end]
        expected_units: dict[str, int] = {}
        for article in in_period:
            name = article.owner.unit.name
            expected_units[name] = expected_units.get(name, 0) + 1

    assert report.published == len(in_period) == 4
    assert dict(report.by_unit) == expected_units
    assert sum(n for _name, _unit, n in report.by_person) == len(in_period)
    assert (report.taken_down, this_month.taken_down) == (0, 1)
    assert report.quotas == [("Tổ Toán", "11/2026", expected_units["Tổ Toán"], True)]
    with in_tenant(portal):
        pdf = PdfReader(BytesIO(report_pdf(report, agency_name="Trường")))
        sheet = load_workbook(BytesIO(report_xlsx(report, agency_name="Trường"))).active
    # the PDF draws the page's charts as bars: one filled rectangle per activity figure and per unit
    text = " ".join(" ".join(page.extract_text().split()) for page in pdf.pages)
    for words in ("Hoạt động đăng bài", "Đóng góp theo đơn vị", "Tổ Toán", "TRƯỞNG BAN BIÊN TẬP"):
        assert words in text
    bars = 0
    for page in pdf.pages:
        contents = page.get_contents()
        assert contents is not None
        bars += contents.get_data().count(b" re f")
    assert bars == 5 + len(expected_units)
    assert sheet is not None
    values = {row[0]: row[1] for row in sheet.iter_rows(min_row=3, values_only=True)}
    assert values["Bài đã đăng"] == 4


def test_the_report_command_writes_pdf_and_xlsx_and_refuses_bad_input(portal: Any, tmp_path: Any) -> None:
    target = tmp_path / "bao-cao.pdf"
    call_command(
        "portal",
        "report",
        "--tenant",
        portal.schema_name,
        "--period",
        "2026-S1",
        "--format",
        "pdf",
        "-o",
        str(target),
        stdout=StringIO(),
    )
    assert target.read_bytes().startswith(b"%PDF")
    xlsx = tmp_path / "bao-cao.xlsx"
    call_command(
        "portal",
        "report",
        "--tenant",
        portal.schema_name,
        "--period",
        "2026-2027",
        "--format",
        "xlsx",
        "-o",
        str(xlsx),
        stdout=StringIO(),
    )
    assert load_workbook(xlsx).sheetnames[0] == "Tổng hợp"
    with pytest.raises(CommandError, match="2026-13"):
        call_command(
            "portal", "report", "--tenant", portal.schema_name, "--period", "2026-13", "-o", str(xlsx)
        )
    with pytest.raises(CommandError, match="No tenant"):
        call_command("portal", "report", "--tenant", "khong-co", "--period", "2026-11", "-o", str(xlsx))
    with pytest.raises(CommandError, match="--period"):
        call_command("portal", "report", "--tenant", portal.schema_name, "-o", str(xlsx))


def test_events_of_another_tenant_are_not_reminded_here(portal: Any, other_portal: Any) -> None:
    with in_tenant(other_portal):
        unit, secretary, _member = _board(other_portal)
        event_create(
            actor=Actor(user=secretary),
            data={
                "title": "Của đơn vị B",
                "kind": EventKind.OTHER,
                "unit": unit,
                "starts_at": timezone.now() - datetime.timedelta(days=5),
                "ends_at": timezone.now() - datetime.timedelta(days=4),
            },
        )
    with in_tenant(portal):
        assert Event.objects.count() == 0
        assert event_reminders_send() == 0
    with in_tenant(other_portal):
        assert event_reminders_send() == 1


def test_board_pages_answer_the_board_and_refuse_others(portal: Any, signed_in: Any, client: Any) -> None:
    with in_tenant(portal):
        secretary = UserFactory.create(tenant=portal, roles=["board_secretary"])
        contributor = UserFactory.create(tenant=portal, roles=["contributor"])
    board = signed_in(client, secretary)
    assert board.get("/cms/portal/duties/").status_code == 200
    page = board.get("/cms/portal/reports/", {"period": "2026-11"})
    assert page.status_code == 200
    assert "data-chart" in page.content.decode()
    pdf = board.get(
        "/cms/portal/reports/", {"period": "2026-S1", "format": "pdf", "proposals": "Tăng bài tiếng Anh"}
    )
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert board.get("/cms/portal/reports/", {"period": "2026-13"}).status_code == 400
    from django.test import Client

    other = signed_in(Client(), contributor)
    for url in (
        "/cms/portal/duties/",
        "/cms/portal/reports/",
        "/cms/portal/duties/settings/",
        "/cms/portal/feedback/",
    ):
        assert other.get(url).status_code in (302, 403), url
