"""The workspace pages through real requests: outgoing steps, attachments, dossiers and registers."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfWriter

from accounts.models import User
from accounts.services import units as account_services
from core.audit import Actor
from core.tenancy import in_tenant
from qlvbdh.models import Document, Dossier, Register
from qlvbdh.services import sharing
from qlvbdh.services.incoming import IncomingData, incoming_document_register

pytestmark = pytest.mark.django_db


def _pdf() -> io.BytesIO:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    buffer = io.BytesIO()
    writer.write(buffer)
    buffer.seek(0)
    buffer.name = "to-trinh.pdf"
    return buffer


@pytest.fixture
def office(tenant, make_user, sign_in):
    with in_tenant(tenant):
        unit = account_services.unit_create(actor=Actor(label="t"), name="Phòng Kỹ thuật", kind="division")
    make_user(tenant, "minhtht", roles=("official",), unit=unit)
    make_user(tenant, "nguyentd", roles=("head",))
    make_user(tenant, "thuyctp", roles=("clerk",))
    return {
        "unit": unit,
        "official": sign_in(tenant, "minhtht"),
        "head": sign_in(tenant, "nguyentd"),
        "clerk": sign_in(tenant, "thuyctp"),
    }


def test_outgoing_through_the_pages(tenant, office):
    official, head, clerk = office["official"], office["head"], office["clerk"]
    clerk.post("/registers/", {"direction": "outgoing", "name": "Sổ đi", "agency_abbreviation": "STTTT"})

    created = official.post(
        "/documents/outgoing/new/",
        {
            "document_type": "TB",
            "summary": "Thông báo lịch trực Tết",
            "urgency": "normal",
            "secrecy": "none",
            "delivery_mode": "electronic",
            "copy_count": "5",
        },
    )
    assert created.status_code == 302
    key = created["Location"].rstrip("/").split("/")[-1]
    assert head.post(f"/documents/{key}/step/approve/").status_code == 302
    assert head.post(f"/documents/{key}/step/sign/").status_code == 302
    issued = clerk.post(
        f"/documents/{key}/step/issue/",
        {"units": [str(office["unit"].pk)], "org_codes": "000.00.14.H21; Sở Nội vụ"},
    )
    assert issued.status_code == 302
    page = clerk.get(f"/documents/{key}/").content.decode()

    with in_tenant(tenant):
        document = Document.objects.get(uuid=key)
        assert (document.status, document.number, document.notation) == ("issued", "01", "TB-STTTT")
        assert document.distribution.count() == 2
    assert "TB-STTTT" in page


def test_attach_and_file_into_a_dossier_from_the_document_page(tenant, office):
    clerk, official = office["clerk"], office["official"]
    with in_tenant(tenant):
        document = incoming_document_register(
            actor=Actor(label="t"),
            data=IncomingData(
                issuer_name="Sở Y tế", document_type="TTr", summary="Tờ trình", number="3", notation="TTr-SYT"
            ),
        )
    assert clerk.post(f"/documents/{document.uuid}/step/attach/", {"file": _pdf()}).status_code == 302
    assert (
        official.post("/dossiers/", {"code": "01/HS", "title": "Hồ sơ y tế", "retention": "10"}).status_code
        == 302
    )
    with in_tenant(tenant):
        dossier = Dossier.objects.get(code="01/HS")
        # need-to-know: the official files only what they may see; the document is shared with them
        sharing.document_share(
            actor=Actor(label="t"), document=document, user=User.objects.get(username="minhtht")
        )
    filed = official.post(f"/documents/{document.uuid}/step/file/", {"dossier": str(dossier.uuid)})
    page = official.get(f"/documents/{document.uuid}/").content.decode()

    assert filed.status_code == 302
    assert "to-trinh.pdf" in page
    with in_tenant(tenant):
        assert list(dossier.documents.values_list("uuid", flat=True)) == [document.uuid]
    assert "01/HS" in official.get("/dossiers/").content.decode()


def test_registers_page_reads_for_everyone_and_creates_for_clerks_only(tenant, office):
    assert office["official"].get("/registers/").status_code == 200
    assert (
        office["official"].post("/registers/", {"direction": "incoming", "name": "Sổ riêng"}).status_code
        == 403
    )
    assert (
        office["clerk"].post("/registers/", {"direction": "incoming", "name": "Sổ riêng"}).status_code == 302
    )
    with in_tenant(tenant):
        assert Register.objects.filter(name="Sổ riêng").exists()


def test_a_step_out_of_order_shows_a_message_not_an_error(tenant, office):
    created = office["official"].post(
        "/documents/outgoing/new/",
        {
            "document_type": "TB",
            "summary": "Thông báo",
            "urgency": "normal",
            "secrecy": "none",
            "delivery_mode": "paper",
        },
    )
    key = created["Location"].rstrip("/").split("/")[-1]

    response = office["head"].post(f"/documents/{key}/step/sign/", follow=True)

    assert response.status_code == 200
    assert "Văn bản đang ở trạng thái" in response.content.decode()
