"""The board's edit pages (P6-P8) through real HTTP on the workspace host: events (create, edit,
link the article), the mapping / groups / settings page, the consultation admin (create a draft,
moderate comments, export the summary) and the feedback pages (assign, answer, publish).

Each write goes through as the board and leaves its audit entry (once: a repeat changes nothing);
bad input is a form error or a 4xx with a sentence, never a 500; a contributor is refused (403), a
visitor sent to the login, and ids of another tenant's rows or unknown ids are 404."""

from __future__ import annotations

import datetime
import io
import unicodedata
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from accounts.tests.factories import OrgUnitFactory, UserFactory
from core.audit import Actor
from core.models import AuditEntry
from core.tenancy import in_tenant
from portal.models import (
    Consultation,
    ConsultationComment,
    DutySettings,
    Event,
    EventKind,
    EventKindUnit,
    Feedback,
    QuotaGroup,
)
from portal.services.consultation import consultation_create
from portal.services.duties import event_create
from portal.tests import factories

pytestmark = pytest.mark.django_db


def _audits(tenant: Any, action: str) -> int:
    with in_tenant(tenant):
        return AuditEntry.objects.filter(action=action).count()


def _event_fields(**extra: Any) -> dict[str, Any]:
    return {
        "event-title": "Lễ khai giảng năm học",
        "event-kind": EventKind.CEREMONY,
        "event-starts_at": "2026-09-05T07:00",
        "event-ends_at": "2026-09-05T10:30",
        "event-place": "Sân trường",
        "event-unit": "",
        **extra,
    }


@pytest.fixture
def board(portal: Any, signed_in: Any, client: Client) -> Client:
    with in_tenant(portal):
        secretary = UserFactory.create(roles=["board_secretary"])
    return signed_in(client, secretary)


def _event(secretary: Any, unit: Any, title: str, kind: str) -> Event:
    return event_create(
        actor=Actor(user=secretary),
        data={
            "title": title,
            "kind": kind,
            "unit": unit,
            "starts_at": datetime.datetime(2026, 11, 20, 7, 0, tzinfo=datetime.UTC),
            "ends_at": datetime.datetime(2026, 11, 20, 9, 0, tzinfo=datetime.UTC),
        },
    )


def _errors_of(response: Any) -> str:
    assert response.status_code == 200, response.status_code  # the form again, with its errors
    return response.content.decode()


# --- events ---------------------------------------------------------------------------------------


def test_the_board_creates_and_edits_an_event_and_bad_input_is_a_form_error(
    portal: Any, board: Client
) -> None:
    with in_tenant(portal):
        union = OrgUnitFactory.create(name="Công đoàn trường")
        EventKindUnit.objects.create(kind=EventKind.CEREMONY, unit=union)
        youth_only = OrgUnitFactory.create(name="Đoàn trường")
    assert board.get("/cms/portal/events/add/").status_code == 200

    refused = {
        "an end before the start": _event_fields(**{"event-ends_at": "2026-09-05T06:59"}),
        "a title over 255 characters": _event_fields(**{"event-title": "L" * 256}),
        "no title": _event_fields(**{"event-title": "   "}),
        "a date that is no date": _event_fields(**{"event-ends_at": "2026-02-30T10:00"}),
        "a year too far": _event_fields(**{"event-ends_at": "9999-12-31T23:00"}),
        "a year long gone": _event_fields(**{"event-starts_at": "0001-01-01T00:00"}),
        "an unknown kind": _event_fields(**{"event-kind": "party"}),
        "an unknown unit": _event_fields(**{"event-unit": "987654"}),
        "a unit id that is no number": _event_fields(**{"event-unit": "abc"}),
        "no unit and none mapped": _event_fields(**{"event-kind": EventKind.SPORT}),
    }
    for why, fields in refused.items():
        response = board.post("/cms/portal/events/add/", fields)
        assert response.status_code == 200, why
        assert "errorlist" in response.content.decode(), why
    assert (
        "kết thúc sau khi bắt đầu"
        in board.post("/cms/portal/events/add/", refused["an end before the start"]).content.decode()
    )
    with in_tenant(portal):
        assert Event.objects.count() == 0
    assert _audits(portal, "portal.event_create") == 0

    # given a valid event whose title arrives decomposed (NFD), the unit from the board's mapping
    title = unicodedata.normalize("NFD", "Lễ khai giảng năm học")
    created = board.post("/cms/portal/events/add/", _event_fields(**{"event-title": title}))
    assert created.status_code == 302
    with in_tenant(portal):
        event = Event.objects.get()
        assert event.title == unicodedata.normalize("NFC", title)
        assert event.unit == union
        assert f"{event.deadline:%Y-%m-%d %H:%M}" == "2026-09-08 17:00"  # UTC: the end of 8/9 local
    assert _audits(portal, "portal.event_create") == 1

    page = board.get(f"/cms/portal/events/{event.pk}/")
    assert page.status_code == 200
    assert "08/09/2026" in page.content.decode()

    # an edit that ends before it starts changes nothing
    bad = board.post(
        f"/cms/portal/events/{event.pk}/", _event_fields(**{"event-starts_at": "2026-09-06T07:00"})
    )
    assert "errorlist" in _errors_of(bad)
    # an edit across a month end, the board naming another unit
    moved = board.post(
        f"/cms/portal/events/{event.pk}/",
        _event_fields(**{"event-ends_at": "2026-09-29T16:00", "event-unit": str(youth_only.pk)}),
    )
    assert moved.status_code == 302
    with in_tenant(portal):
        event.refresh_from_db()
        assert event.unit == youth_only
        assert f"{event.deadline:%Y-%m-%d %H:%M}" == "2026-10-02 17:00"
    assert _audits(portal, "portal.event_update") == 1

    assert board.get("/cms/portal/events/987654/").status_code == 404
    assert board.post("/cms/portal/events/987654/", _event_fields()).status_code == 404
    assert board.get("/cms/portal/events/99999999999999999999/").status_code == 404


def test_the_board_links_the_events_article_once_and_refuses_what_is_no_article(
    portal: Any, board: Client
) -> None:
    with in_tenant(portal):
        secretary = UserFactory.create(roles=["board_secretary"])
        unit = OrgUnitFactory.create(name="Tổ Toán")
        event = _event(secretary, unit, "Hội giảng", EventKind.PROFESSIONAL)
        article = factories.article_create(title="Hội giảng chào mừng 20/11", slug="hoi-giang")
        section_id = factories.section().pk  # a page, but no article
    url = f"/cms/portal/events/{event.pk}/"
    for why, value in {
        "an unknown page": "987654",
        "a page that is no article": str(section_id),
        "no number": "abc",
        "zero": "0",
        "out of range": "99999999999999999999",
    }.items():
        response = board.post(url, {"link": "1", "link-article": value})
        assert "errorlist" in _errors_of(response), why
    with in_tenant(portal):
        assert Event.objects.get().article_id is None

    for _again in range(2):
        assert board.post(url, {"link": "1", "link-article": str(article.pk)}).status_code == 302
    with in_tenant(portal):
        assert Event.objects.get().article_id == article.pk
    assert _audits(portal, "portal.event_article") == 1  # the repeat changed nothing

    assert board.post(url, {"link": "1", "link-article": ""}).status_code == 302
    with in_tenant(portal):
        assert Event.objects.get().article_id is None
    assert _audits(portal, "portal.event_article") == 2


# --- mapping, groups, settings --------------------------------------------------------------------


def test_the_settings_page_saves_the_mapping_groups_and_numbers_and_refuses_bad_input(
    portal: Any, board: Client
) -> None:
    url = "/cms/portal/duties/settings/"
    with in_tenant(portal):
        union = OrgUnitFactory.create(name="Công đoàn")
        maths = OrgUnitFactory.create(name="Tổ Toán")
        leader = UserFactory.create(unit=maths)
        outsider = UserFactory.create(unit=union)
    assert board.get(url).status_code == 200

    refused = [
        {"which": "mapping", "mapping-kind": "party", "mapping-unit": str(union.pk)},
        {"which": "mapping", "mapping-kind": EventKind.UNION, "mapping-unit": "987654"},
        {"which": "mapping", "mapping-kind": EventKind.UNION, "mapping-unit": "x"},
        {
            "which": "group",
            "group-unit": str(maths.pk),
            "group-leader": str(outsider.pk),
            "group-active": "on",
        },
        {"which": "group", "group-unit": "987654"},
        {"which": "numbers", **_numbers(year_start_day="31", year_start_month="2")},
        {"which": "numbers", **_numbers(deadline_days="61")},
        {"which": "numbers", **_numbers(monthly_quota="-1")},
        {"which": "numbers", **_numbers(remind_hours_before="")},
        {"which": "numbers", **_numbers(semester_two_day="99999999999999999999")},
    ]
    for fields in refused:
        assert "errorlist" in _errors_of(board.post(url, fields)), fields
    with in_tenant(portal):
        assert not EventKindUnit.objects.exists()
        assert not QuotaGroup.objects.exists()
        assert not DutySettings.objects.exists()
    assert board.post(url, {"which": "nothing"}).status_code == 200

    mapping = {"which": "mapping", "mapping-kind": EventKind.UNION, "mapping-unit": str(union.pk)}
    group = {
        "which": "group",
        "group-unit": str(maths.pk),
        "group-leader": str(leader.pk),
        "group-active": "on",
    }
    numbers = {"which": "numbers", **_numbers(deadline_days="5", monthly_quota="2")}
    for fields in (mapping, group, numbers):
        assert board.post(url, fields).status_code == 302, fields
    with in_tenant(portal):
        assert EventKindUnit.objects.get().unit == union
        assert QuotaGroup.objects.get().leader == leader
        saved = DutySettings.objects.get()
        assert (saved.deadline_days, saved.monthly_quota) == (5, 2)
    for action in ("portal.event_kind_unit", "portal.quota_group", "portal.duty_settings"):
        assert _audits(portal, action) == 1, action
    page = board.get("/cms/portal/duties/").content.decode()
    assert "trong 5 ngày" in page


def _numbers(**extra: str) -> dict[str, str]:
    values = {
        "year_start_day": "5",
        "year_start_month": "9",
        "semester_two_day": "16",
        "semester_two_month": "1",
        "deadline_days": "3",
        "monthly_quota": "1",
        "remind_hours_before": "24",
        **extra,
    }
    return {f"numbers-{name}": value for name, value in values.items()}


# --- consultations --------------------------------------------------------------------------------


def _draft_fields(unit: Any, **extra: str) -> dict[str, str]:
    today = datetime.date.today()  # noqa: DTZ011  (a date typed in a form; only its order matters)
    return {
        "title": "Dự thảo quy chế chi tiêu nội bộ",
        "summary": "Quy chế chi tiêu nội bộ năm 2027.",
        "drafting_unit": str(unit.pk),
        "opens_on": f"{today:%Y-%m-%d}",
        "closes_on": f"{today + datetime.timedelta(days=14):%Y-%m-%d}",
        **extra,
    }


def test_the_consultation_admin_posts_a_draft_moderates_and_exports(portal: Any, board: Client) -> None:
    url = "/cms/portal/consultations/"
    with in_tenant(portal):
        office = OrgUnitFactory.create(name="Tổ Văn phòng")
    assert board.get(url).status_code == 200
    refused = {
        "a closing day before the opening": _draft_fields(
            office, closes_on="2026-01-01", opens_on="2026-01-02"
        ),
        "a date that is no date": _draft_fields(office, closes_on="2026-02-30"),
        "a title over 255": _draft_fields(office, title="D" * 256),
        "a summary over 20000": _draft_fields(office, summary="x" * 20001),
        "an unknown unit": _draft_fields(office, drafting_unit="987654"),
        "no title": _draft_fields(office, title=""),
    }
    for why, fields in refused.items():
        assert "errorlist" in _errors_of(board.post(url, fields)), why
    assert (
        "từ ngày mở trở đi" in board.post(url, refused["a closing day before the opening"]).content.decode()
    )
    assert _audits(portal, "portal.consultation_create") == 0

    assert board.post(url, _draft_fields(office)).status_code == 302
    assert _audits(portal, "portal.consultation_create") == 1
    with in_tenant(portal):
        draft = Consultation.objects.get()
        other = consultation_create(
            actor=Actor(user=UserFactory.create(roles=["board_head"])),
            data={**_draft_data(office), "title": "Dự thảo khác"},
        )
        first = ConsultationComment.objects.create(
            consultation=draft,
            name="Phụ huynh A",
            contact="a@example.vn",
            text="=HYPERLINK(1)",
            submission_key="a",
        )
        theirs = ConsultationComment.objects.create(
            consultation=other, name="Phụ huynh B", text="Ý kiến dự thảo khác", submission_key="b"
        )
    page = f"/cms/portal/consultations/{draft.pk}/"
    assert board.get(page).status_code == 200

    # a comment of another draft, an unknown one, one that is no number, a decision that is none
    assert board.post(page, {"comment": str(theirs.pk), "decision": "approve"}).status_code == 404
    assert board.post(page, {"comment": "987654", "decision": "approve"}).status_code == 404
    assert board.post(page, {"comment": "abc", "decision": "approve"}).status_code == 404
    assert board.post(page, {"comment": "", "decision": "approve"}).status_code == 404
    assert board.post(page, {"comment": str(first.pk), "decision": "publish"}).status_code == 400
    with in_tenant(portal):
        assert ConsultationComment.objects.filter(status=ConsultationComment.Status.PENDING).count() == 2

    for _again in range(2):
        assert board.post(page, {"comment": str(first.pk), "decision": "approve"}).status_code == 302
    assert _audits(portal, "portal.comment_moderate") == 1
    assert board.post(page, {"comment": str(first.pk), "decision": "reject"}).status_code == 302
    assert _audits(portal, "portal.comment_moderate") == 2
    with in_tenant(portal):
        assert ConsultationComment.objects.get(pk=first.pk).status == ConsultationComment.Status.REJECTED
        assert ConsultationComment.objects.get(pk=theirs.pk).status == ConsultationComment.Status.PENDING

    export = board.get(page, {"export": "xlsx"})
    assert export.status_code == 200
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(export.content)).active
    cells = [str(cell) for row in sheet.iter_rows(values_only=True) for cell in row if cell is not None]
    assert "'=HYPERLINK(1)" in cells  # a comment stays text, never a formula
    assert not any("Ý kiến dự thảo khác" in cell for cell in cells)
    assert _audits(portal, "portal.consultation_export") == 1

    assert board.get("/cms/portal/consultations/987654/").status_code == 404
    assert board.post("/cms/portal/consultations/987654/", {"comment": str(first.pk)}).status_code == 404


def _draft_data(unit: Any) -> dict[str, Any]:
    today = datetime.date.today()  # noqa: DTZ011
    return {
        "title": "Dự thảo",
        "summary": "Tóm tắt.",
        "drafting_unit": unit,
        "opens_on": today,
        "closes_on": today + datetime.timedelta(days=7),
    }


# --- feedback -------------------------------------------------------------------------------------


def _feedback(subject: str, *, consent: bool = False) -> Feedback:
    return Feedback.objects.create(
        name="Nguyễn Văn An",
        contact="an@example.vn",
        subject=subject,
        text="Nội dung.",
        consent_publish=consent,
        tracking_code=f"T{abs(hash(subject)) % 10**9:09d}",
        submission_key=subject,
    )


def test_the_feedback_pages_assign_answer_and_publish_and_refuse_bad_input(
    portal: Any, board: Client, signed_in: Any
) -> None:
    with in_tenant(portal):
        editor = UserFactory.create(roles=["editor"])
        contributor = UserFactory.create(roles=["contributor"])
        private = _feedback("Không đồng ý công khai")
        public = _feedback("Đồng ý công khai", consent=True)
    assert board.get("/cms/portal/feedback/", {"status": "new", "page": "x"}).status_code == 200
    url = f"/cms/portal/feedback/{public.pk}/"
    assert board.get(url).status_code == 200

    for why, fields in {
        "a contributor, who may not answer": {"assign": "1", "assign-assignee": str(contributor.pk)},
        "an unknown person": {"assign": "1", "assign-assignee": "987654"},
        "no number": {"assign": "1", "assign-assignee": "x"},
        "an empty answer": {"answer": "1", "answer-answer": "   "},
        "an answer over 10000": {"answer": "1", "answer-answer": "a" * 10001},
    }.items():
        assert "errorlist" in _errors_of(board.post(url, fields)), why
    # publishing before an answer is refused with a message
    board.post(url, {"publish": "1"})
    with in_tenant(portal):
        item = Feedback.objects.get(pk=public.pk)
        assert (item.assignee_id, item.answer, item.published_at) == (None, "", None)

    for _again in range(2):
        assert board.post(url, {"assign": "1", "assign-assignee": str(editor.pk)}).status_code == 302
        assert board.post(url, {"answer": "1", "answer-answer": "Đã xếp lịch."}).status_code == 302
        assert board.post(url, {"publish": "1"}).status_code == 302
    assert board.post(url, {"unpublish": "1"}).status_code == 302
    for action in ("portal.feedback_assign", "portal.feedback_answer", "portal.feedback_publish"):
        assert _audits(portal, action) == 1, action
    assert _audits(portal, "portal.feedback_unpublish") == 1

    # no consent, no Q&A page
    private_url = f"/cms/portal/feedback/{private.pk}/"
    assert board.post(private_url, {"answer": "1", "answer-answer": "Trả lời riêng."}).status_code == 302
    refused = board.post(private_url, {"publish": "1"}, follow=True)
    assert "không đồng ý công khai" in refused.content.decode().lower()
    with in_tenant(portal):
        assert Feedback.objects.get(pk=private.pk).published_at is None

    # the editor it is assigned to answers, and may neither assign nor publish
    editor_client = signed_in(Client(), editor)
    assert editor_client.post(url, {"publish": "1"}).status_code == 403
    assert editor_client.post(url, {"assign": "1", "assign-assignee": str(editor.pk)}).status_code == 403
    assert editor_client.get(private_url).status_code == 404

    assert board.get("/cms/portal/feedback/987654/").status_code == 404
    assert board.post("/cms/portal/feedback/987654/", {"publish": "1"}).status_code == 404
    assert board.get("/cms/portal/feedback/987654/attachment/").status_code == 404
    assert board.get(f"/cms/portal/feedback/{public.pk}/attachment/").status_code == 404  # none attached


# --- who may ---------------------------------------------------------------------------------------


def test_the_board_pages_refuse_a_contributor_a_visitor_and_another_tenants_board(
    portal: Any, other_portal: Any, signed_in: Any, client_for: Any, host_of: Any
) -> None:
    with in_tenant(portal):
        secretary = UserFactory.create(roles=["board_secretary"])
        contributor = UserFactory.create(roles=["contributor"])
        unit = OrgUnitFactory.create(name="Tổ Văn")
        event = _event(secretary, unit, "Sự kiện A", EventKind.OTHER)
        draft = consultation_create(actor=Actor(user=secretary), data=_draft_data(unit))
        comment = ConsultationComment.objects.create(
            consultation=draft, name="A", text="Ý kiến", submission_key="k"
        )
        item = _feedback("Góp ý A", consent=True)
    with in_tenant(other_portal):
        their_board = UserFactory.create(roles=["board_head"])
    writes: list[tuple[str, dict[str, str]]] = [
        ("/cms/portal/events/add/", _event_fields(**{"event-unit": str(unit.pk)})),
        (f"/cms/portal/events/{event.pk}/", _event_fields(**{"event-unit": str(unit.pk)})),
        (f"/cms/portal/events/{event.pk}/", {"link": "1", "link-article": ""}),
        ("/cms/portal/duties/settings/", {"which": "numbers", **_numbers(deadline_days="9")}),
        ("/cms/portal/consultations/", _draft_fields(unit)),
        (f"/cms/portal/consultations/{draft.pk}/", {"comment": str(comment.pk), "decision": "approve"}),
        (f"/cms/portal/feedback/{item.pk}/", {"answer": "1", "answer-answer": "Không phải Ban biên tập."}),
    ]
    reads = [
        "/cms/portal/duties/",
        "/cms/portal/reports/",
        "/cms/portal/feedback/",
        f"/cms/portal/feedback/{item.pk}/",
        f"/cms/portal/consultations/{draft.pk}/?export=xlsx",
    ]
    before = _audit_total(portal)

    contributor_client = signed_in(Client(), contributor)
    for path in reads:
        # a feedback item one may not answer does not exist for them
        assert contributor_client.get(path).status_code in (403, 404), path
    for path, fields in writes:
        assert contributor_client.post(path, fields).status_code in (403, 404), path

    visitor = client_for(host_of(portal))
    for path, fields in writes:
        response = visitor.post(path, fields)
        assert response.status_code == 302, path
        assert "/login" in response["Location"], path

    # another tenant's board, on its own host: the ids name nothing there
    theirs = signed_in(Client(), their_board)
    for path, fields in writes[1:3] + writes[5:]:
        assert theirs.post(path, fields).status_code == 404, path
    assert theirs.get(f"/cms/portal/feedback/{item.pk}/").status_code == 404
    # and their session means nothing on this tenant's host
    theirs.defaults["HTTP_HOST"] = host_of(portal)
    response = theirs.post(writes[-1][0], writes[-1][1])
    assert response.status_code == 302
    assert "/login" in response["Location"]

    assert _audit_total(portal) == before
    with in_tenant(portal):
        assert Event.objects.get().title == "Sự kiện A"
        assert not DutySettings.objects.exists()
        assert ConsultationComment.objects.get().status == ConsultationComment.Status.PENDING
        assert Feedback.objects.get().answer == ""


def _audit_total(tenant: Any) -> int:
    with in_tenant(tenant):
        return AuditEntry.objects.count()


def test_the_report_page_refuses_a_period_beyond_its_years_with_a_sentence(board: Client) -> None:
    for period in ("9999-12-30..9999-12-31", "0001-01-01..0001-01-31", "9998-9999", "1999-12"):
        for fmt in ("", "pdf"):
            response = board.get("/cms/portal/reports/", {"period": period, "format": fmt})
            assert response.status_code == 400, (period, fmt)
            assert "2000-2100" in response.content.decode(), period


def test_the_board_lists_take_as_many_queries_for_many_rows_as_for_few(portal: Any, board: Client) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with in_tenant(portal):
        secretary = UserFactory.create(roles=["board_secretary"])
        unit = OrgUnitFactory.create(name="Tổ Sử")
        draft = consultation_create(actor=Actor(user=secretary), data=_draft_data(unit))
    pages = ("/cms/portal/feedback/", "/cms/portal/consultations/", f"/cms/portal/consultations/{draft.pk}/")

    def counts() -> list[int]:
        out = []
        for path in (*pages, "/cms/portal/duties/"):
            with CaptureQueriesContext(connection) as queries:
                assert board.get(path).status_code == 200, path
            out.append(len(queries))
        return out

    def add(n: int, start: int) -> None:
        with in_tenant(portal):
            for i in range(start, start + n):
                _feedback(f"Góp ý {i}")
                consultation_create(
                    actor=Actor(user=secretary), data={**_draft_data(unit), "title": f"Dự thảo {i}"}
                )
                ConsultationComment.objects.create(
                    consultation=draft, name=f"Người {i}", text="Ý kiến", submission_key=f"q{i}"
                )
                _event(secretary, unit, f"Sự kiện {i}", EventKind.OTHER)

    add(1, 0)
    counts()  # the first requests fill caches (content types, the site)
    few = counts()
    add(6, 1)
    assert counts() == few
