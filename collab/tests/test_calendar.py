"""The work calendar: the office drafts the leaders' week, the head approves and it is published;
a change after publishing notifies the participants; the week as PDF; each person's iCalendar feed
holds their events and nothing else, at a secret address that can be revoked."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from icalendar import Calendar
from pypdf import PdfReader

from accounts.models import Notification
from accounts.tests.factories import UserFactory
from collab.models import CalendarEvent
from collab.services.calendar import (
    EventData,
    event_create,
    event_update,
    feed_issue,
    feed_revoke,
    week_approve,
    week_ensure,
    week_submit,
)
from collab.tests.factories import CalendarEventFactory, CalendarWeekFactory, at, monday_of
from core.audit import Actor
from core.errors import ApplicationError
from core.tenancy import in_tenant
from qlvbdh.tests.factories import IncomingDocumentFactory

pytestmark = pytest.mark.django_db


def _monday() -> Any:
    return monday_of(timezone.localdate())


def _data(title: str = "Họp giao ban lãnh đạo", day: int = 0, **more: Any) -> EventData:
    start = at(_monday() + timedelta(days=day), 8)
    return EventData(
        title=title, starts_at=start, ends_at=start + timedelta(hours=2), place="Phòng họp số 1", **more
    )


def _api_titles(browser: Any) -> list[str]:
    return [e["title"] for e in browser.get(f"/api/v1/calendar/events/?week={_monday()}").json()["events"]]


def test_the_week_is_seen_by_staff_only_once_the_head_approves_it(
    tenant: Any, head: Any, clerk: Any, official: Any, signed_in: Any, client: Any
) -> None:
    from django.test import Client

    with in_tenant(tenant):
        week = week_ensure(actor=Actor(user=clerk), day=_monday())
        event_create(
            actor=Actor(user=clerk), scope="agency", week=week, data=_data(host=head, participants=[official])
        )
    staff = signed_in(client, official)
    assert _api_titles(staff) == []
    with in_tenant(tenant):
        with pytest.raises(PermissionDenied):
            week_approve(actor=Actor(user=clerk), week=week)  # the office drafts, the head approves
        with pytest.raises(ApplicationError):
            week_approve(actor=Actor(user=head), week=week)  # not submitted yet
        week_submit(actor=Actor(user=clerk), week=week)
        with pytest.raises(ApplicationError):  # a submitted week is not edited under the head's eyes
            event_create(actor=Actor(user=clerk), scope="agency", week=week, data=_data("Thêm"))
    assert _api_titles(staff) == []
    head_browser = signed_in(Client(), head)
    assert head_browser.post(f"/api/v1/calendar/weeks/{week.uuid}/approve/").status_code == 200
    assert _api_titles(staff) == ["Họp giao ban lãnh đạo"]
    with in_tenant(tenant):
        told = Notification.objects.filter(kind="calendar.published").values_list("user__username", flat=True)
        assert sorted(told) == sorted([head.username, official.username])


def test_an_official_cannot_draft_the_leaders_calendar(
    tenant: Any, official: Any, signed_in: Any, client: Any
) -> None:
    start = at(_monday(), 9)
    answer = signed_in(client, official).post(
        "/api/v1/calendar/events/",
        {
            "scope": "agency",
            "title": "X",
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=1)).isoformat(),
        },
        content_type="application/json",
    )
    assert answer.status_code == 403
    with in_tenant(tenant):
        assert CalendarEvent.objects.count() == 0


def test_a_change_after_publishing_notifies_old_and_new_participants(
    tenant: Any, head: Any, clerk: Any, official: Any, colleague: Any
) -> None:
    with in_tenant(tenant):
        week = week_ensure(actor=Actor(user=clerk), day=_monday())
        event = event_create(
            actor=Actor(user=clerk), scope="agency", week=week, data=_data(participants=[official])
        )
        week_submit(actor=Actor(user=clerk), week=week)
        week_approve(actor=Actor(user=head), week=week)
        Notification.objects.all().delete()
        event_update(actor=Actor(user=clerk), event=event, data=_data(day=1, participants=[colleague]))
        told = sorted(
            Notification.objects.filter(kind="calendar.changed").values_list("user__username", flat=True)
        )
        assert told == sorted([official.username, colleague.username])
        event.refresh_from_db()
        assert event.revision == 2


def test_week_pdf_prints_the_leaders_events_in_vietnamese(
    tenant: Any, head: Any, clerk: Any, signed_in: Any, client: Any
) -> None:
    with in_tenant(tenant):
        week = week_ensure(actor=Actor(user=clerk), day=_monday())
        event_create(
            actor=Actor(user=clerk), scope="agency", week=week, data=_data("Tiếp công dân định kỳ", host=head)
        )
    response = signed_in(client, clerk).get(f"/calendar/weeks/{week.uuid}/print.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Tiếp công dân định kỳ" in text
    assert "LỊCH CÔNG TÁC TUẦN" in text
    # staff do not see (or print) a week still in draft
    with in_tenant(tenant):
        staff = UserFactory.create(roles=["official"])
    from django.test import Client

    assert signed_in(Client(), staff).get(f"/calendar/weeks/{week.uuid}/print.pdf").status_code == 404


def test_ical_feed_holds_the_persons_events_and_nothing_else(
    tenant: Any, head: Any, clerk: Any, official: Any, colleague: Any, signed_in: Any, client: Any
) -> None:
    monday = _monday()
    with in_tenant(tenant):
        published = CalendarWeekFactory.create(week_start=monday, status="published")
        draft = CalendarWeekFactory.create(week_start=monday + timedelta(days=7), status="draft")
        hosted = CalendarEventFactory.create(week=published, host=official, title="Chủ trì họp")
        joined = CalendarEventFactory.create(week=published, title="Dự họp", participants=[official])
        own = CalendarEvent.objects.create(
            scope="personal",
            owner=official,
            title="Việc riêng",
            starts_at=at(monday, 14),
            ends_at=at(monday, 15),
            created_by="x",
        )
        # not theirs: someone else's personal event, an agency event without them, an event in a
        # week not yet published, a cancelled one
        CalendarEvent.objects.create(
            scope="personal",
            owner=colleague,
            title="Của đồng nghiệp",
            starts_at=at(monday, 14),
            ends_at=at(monday, 15),
            created_by="x",
        )
        CalendarEventFactory.create(week=published, host=head, title="Không liên quan")
        CalendarEventFactory.create(week=draft, participants=[official], title="Chưa ban hành")
        CalendarEventFactory.create(
            week=published, participants=[official], title="Đã hủy", cancelled_at=timezone.now()
        )
        token = feed_issue(actor=Actor(user=official))

    anonymous = client.__class__(HTTP_HOST=signed_in(client, official).defaults["HTTP_HOST"])
    response = anonymous.get(f"/calendar/feed/{token}.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    events = {str(e["summary"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {"Chủ trì họp", "Dự họp", "Việc riêng"}
    assert events["Dự họp"].decoded("dtstart") == joined.starts_at
    assert str(events["Chủ trì họp"]["uid"]).startswith(str(hosted.uuid))
    assert str(events["Việc riêng"]["uid"]).startswith(str(own.uuid))

    # a new address ends the old one; revoking ends the new one
    with in_tenant(tenant):
        second = feed_issue(actor=Actor(user=official))
    assert anonymous.get(f"/calendar/feed/{token}.ics").status_code == 404
    assert anonymous.get(f"/calendar/feed/{second}.ics").status_code == 200
    with in_tenant(tenant):
        feed_revoke(actor=Actor(user=official))
    assert anonymous.get(f"/calendar/feed/{second}.ics").status_code == 404
    assert anonymous.get("/calendar/feed/guess.ics").status_code == 404


def test_a_feed_token_opens_nothing_on_another_agencys_host(
    tenant: Any, other_tenant: Any, official: Any, client_for: Any, host_of: Any
) -> None:
    with in_tenant(tenant):
        token = feed_issue(actor=Actor(user=official))
    assert client_for(host_of(other_tenant)).get(f"/calendar/feed/{token}.ics").status_code == 404
    assert client_for(host_of(tenant)).get(f"/calendar/feed/{token}.ics").status_code == 200


def test_linked_documents_are_shown_only_to_who_may_see_them(
    tenant: Any, head: Any, clerk: Any, official: Any, signed_in: Any, client: Any
) -> None:
    from django.test import Client

    with in_tenant(tenant):
        document = IncomingDocumentFactory.create(summary="Kế hoạch tổ chức hội nghị")
        week = CalendarWeekFactory.create(week_start=_monday(), status="published")
        event = CalendarEventFactory.create(week=week, title="Hội nghị")
        event.documents.add(document)
    head_events = signed_in(client, head).get(f"/api/v1/calendar/events/?week={_monday()}").json()["events"]
    assert head_events[0]["documents"] == [str(document.uuid)]
    staff_events = (
        signed_in(Client(), official).get(f"/api/v1/calendar/events/?week={_monday()}").json()["events"]
    )
    assert staff_events[0]["documents"] == []
    page = signed_in(Client(), official).get(f"/calendar/?week={_monday()}").content.decode()
    assert "Hội nghị" in page
    assert "Kế hoạch tổ chức hội nghị" not in page


def test_unit_and_personal_events_stay_with_their_people(
    tenant: Any, official: Any, colleague: Any, signed_in: Any, client: Any
) -> None:
    from django.test import Client

    with in_tenant(tenant):
        outsider = UserFactory.create(roles=["official"])
        event_create(actor=Actor(user=official), scope="unit", unit=official.unit, data=_data("Họp phòng"))
        event_create(actor=Actor(user=official), scope="personal", data=_data("Khám sức khỏe"))
        with pytest.raises(PermissionDenied):
            event_create(actor=Actor(user=outsider), scope="unit", unit=official.unit, data=_data("Chen vào"))
    assert sorted(_api_titles(signed_in(client, official))) == ["Họp phòng", "Khám sức khỏe"]
    assert _api_titles(signed_in(Client(), colleague)) == ["Họp phòng"]
    assert _api_titles(signed_in(Client(), outsider)) == []


def test_calendar_pages_answer_bad_input_without_a_500(
    tenant: Any, clerk: Any, signed_in: Any, client: Any
) -> None:
    browser = signed_in(client, clerk)
    assert browser.get("/calendar/?week=not-a-date").status_code == 200
    assert browser.get("/calendar/events/not-a-uuid/").status_code == 404
    bad = {
        "scope": "agency",
        "week": str(_monday()),
        "agency-title": "",
        "agency-starts_at": "x",
        "agency-ends_at": "",
    }
    assert browser.post("/calendar/events/new/", bad).status_code == 302
    start = at(_monday(), 9)
    backwards = browser.post(
        "/api/v1/calendar/events/",
        {
            "scope": "agency",
            "title": "X",
            "starts_at": start.isoformat(),
            "ends_at": (start - timedelta(hours=1)).isoformat(),
        },
        content_type="application/json",
    )
    assert backwards.status_code == 400
    with in_tenant(tenant):
        assert CalendarEvent.objects.count() == 0
