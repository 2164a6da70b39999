"""What is signed is what is sent (issue 10): files are frozen from approval, their SHA-256 is
recorded at signing and checked at issue. Through real HTTP on a tenant, files on a real
S3-compatible server; the exchange's outbox is the real one (qlvbdh announces, it subscribes)."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from django.apps import apps
from django.utils import timezone

from accounts.services import units as account_services
from core.audit import Actor
from core.errors import ApplicationError
from core.models import AuditEntry
from core.tenancy import in_tenant
from qlvbdh import events
from qlvbdh.attachment_models import Attachment, SignedFile
from qlvbdh.models import Distribution, Document, DocumentEvent, Register
from qlvbdh.services.outgoing import (
    OutgoingData,
    Recipient,
    outgoing_approve,
    outgoing_draft_create,
    outgoing_issue,
    outgoing_sign,
)
from qlvbdh.services.registers import register_create
from qlvbdh.tests.test_attachments import BUCKET, post_file, s3, upload  # noqa: F401
from qlvbdh.tests.test_signatures import pdf_with_text

pytestmark = pytest.mark.django_db

SIGNED_PDF = pdf_with_text("Quyết định phê duyệt kế hoạch chuyển đổi số năm 2026")


def _outbox_rows() -> int:
    # By name: the exchange's models may move between apps; the row is what matters.
    (model,) = [m for m in apps.get_models() if m.__name__ == "OutboxEntry"]
    return int(model._default_manager.count())


@pytest.fixture
def issued_events():
    seen: list[events.DocumentIssued] = []
    events.subscribe(events.DocumentIssued, seen.append)
    yield seen
    events._subscribers[events.DocumentIssued].remove(seen.append)


@pytest.fixture
def office(tenant, make_user, sign_in):
    with in_tenant(tenant):
        unit = account_services.unit_create(actor=Actor(label="t"), name="Phòng Kỹ thuật", kind="division")
        year = timezone.localdate().year
        register_create(
            actor=Actor(label="t"), year=year, direction="outgoing", name="Sổ đi", agency_abbreviation="STTTT"
        )
    make_user(tenant, "minhtht", roles=("official",), unit=unit)
    make_user(tenant, "nguyentd", roles=("head",), full_name="Trần Đình Nguyên")
    make_user(tenant, "thuyctp", roles=("clerk",))
    return {
        "unit": unit,
        "official": sign_in(tenant, "minhtht"),
        "head": sign_in(tenant, "nguyentd"),
        "clerk": sign_in(tenant, "thuyctp"),
    }


def _signed_draft(office: dict[str, Any]) -> Document:
    """An official's draft with its file, approved and signed by the head."""
    response = office["official"].post(
        "/api/v1/documents/outgoing/",
        {"document_type": "CV", "summary": "Về kế hoạch chuyển đổi số", "drafting_unit": "KT"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    document = Document(uuid=response.json()["uuid"])
    assert post_file(office["official"], document, "ke-hoach.pdf", SIGNED_PDF).status_code == 201
    for step in ("approve", "sign"):
        assert office["head"].post(f"/api/v1/documents/{document.uuid}/{step}/").status_code == 200
    return document


def _issue(office: dict[str, Any], document: Document) -> Any:
    recipients = [{"unit": str(office["unit"].uuid)}, {"org_code": "000.00.14.H21", "org_name": "Sở Nội vụ"}]
    return office["clerk"].post(
        f"/api/v1/documents/{document.uuid}/issue/",
        {"recipients": recipients},
        content_type="application/json",
    )


def _nothing_issued(tenant, document: Document, issued_events: list[Any]) -> None:
    with in_tenant(tenant):
        stored = Document.objects.get(uuid=document.uuid)
        assert (stored.status, stored.number, stored.register_number) == ("signed", "", None)
        assert Register.objects.get(direction="outgoing").last_number == 0  # no number taken
        assert not Distribution.objects.filter(document=stored).exists()
        assert _outbox_rows() == 0
        assert not DocumentEvent.objects.filter(document=stored, kind="issued").exists()
    assert issued_events == []


def test_signing_records_the_sha256_of_each_file_read_back_from_storage(tenant, office, s3):  # noqa: F811
    document = _signed_draft(office)

    with in_tenant(tenant):
        stored = Document.objects.get(uuid=document.uuid)
        (row,) = SignedFile.objects.filter(document=stored)
        assert row.sha256 == Attachment.objects.get(document=stored).sha256
        assert row.signed_at == stored.signed_at
        signed = AuditEntry.objects.get(action="document.signed", target_id=str(stored.uuid))
        assert signed.detail["files"] == {"ke-hoach.pdf": row.sha256}


def test_bytes_swapped_in_storage_after_signing_refuse_the_issue_and_nothing_is_sent(
    tenant,
    office,
    s3,  # noqa: F811
    issued_events,
):
    # given a signed draft whose stored file is then replaced behind the system's back
    document = _signed_draft(office)
    with in_tenant(tenant):
        attachment = Attachment.objects.get(document__uuid=document.uuid)
    s3.put_object(
        Bucket=BUCKET,
        Key=f"tenants/{tenant.schema_name}/{attachment.file.name}",
        Body=pdf_with_text("Một quyết định khác, chưa ai ký"),
    )

    # when the clerk issues it
    response = _issue(office, document)

    # then it is refused with a message, nothing numbered, distributed, queued or announced
    assert response.status_code == 409
    assert response.json()["code"] == "signed_file_mismatch"
    assert "ke-hoach.pdf" in response.json()["detail"]
    _nothing_issued(tenant, document, issued_events)

    # and once the signed bytes are back, the same request issues and sends it (the check can pass)
    s3.put_object(Bucket=BUCKET, Key=f"tenants/{tenant.schema_name}/{attachment.file.name}", Body=SIGNED_PDF)
    assert _issue(office, document).status_code == 200
    with in_tenant(tenant):
        assert _outbox_rows() == 1
    assert [event.document.uuid for event in issued_events] == [attachment.document.uuid]


def test_a_file_lost_from_storage_after_signing_refuses_the_issue(tenant, office, s3, issued_events):  # noqa: F811
    document = _signed_draft(office)
    with in_tenant(tenant):
        attachment = Attachment.objects.get(document__uuid=document.uuid)
    s3.delete_object(Bucket=BUCKET, Key=f"tenants/{tenant.schema_name}/{attachment.file.name}")

    response = _issue(office, document)

    assert response.status_code == 409
    assert response.json()["code"] == "signed_file_mismatch"
    _nothing_issued(tenant, document, issued_events)


def test_replacing_the_file_of_a_signed_draft_sends_it_back_for_approval(tenant, office, s3):  # noqa: F811
    document = _signed_draft(office)

    # the drafter uploads a new version of the signed file
    replaced = post_file(office["official"], document, "ke-hoach.pdf", pdf_with_text("Bản sửa sau khi ký"))

    assert replaced.status_code == 201
    assert replaced.json()["version"] == 2
    with in_tenant(tenant):
        stored = Document.objects.get(uuid=document.uuid)
        assert (stored.status, stored.approved_by, stored.signed_by, stored.signed_at) == (
            "draft",
            "",
            "",
            None,
        )
        back = DocumentEvent.objects.get(document=stored, kind="returned_to_draft")
        assert back.detail["reason"] == "attachment_changed"
        assert back.detail["previous"] == "signed"
        assert AuditEntry.objects.filter(
            action="document.return_to_draft", target_id=str(stored.uuid)
        ).exists()
    # nothing goes out under the old signature: a draft again, not even the clerk's to see (need-to-know)
    assert _issue(office, document).status_code == 404
    # approved and signed again, the new file is what is signed and sent
    for step in ("approve", "sign"):
        assert office["head"].post(f"/api/v1/documents/{document.uuid}/{step}/").status_code == 200
    assert _issue(office, document).status_code == 200
    with in_tenant(tenant):
        latest = Attachment.objects.get(document__uuid=document.uuid, version=2)
        assert SignedFile.objects.filter(attachment=latest).count() == 1
        assert SignedFile.objects.filter(document__uuid=document.uuid).count() == 2  # the first signing kept


def test_adding_a_file_to_an_approved_draft_sends_it_back_for_approval(tenant, office, s3):  # noqa: F811
    response = office["official"].post(
        "/api/v1/documents/outgoing/",
        {"document_type": "CV", "summary": "Về báo cáo"},
        content_type="application/json",
    )
    document = Document(uuid=response.json()["uuid"])
    assert office["head"].post(f"/api/v1/documents/{document.uuid}/approve/").status_code == 200

    assert post_file(office["official"], document, "phu-luc.pdf", pdf_with_text("Phụ lục")).status_code == 201

    with in_tenant(tenant):
        assert Document.objects.get(uuid=document.uuid).status == "draft"
    assert office["head"].post(f"/api/v1/documents/{document.uuid}/sign/").status_code == 409  # not approved


def test_a_file_added_behind_the_services_after_signing_refuses_the_issue(tenant, office, s3):  # noqa: F811
    """A row written around attachment_add (a script, a restore) is caught at issue all the same."""
    actor = Actor(label="test")
    with in_tenant(tenant):
        draft = outgoing_draft_create(
            actor=actor, data=OutgoingData(document_type="CV", summary="Về lịch họp")
        )
        outgoing_approve(actor=actor, document=draft)
        outgoing_sign(actor=actor, document=draft)
        Attachment.objects.create(
            document=draft,
            original_name="them.pdf",
            version=1,
            file=upload("them.pdf", SIGNED_PDF),
            size=len(SIGNED_PDF),
            sha256=hashlib.sha256(SIGNED_PDF).hexdigest(),
            content_type="application/pdf",
            uploaded_by="script",
        )

        with pytest.raises(ApplicationError, match="thay đổi sau khi ký") as refused:
            outgoing_issue(actor=actor, document=draft, recipients=[Recipient(unit=office["unit"])])

        assert refused.value.code == "signed_files_changed"
        assert Document.objects.get(pk=draft.pk).status == "signed"
        assert Register.objects.get(direction="outgoing").last_number == 0
