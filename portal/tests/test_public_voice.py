"""P8 and consultation, through real HTTP on the portal host: the feedback form's guards (honeypot,
minimum fill time, rate limit per address, size and type limits) each refuse; a tracking code shows
its own answer and nothing of another sender's; the Q&A page never shows a contact; an unmoderated
comment is not public; the sector's feed holds only the articles marked for it."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.tests.factories import OrgUnitFactory, UserFactory
from core import ratelimits
from core.audit import Actor
from core.errors import ApplicationError
from core.tenancy import in_tenant
from portal.models import ConsultationComment, Feedback, Importance
from portal.services.consultation import comment_moderate, consultation_create
from portal.services.feedback import feedback_answer, feedback_assign, feedback_publish
from portal.tests import factories

pytestmark = pytest.mark.django_db


class _Clock:
    def __init__(self, monkeypatch: Any) -> None:
        self.now = ratelimits.clock()
        monkeypatch.setattr(ratelimits, "clock", lambda: self.now)

    def step(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: Any) -> _Clock:
    return _Clock(monkeypatch)


@pytest.fixture
def visitor(portal: Any, client_for: Any, host_of: Any) -> Any:
    return client_for(host_of(portal, "portal"))


def _token(response: Any) -> str:
    match = re.search(r'name="token" value="([^"]+)"', response.content.decode())
    assert match is not None
    return match[1]


def _fields(**extra: Any) -> dict[str, Any]:
    return {
        "name": "Nguyễn Văn An",
        "contact": "an@example.vn",
        "subject": "Lịch học thêm",
        "text": "Xin nhà trường cho biết lịch học thêm học kỳ II.",
        "website": "",
        **extra,
    }


def _send(visitor: Any, clock: _Clock, wait: float = 10, **extra: Any) -> Any:
    token = _token(visitor.get("/feedback/"))
    clock.step(wait)
    return visitor.post("/feedback/", _fields(token=token, **extra))


def _count(tenant: Any) -> int:
    with in_tenant(tenant):
        return Feedback.objects.count()


def test_a_visitor_gets_a_tracking_code_and_a_resend_makes_no_second_item(portal, visitor, clock):
    token = _token(visitor.get("/feedback/"))
    clock.step(10)
    first = visitor.post("/feedback/", _fields(token=token, consent_publish="on"))
    assert first.status_code == 200
    with in_tenant(portal):
        item = Feedback.objects.get()
    assert item.tracking_code in first.content.decode()
    again = visitor.post("/feedback/", _fields(token=token, consent_publish="on"))  # a double click
    assert item.tracking_code in again.content.decode()
    assert _count(portal) == 1


def test_the_honeypot_refuses(portal, visitor, clock):
    response = _send(visitor, clock, website="http://spam.example")
    assert response.status_code == 400
    assert "tự động" in response.content.decode()
    assert _count(portal) == 0


def test_the_minimum_fill_time_refuses(portal, visitor, clock, settings):
    settings.PORTAL_FORM_MIN_SECONDS = 5
    response = _send(visitor, clock, wait=1)
    assert response.status_code == 400
    assert "quá nhanh" in response.content.decode()
    missing = visitor.post("/feedback/", _fields())  # no token at all: a script that never loaded the form
    assert missing.status_code == 400
    assert _count(portal) == 0


def test_the_rate_limit_per_address_refuses(portal, visitor, clock, settings, client_for, host_of):
    settings.PORTAL_FORM_PER_HOUR = 2
    assert _send(visitor, clock).status_code == 200
    assert _send(visitor, clock).status_code == 200
    third = _send(visitor, clock)
    assert third.status_code == 429
    assert int(third["Retry-After"]) > 0
    assert _count(portal) == 2
    # another address is not held back
    other = client_for(host_of(portal, "portal"))
    other.defaults["REMOTE_ADDR"] = "198.51.100.7"
    assert _send(other, clock).status_code == 200
    clock.step(3600)  # the next hour
    assert _send(visitor, clock).status_code == 200


def test_size_and_type_limits_refuse(portal, visitor, clock, settings):
    settings.PORTAL_FEEDBACK_ATTACHMENT_MAX_BYTES = 1024
    disguised = SimpleUploadedFile("don.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    assert _send(visitor, clock, attachment=disguised).status_code == 400
    script = SimpleUploadedFile("don.exe", b"MZ\x90\x00", content_type="application/octet-stream")
    assert _send(visitor, clock, attachment=script).status_code == 400
    big = SimpleUploadedFile("don.pdf", b"%PDF-1.4 " + b"x" * 2048, content_type="application/pdf")
    assert _send(visitor, clock, attachment=big).status_code == 400
    assert _send(visitor, clock, text="x" * (settings.PORTAL_FEEDBACK_MAX_CHARS + 1)).status_code == 400
    assert _count(portal) == 0
    fine = SimpleUploadedFile("don.pdf", b"%PDF-1.4 small", content_type="application/pdf")
    assert _send(visitor, clock, attachment=fine).status_code == 200
    with in_tenant(portal):
        item = Feedback.objects.get()
        assert item.attachment_name == "don.pdf"
        assert item.attachment.read() == b"%PDF-1.4 small"


def test_a_tracking_code_shows_its_answer_and_nothing_of_another_senders(portal, visitor, clock):
    _send(visitor, clock, subject="Câu hỏi của An", text="Nội dung của An")
    _send(
        visitor,
        clock,
        name="Trần Thị Bình",
        contact="0905123456",
        subject="Câu hỏi của Bình",
        text="Của Bình",
    )
    with in_tenant(portal):
        secretary = UserFactory.create(roles=["board_secretary"])
        mine = Feedback.objects.get(subject="Câu hỏi của An")
        theirs = Feedback.objects.get(subject="Câu hỏi của Bình")
        feedback_answer(
            actor=Actor(user=secretary), feedback=mine, answer="Lịch học thêm bắt đầu từ tháng 2."
        )
    page = visitor.get("/feedback/track/", {"code": mine.tracking_code.lower()}).content.decode()
    assert "Lịch học thêm bắt đầu từ tháng 2." in page
    for secret in ("Câu hỏi của Bình", "Của Bình", "0905123456", "Trần Thị Bình", "an@example.vn"):
        assert secret not in page
    other = visitor.get("/feedback/track/", {"code": theirs.tracking_code}).content.decode()
    assert "Lịch học thêm bắt đầu từ tháng 2." not in other
    assert visitor.get("/feedback/track/", {"code": "ABCDEFGHJK"}).status_code == 404


def test_a_tracking_code_of_another_tenant_finds_nothing(portal, other_portal, client_for, host_of, clock):
    theirs = client_for(host_of(other_portal, "portal"))
    _send(theirs, clock)
    with in_tenant(other_portal):
        code = Feedback.objects.get().tracking_code
    mine = client_for(host_of(portal, "portal"))
    assert mine.get("/feedback/track/", {"code": code}).status_code == 404


def test_qa_page_needs_consent_and_never_shows_the_contact(portal, visitor, clock):
    _send(visitor, clock, subject="Không đồng ý công khai")
    _send(visitor, clock, subject="Đồng ý công khai", consent_publish="on")
    with in_tenant(portal):
        head = UserFactory.create(roles=["board_head"])
        editor = UserFactory.create(roles=["editor"])
        actor = Actor(user=head)
        private = Feedback.objects.get(subject="Không đồng ý công khai")
        public = Feedback.objects.get(subject="Đồng ý công khai")
        for item in (private, public):
            feedback_answer(actor=actor, feedback=item, answer=f"Trả lời: {item.subject}")
        with pytest.raises(ApplicationError):
            feedback_publish(actor=actor, feedback=private, publish=True)
        with pytest.raises(PermissionDenied):  # an editor does not publish
            feedback_publish(actor=Actor(user=editor), feedback=public, publish=True)
        feedback_publish(actor=actor, feedback=public, publish=True)
        feedback_publish(actor=actor, feedback=public, publish=True)  # again: no change
    page = visitor.get("/feedback/answers/").content.decode()
    assert "Trả lời: Đồng ý công khai" in page
    assert "Không đồng ý công khai" not in page
    assert "an@example.vn" not in page
    assert "Nguyễn Văn An" not in page


def test_an_editor_answers_only_what_is_assigned_to_them(
    portal, client_for, host_of, signed_in, client, clock
):
    visitor = client_for(host_of(portal, "portal"))
    _send(visitor, clock, subject="Giao cho biên tập viên")
    _send(visitor, clock, subject="Không giao")
    with in_tenant(portal):
        head = UserFactory.create(roles=["board_head"])
        editor = UserFactory.create(roles=["editor"])
        given = Feedback.objects.get(subject="Giao cho biên tập viên")
        kept = Feedback.objects.get(subject="Không giao")
        feedback_assign(actor=Actor(user=head), feedback=given, assignee=editor)
    browser = signed_in(client, editor)
    listing = browser.get("/cms/portal/feedback/").content.decode()
    assert "Giao cho biên tập viên" in listing
    assert "Không giao" not in listing
    assert browser.get(f"/cms/portal/feedback/{kept.pk}/").status_code == 404
    assert (
        browser.post(f"/cms/portal/feedback/{kept.pk}/", {"answer": "1", "answer-answer": "x"}).status_code
        == 404
    )
    answered = browser.post(
        f"/cms/portal/feedback/{given.pk}/", {"answer": "1", "answer-answer": "Đã có lịch."}
    )
    assert answered.status_code == 302
    with in_tenant(portal):
        assert Feedback.objects.get(pk=given.pk).status == Feedback.Status.ANSWERED
        assert Feedback.objects.get(pk=kept.pk).answer == ""


def test_an_unmoderated_comment_is_not_public(portal, visitor, clock):
    with in_tenant(portal):
        secretary = UserFactory.create(roles=["board_secretary"])
        unit = OrgUnitFactory.create(name="Tổ Văn phòng")
        today = timezone.localdate()
        draft = consultation_create(
            actor=Actor(user=secretary),
            data={
                "title": "Dự thảo nội quy",
                "summary": "Nội quy nhà trường năm học mới.",
                "drafting_unit": unit,
                "opens_on": today - datetime.timedelta(days=1),
                "closes_on": today + datetime.timedelta(days=7),
            },
        )
    url = f"/consultations/{draft.uuid}/"
    token = _token(visitor.get(url))
    clock.step(10)
    sent = visitor.post(
        url, {"name": "Phụ huynh A", "contact": "pha@example.vn", "text": "Ý kiến chờ duyệt", "token": token}
    )
    assert sent.status_code == 200
    assert "Ý kiến chờ duyệt" not in visitor.get(url).content.decode()
    with in_tenant(portal):
        comment = ConsultationComment.objects.get()
        assert comment.status == ConsultationComment.Status.PENDING
        comment_moderate(actor=Actor(user=secretary), comment=comment, approve=True)
    page = visitor.get(url).content.decode()
    assert "Ý kiến chờ duyệt" in page
    assert "pha@example.vn" not in page


def test_a_closed_consultation_takes_no_comment(portal, visitor, clock):
    with in_tenant(portal):
        secretary = UserFactory.create(roles=["board_secretary"])
        today = timezone.localdate()
        draft = consultation_create(
            actor=Actor(user=secretary),
            data={
                "title": "Dự thảo cũ",
                "summary": "Đã hết hạn góp ý.",
                "drafting_unit": OrgUnitFactory.create(name="Tổ Toán"),
                "opens_on": today - datetime.timedelta(days=10),
                "closes_on": today - datetime.timedelta(days=1),
            },
        )
    url = f"/consultations/{draft.uuid}/"
    assert 'id="comment-form"' not in visitor.get(url).content.decode()
    token = _token(visitor.get("/feedback/"))  # a valid token from another form: the date still refuses
    clock.step(10)
    response = visitor.post(url, {"name": "A", "text": "Muộn", "token": token})
    assert response.status_code == 400
    assert "không còn" in response.content.decode()
    with in_tenant(portal):
        assert ConsultationComment.objects.count() == 0


def test_the_sector_feed_holds_only_articles_marked_for_the_sector(portal, visitor):
    with in_tenant(portal):
        factories.article_create(title="Tin gửi Sở", slug="tin-gui-so", importance=Importance.SECTOR)
        factories.article_create(title="Tin nội bộ", slug="tin-noi-bo")
        factories.article_create(
            title="Nháp gửi Sở", slug="nhap", importance=Importance.SECTOR, publish=False
        )
    feed = visitor.get("/rss/sector/")
    assert feed.status_code == 200
    text = feed.content.decode()
    assert "Tin gửi Sở" in text
    assert "Tin nội bộ" not in text
    assert "Nháp gửi Sở" not in text
