"""Outgoing documents through real requests: draft -> approve -> sign -> issue with the register's
number and the Decree 30 notation; distribution; revocation; replacement; each step by its role."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from accounts.services import units as account_services
from core.audit import Actor
from core.tenancy import in_tenant
from qlvbdh.models import Distribution, Document
from qlvbdh.services import outgoing as outgoing_services
from qlvbdh.services.incoming import IncomingData, incoming_document_register
from qlvbdh.services.registers import register_create

# Every test here runs with the default storage on a real S3-compatible server on loopback.
from qlvbdh.tests.test_attachments import post_file, s3, stored_keys  # noqa: F401
from qlvbdh.tests.test_signatures import pdf_with_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(tenant, make_user, sign_in):
    with in_tenant(tenant):
        unit = account_services.unit_create(actor=Actor(label="t"), name="Phòng Kỹ thuật", kind="division")
        register_create(
            actor=Actor(label="t"),
            year=2026,
            direction="outgoing",
            name="Sổ văn bản đi",
            agency_abbreviation="STTTT",
        )
        register_create(
            actor=Actor(label="t"),
            year=2026,
            direction="outgoing",
            name="Sổ Quyết định",
            document_types=["QĐ"],
            agency_abbreviation="STTTT",
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


def _draft(client, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "document_type": "CV",
        "summary": "Về việc triển khai nền tảng số dùng chung",
        "drafting_unit": "KT",
        "signing_authority": "KT.",
    }
    body.update(overrides)
    response = client.post("/api/v1/documents/outgoing/", body, content_type="application/json")
    assert response.status_code == 201, response.content
    return response.json()


def _issue(office, key: str) -> Any:
    recipients = [{"unit": str(office["unit"].uuid)}, {"org_code": "000.00.14.H21", "org_name": "Sở Nội vụ"}]
    return office["clerk"].post(
        f"/api/v1/documents/{key}/issue/", {"recipients": recipients}, content_type="application/json"
    )


def _approve_and_sign(office, key: str) -> None:
    assert office["head"].post(f"/api/v1/documents/{key}/approve/").status_code == 200
    assert office["head"].post(f"/api/v1/documents/{key}/sign/").status_code == 200


def test_draft_to_issue_numbers_and_notates_per_decree_30(tenant, office, monkeypatch, s3):  # noqa: F811
    monkeypatch.setattr(outgoing_services, "_today", lambda: date(2026, 6, 1))
    letter = _draft(office["official"])
    draft_file = post_file(
        office["official"], Document(uuid=letter["uuid"]), "du-thao.pdf", pdf_with_text("Dự thảo")
    )
    assert draft_file.status_code == 201, draft_file.content
    assert any(key.startswith(f"tenants/{tenant.schema_name}/") for key in stored_keys(s3))
    decision = _draft(office["official"], document_type="QĐ", drafting_unit="")

    # nothing is issued before approval and signature, and only the clerk issues; until it is
    # signed the clerk does not even see the draft (need-to-know: it has not come to them yet)
    assert _issue(office, letter["uuid"]).status_code == 404
    _approve_and_sign(office, letter["uuid"])
    _approve_and_sign(office, decision["uuid"])
    assert (
        office["official"]
        .post(
            f"/api/v1/documents/{letter['uuid']}/issue/", {"recipients": []}, content_type="application/json"
        )
        .status_code
        == 403
    )

    issued = _issue(office, letter["uuid"]).json()
    again = _issue(office, letter["uuid"]).json()
    issued_decision = _issue(office, decision["uuid"]).json()

    assert (issued["number"], issued["notation"]) == ("01", "STTTT-KT")  # công văn: no type abbreviation
    assert again["number"] == "01"  # a retry issues nothing twice
    assert (issued_decision["number"], issued_decision["notation"]) == ("01", "QĐ-STTTT")  # its own register
    assert issued["signer_name"] == "Trần Đình Nguyên"
    with in_tenant(tenant):
        rows = Distribution.objects.filter(document__uuid=letter["uuid"])
        assert {(r.unit_id is not None, r.status) for r in rows} == {(True, "delivered"), (False, "pending")}


def test_only_the_head_approves_and_signs(tenant, office):
    key = _draft(office["official"])["uuid"]

    assert office["official"].post(f"/api/v1/documents/{key}/approve/").status_code == 403
    assert office["clerk"].post(f"/api/v1/documents/{key}/approve/").status_code == 404  # not theirs to see
    assert office["head"].post(f"/api/v1/documents/{key}/sign/").status_code == 409  # not approved yet


def test_a_secret_draft_is_refused(tenant, office):
    response = office["official"].post(
        "/api/v1/documents/outgoing/",
        {"document_type": "CV", "summary": "Tài liệu mật", "secrecy": "top_secret"},
        content_type="application/json",
    )
    assert response.status_code == 400
    with in_tenant(tenant):
        assert not Document.objects.exists()


def test_revocation_freezes_and_keeps_the_document(tenant, office):
    key = _draft(office["official"])["uuid"]
    _approve_and_sign(office, key)
    _issue(office, key)

    no_reason = office["head"].post(f"/api/v1/documents/{key}/revoke/", {}, content_type="application/json")
    revoked = office["head"].post(
        f"/api/v1/documents/{key}/revoke/", {"reason": "Sai nơi nhận"}, content_type="application/json"
    )

    assert no_reason.status_code == 400
    assert revoked.json()["status"] == "revoked"
    assert revoked.json()["revoked_reason"] == "Sai nơi nhận"
    assert office["head"].post(f"/api/v1/documents/{key}/sign/").status_code == 409
    with in_tenant(tenant):
        assert Document.objects.filter(uuid=key).exists()


def test_a_replacement_links_to_and_revokes_the_old_one_when_issued(tenant, office):
    old = _draft(office["official"])["uuid"]
    _approve_and_sign(office, old)
    _issue(office, old)

    new = _draft(office["official"], summary="Về việc triển khai nền tảng số (thay thế)", replaces=old)[
        "uuid"
    ]
    _approve_and_sign(office, new)
    issued = _issue(office, new).json()

    assert issued["replaces"] == old
    assert issued["number"] == "02"
    old_now = office["head"].get(f"/api/v1/documents/{old}/").json()
    assert old_now["status"] == "revoked"
    assert "02/" in old_now["revoked_reason"]


def test_the_clerk_marks_an_incoming_document_revoked_by_its_sender(tenant, office):
    with in_tenant(tenant):
        document = incoming_document_register(
            actor=Actor(label="t"),
            data=IncomingData(
                issuer_name="Sở Tài chính",
                document_type="TB",
                summary="Thông báo",
                number="5",
                notation="TB-STC",
            ),
        )
    response = office["clerk"].post(
        f"/api/v1/documents/{document.uuid}/revoke/",
        {"reason": "Nơi gửi thu hồi"},
        content_type="application/json",
    )
    assert response.json()["status"] == "revoked"


def test_an_internal_document_goes_to_units_only(tenant, office):
    key = _draft(office["official"], internal=True, summary="Thông báo lịch họp giao ban tháng")["uuid"]
    _approve_and_sign(office, key)

    outside = _issue(office, key)
    inside = office["clerk"].post(
        f"/api/v1/documents/{key}/issue/",
        {"recipients": [{"unit": str(office["unit"].uuid)}]},
        content_type="application/json",
    )

    assert outside.status_code == 400
    assert inside.status_code == 200
    assert inside.json()["direction"] == "internal"
    assert inside.json()["number"] == "01"
