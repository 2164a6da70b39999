"""The exchange between three real tenants through the hub: A sends to B and C; statuses come back.

Everything runs through the real services and the real hub loop (`work`) in the test
database: outbox rows, signed packets, deliveries into each recipient's schema.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils import timezone

from accounts.models import Notification
from core.audit import Actor
from core.errors import ApplicationError
from core.tenancy import in_public, in_tenant
from interagency.edxml.codes import VIETNAM_TZ
from interagency.edxml.packets import DocumentPacket, Organisation, ResponseFor, StatusPacket
from interagency.edxml.reader import parse
from interagency.edxml.writer import build
from interagency.exchange.models import ExchangeStatus, InboxItem, OutboxEntry, ReceivedPacket
from interagency.exchange.selectors import exchange_status_for
from interagency.exchange.services.agency import current_agency
from interagency.exchange.services.inbox import inbox_item_accept, inbox_item_answer, inbox_item_refuse
from interagency.exchange.services.relay import _build, relay_all
from interagency.exchange.tests.flows import PDF, issue_to, office
from interagency.hub.models import HubAttempt, HubDelivery, HubPacket
from interagency.hub.services.deliveries import deliver_due, delivery_retry, work
from interagency.hub.services.packets import PacketRefused, packet_accept
from qlvbdh.models import Document
from qlvbdh.services import processing as documents
from qlvbdh.services.documents import document_revoke

pytestmark = pytest.mark.django_db


@pytest.fixture
def agencies(province, tenant, other_tenant, third_tenant):
    return {
        "a": (tenant, office(tenant)),
        "b": (other_tenant, office(other_tenant)),
        "c": (third_tenant, office(third_tenant)),
    }


def _item(tenant) -> InboxItem:
    with in_tenant(tenant):
        items = list(InboxItem.objects.all())
    assert len(items) == 1, items
    return items[0]


def _codes(tenant, document) -> dict[str, list[str]]:
    with in_tenant(tenant):
        rows = ExchangeStatus.objects.filter(document=document).order_by("id")
        history: dict[str, list[str]] = {}
        for row in rows:
            history.setdefault(row.recipient_code, []).append(row.status_code)
    return history


def test_document_from_a_reaches_b_and_c_once_and_each_answer_comes_back(agencies):
    (a, a_people), (b, b_people), (c, c_people) = agencies["a"], agencies["b"], agencies["c"]
    sent = issue_to(a, a_people, [b, c])
    with in_tenant(a):
        entry = OutboxEntry.objects.get(document=sent)
        assert entry.relayed_at is None  # written with the document, relayed later
        assert entry.recipient_codes == [b.org_code, c.org_code]

    work()

    for recipient in (b, c):
        item = _item(recipient)
        assert item.state == InboxItem.State.ARRIVED
        assert item.sender_code == a.org_code
        assert item.number == sent.number
        assert item.notation == sent.notation
        assert item.metadata["attachments"] == [{"name": "cong-van.pdf", "size": len(PDF)}]
    with in_public():
        packet = HubPacket.objects.get(kind="edoc")
        assert packet.signature == HubPacket.Signature.VALID
        assert packet.sender_code == a.org_code
        assert sorted(d.recipient_code for d in packet.deliveries.all()) == sorted([b.org_code, c.org_code])
    assert _codes(a, sent) == {b.org_code: ["01"], c.org_code: ["01"]}
    with in_tenant(b):  # B's clerk (and no one else there) is told it arrived
        told = list(Notification.objects.filter(kind="hub").values_list("user__username", flat=True))
    assert told == [b_people["clerk"].user.username]

    with in_tenant(b):
        incoming = inbox_item_accept(actor=b_people["clerk"], item=_item(b))
        assert incoming.direction == Document.Direction.INCOMING
        assert incoming.register_number == 1
        assert incoming.source == "hub"
        assert incoming.issuer_code == a.org_code
        assert [f.original_name for f in incoming.attachments.all()] == ["cong-van.pdf"]
        again = inbox_item_accept(actor=b_people["clerk"], item=_item(b))
        assert again.pk == incoming.pk  # a double click registers nothing more
    with in_tenant(c):
        inbox_item_refuse(actor=c_people["clerk"], item=_item(c), reason="Không đúng thẩm quyền")
    work()

    statuses = _codes(a, sent)
    assert statuses == {b.org_code: ["01", "03"], c.org_code: ["01", "02"]}
    with in_tenant(a):
        table = {
            row["code"]: row for row in exchange_status_for(reader=a_people["clerk"].user, document=sent)
        }
        assert table[b.org_code]["latest"].status_code == "03"
        assert table[c.org_code]["latest"].status_code == "02"
        assert table[c.org_code]["latest"].description == "Không đúng thẩm quyền"

    # B's processing reports itself: directed (04), being processed (05), finished (06).
    with in_tenant(b):
        incoming = Document.objects.get(pk=incoming.pk)
        documents.document_direct(
            actor=b_people["head"],
            document=incoming,
            note="Giao chuyên viên xử lý",
            assignments=[documents.AssignmentSpec(role="lead", assignee=b_people["official"].user)],
        )
        assignment = incoming.assignments.get()
        documents.assignment_report(actor=b_people["official"], assignment=assignment, report="Đang làm")
        documents.assignment_report(actor=b_people["official"], assignment=assignment, report="Sắp xong")
        documents.assignment_close(actor=b_people["official"], assignment=assignment, report="Xong")
    work()
    assert _codes(a, sent)[b.org_code] == ["01", "03", "04", "05", "06"]


def test_a_packet_delivered_twice_makes_one_document(agencies):
    (a, a_people), (b, _b_people) = agencies["a"], agencies["b"]
    issue_to(a, a_people, [b])
    work()
    with in_public():
        original = HubPacket.objects.get(kind="edoc")
        delivery = original.deliveries.get()
        # At least once: the same delivery again (a worker that died after delivering, say) ...
        HubDelivery.objects.filter(pk=delivery.pk).update(state="pending", next_attempt_at=timezone.now())
        # ... and the same bytes again under a new packet id (a replay) are the original packet.
        replayed = packet_accept(
            content=bytes(original.content),
            packet_id=uuid.uuid4(),
            source="tenant:test",
            expected_sender=a.org_code,
        )
        assert replayed.pk == original.pk
        assert HubPacket.objects.filter(kind="edoc").count() == 1
    work()
    with in_tenant(b):
        assert InboxItem.objects.count() == 1
        outcomes = sorted(ReceivedPacket.objects.values_list("outcome", flat=True))
    assert outcomes == ["arrived"]
    with in_public():
        tries = list(
            HubAttempt.objects.filter(delivery__recipient_code=b.org_code, ok=True).values_list(
                "outcome", flat=True
            )
        )
    assert tries == ["arrived", "duplicate"]


def test_other_bytes_under_a_used_packet_id_are_refused(agencies):
    (a, a_people), (b, _people) = agencies["a"], agencies["b"]
    issue_to(a, a_people, [b])
    work()
    with in_public():
        original = HubPacket.objects.get(kind="edoc")
        with pytest.raises(PacketRefused):
            packet_accept(content=bytes(original.content) + b" ", packet_id=original.packet_id, source="x")


def test_revoke_is_asked_and_answered_by_each_recipient(agencies):
    (a, a_people), (b, b_people), (c, c_people) = agencies["a"], agencies["b"], agencies["c"]
    sent = issue_to(a, a_people, [b, c])
    work()
    with in_tenant(b):
        incoming = inbox_item_accept(actor=b_people["clerk"], item=_item(b))
    work()

    with in_tenant(a):
        document_revoke(actor=a_people["head"], document=sent, reason="Sai số liệu ở phụ lục")
    work()
    for recipient in (b, c):
        item = _item(recipient)
        assert item.request is not None
        assert item.request["reason"] == "Sai số liệu ở phụ lục"

    with in_tenant(b):
        inbox_item_answer(actor=b_people["clerk"], item=_item(b), agree=True)
        assert Document.objects.get(pk=incoming.pk).status == Document.Status.REVOKED
    with in_tenant(c):
        with pytest.raises(ValidationError):  # a refusal needs its reason
            inbox_item_answer(actor=c_people["clerk"], item=_item(c), agree=False)
        inbox_item_answer(actor=c_people["clerk"], item=_item(c), agree=False, reason="Đã thực hiện")
        with pytest.raises(ApplicationError):
            inbox_item_answer(actor=c_people["clerk"], item=_item(c), agree=True)
    work()

    statuses = _codes(a, sent)
    assert statuses[b.org_code] == ["01", "03", "13", "15"]
    assert statuses[c.org_code] == ["01", "13", "16"]
    assert _item(b).state == InboxItem.State.CANCELLED
    assert _item(c).state == InboxItem.State.ARRIVED


def test_failed_delivery_backs_off_then_goes_dead_and_an_operator_retry_delivers_it(agencies, settings):
    (a, a_people), (b, _people) = agencies["a"], agencies["b"]
    settings.HUB_MAX_ATTEMPTS = 3
    b.status = "suspended"
    b.save(update_fields=["status"])
    issue_to(a, a_people, [b])
    work()
    with in_public():
        delivery = HubDelivery.objects.get(recipient_code=b.org_code)
    assert delivery.state == "pending"
    assert delivery.attempts == 1
    assert delivery.next_attempt_at > timezone.now() + timedelta(seconds=20)  # 30 s back-off
    assert "Sở Thử nghiệm B" not in delivery.last_error
    assert b.org_code in delivery.last_error

    gaps = []
    for _try in range(2):
        HubDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
        before = timezone.now()
        deliver_due()
        delivery.refresh_from_db()
        gaps.append(delivery.next_attempt_at - before)
    assert delivery.state == "dead"
    assert delivery.attempts == 3
    assert gaps[0] > timedelta(seconds=55)  # doubled after the second try

    b.status = "active"
    b.save(update_fields=["status"])
    operator = Actor(label="test operator")
    delivery_retry(actor=operator, delivery_id=delivery.pk)
    work()
    delivery.refresh_from_db()
    assert delivery.state == "delivered"
    assert _item(b).state == InboxItem.State.ARRIVED


def test_a_status_never_overtakes_the_document_it_is_about(agencies):
    (a, a_people), (b, _people) = agencies["a"], agencies["b"]
    b.status = "suspended"
    b.save(update_fields=["status"])
    sent = issue_to(a, a_people, [b])
    work()  # the document fails to reach B and waits for its retry
    with in_tenant(a):
        document_revoke(actor=a_people["head"], document=sent, reason="Thu hồi")
    b.status = "active"
    b.save(update_fields=["status"])
    relay_all()
    with in_public():
        revoke = HubDelivery.objects.get(packet__status_code="13")
    assert revoke.next_attempt_at <= timezone.now()  # due, but behind the document
    deliver_due()
    revoke.refresh_from_db()
    assert revoke.state == "pending"
    assert revoke.attempts == 0
    HubDelivery.objects.filter(packet__kind="edoc").update(next_attempt_at=timezone.now())
    work()
    revoke.refresh_from_db()
    assert revoke.state == "delivered"
    item = _item(b)
    assert item.request is not None  # the 13 found its document


def test_unknown_recipient_is_a_dead_letter_with_the_reason(agencies):
    (a, a_people), (_b, _people) = agencies["a"], agencies["b"]

    class Nobody:
        org_code = "000.00.99.H21"
        name = "Cơ quan không có"

    issue_to(a, a_people, [Nobody()])
    work()
    with in_public():
        delivery = HubDelivery.objects.get()
    assert delivery.state == "dead"
    assert "000.00.99.H21" in delivery.last_error
    assert "danh bạ" in delivery.last_error


@pytest.mark.parametrize(
    "packet",
    [
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
        b"<edXML>&lol2;</edXML>",
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><edXML>&xxe;</edXML>',
    ],
    ids=["billion-laughs", "external-entity"],
)
def test_hostile_xml_is_refused_with_a_reason_and_nothing_recorded(agencies, packet):
    with in_public():
        with pytest.raises(PacketRefused) as refused:
            packet_accept(content=packet, packet_id=uuid.uuid4(), source="peer:test")
        assert "DOCTYPE" in " ".join(refused.value.extra["errors"])
        assert HubPacket.objects.count() == 0
        assert HubDelivery.objects.count() == 0


def test_a_hundred_megabyte_attachment_is_refused_before_decoding(agencies):
    head = (
        b'<?xml version="1.0" encoding="UTF-8"?><edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">'
        b"<AttachmentEncoded><Attachment><ContentTransferEncoded>"
    )
    packet = (
        head
        + b"A" * (100 * 1024 * 1024)
        + b"</ContentTransferEncoded></Attachment></AttachmentEncoded></edXML>"
    )
    with in_public():
        with pytest.raises(PacketRefused) as refused:
            packet_accept(content=packet, packet_id=uuid.uuid4(), source="peer:test")
        assert refused.value.extra["errors"][0].startswith("R.edXML")
        assert HubPacket.objects.count() == 0


def test_a_packet_signed_by_another_agency_is_refused(agencies):
    (a, a_people), (b, _people) = agencies["a"], agencies["b"]
    issue_to(a, a_people, [b])
    with in_tenant(a):
        entry = OutboxEntry.objects.get()
        content = _build(entry, current_agency())
    with in_public():
        with pytest.raises(PacketRefused):
            packet_accept(
                content=content, packet_id=uuid.uuid4(), source="tenant:x", expected_sender=b.org_code
            )
        tampered = content.replace("kết nối".encode(), "kêt nối".encode())
        assert tampered != content
        with pytest.raises(PacketRefused) as refused:
            packet_accept(
                content=tampered, packet_id=uuid.uuid4(), source="tenant:x", expected_sender=a.org_code
            )
        assert "chữ ký" in refused.value.message.lower()
        assert HubPacket.objects.count() == 0


def test_a_packet_is_read_back_from_the_outbox_as_the_standard_says(agencies):
    (a, a_people), (b, c) = agencies["a"], (agencies["b"][0], agencies["c"][0])
    sent = issue_to(a, a_people, [b, c])
    work()
    with in_tenant(a):
        entry = OutboxEntry.objects.get(document=sent)
        packet = parse(bytes(entry.content or b""))
    assert isinstance(packet, DocumentPacket)
    assert packet.document_id == f"{a.org_code},{sent.issued_on:%Y/%m/%d},{sent.number}/{sent.notation}"
    assert [r.organ_id for r in packet.recipients] == [b.org_code, c.org_code]
    assert packet.attachments[0].name == "cong-van.pdf"
    assert packet.trace[0][0] == a.org_code


def test_a_document_that_cannot_be_relayed_waits_visibly_without_holding_back_the_others(agencies):
    (a, a_people), (b, _people) = agencies["a"], agencies["b"]
    broken = issue_to(a, a_people, [b], summary="Văn bản mất tệp đính kèm")
    with in_tenant(a):
        attachment = broken.attachments.get()
        attachment.file.storage.delete(str(attachment.file.name))  # the file is lost from storage
    fine = issue_to(a, a_people, [b], summary="Văn bản bình thường")
    work()
    with in_tenant(a):
        waiting = OutboxEntry.objects.get(document=broken)
        assert waiting.relayed_at is None
        assert waiting.attempts >= 1
        assert waiting.last_error
        assert OutboxEntry.objects.get(document=fine).relayed_at is not None
    with in_tenant(b):
        assert list(InboxItem.objects.values_list("summary", flat=True)) == ["Văn bản bình thường"]


def test_a_file_changed_in_storage_after_issue_is_not_relayed(agencies):
    (a, a_people), (b, _people) = agencies["a"], agencies["b"]
    sent = issue_to(a, a_people, [b], summary="Văn bản bị tráo tệp sau khi ban hành")
    with in_tenant(a):
        attachment = sent.attachments.get()
        storage, name = attachment.file.storage, str(attachment.file.name)
        storage.delete(name)
        storage.save(name, ContentFile(b"%PDF-1.4 not what the head signed"))
    work()
    with in_tenant(a):
        waiting = OutboxEntry.objects.get(document=sent)
        assert waiting.relayed_at is None
        assert waiting.content is None
        assert "cong-van.pdf" in waiting.last_error
    with in_tenant(b):
        assert not InboxItem.objects.exists()


def test_a_status_from_an_organisation_the_document_was_not_sent_to_is_ignored(agencies):
    (a, a_people), (b, _b_people), (c, _c_people) = agencies["a"], agencies["b"], agencies["c"]
    sent = issue_to(a, a_people, [b])
    work()
    with in_tenant(a):
        document_id = OutboxEntry.objects.get(document=sent).exchange_id
    forged = StatusPacket(
        sender=Organisation(c.org_code, organ_name=c.name),
        response_for=ResponseFor(organ_id=a.org_code, document_id=document_id),
        status_code="03",
        timestamp=timezone.now().astimezone(VIETNAM_TZ).replace(microsecond=0),
    )
    with in_tenant(c):
        from interagency.exchange.services.keys import signing_hook

        content = build(forged, sign=signing_hook())
    with in_public(), pytest.raises(PacketRefused):  # the hub refuses it (test_trust) ...
        packet_accept(content=content, packet_id=uuid.uuid4(), source="tenant:c", expected_sender=c.org_code)
    with in_tenant(a):  # ... and the sender ignores it, should it arrive anyhow
        from interagency.exchange.services.arrivals import packet_receive

        assert packet_receive(content=content, packet_id=uuid.uuid4(), sha256="0" * 64) == "ignored"
    assert _codes(a, sent) == {b.org_code: ["01"]}
    with in_tenant(a):
        assert ReceivedPacket.objects.filter(status_code="03").get().outcome == "ignored"
