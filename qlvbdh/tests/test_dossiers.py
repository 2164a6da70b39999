"""Work dossiers: a yearly catalogue, documents linked without copying (one in several dossiers),
exported to one PDF and one XML in date order; closed dossiers take nothing more."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from datetime import date

import pytest
from pypdf import PdfReader

from accounts.models import User
from core.audit import Actor
from core.models import AuditEntry
from core.tenancy import in_tenant
from qlvbdh.models import Document, DossierDocument
from qlvbdh.services import sharing
from qlvbdh.services.incoming import IncomingData, incoming_document_register

pytestmark = pytest.mark.django_db


@pytest.fixture
def official(tenant, make_user, sign_in):
    make_user(tenant, "minhtht", roles=("official",), full_name="Trương Hoàng Tiến Minh")
    return sign_in(tenant, "minhtht")


def _documents(tenant) -> list[Document]:
    with in_tenant(tenant):
        made = []
        for number, issued in (("30", date(2026, 3, 5)), ("10", date(2026, 1, 15)), ("20", date(2026, 2, 1))):
            made.append(
                incoming_document_register(
                    actor=Actor(label="t"),
                    data=IncomingData(
                        issuer_name="Sở Kế hoạch và Đầu tư",
                        document_type="CV",
                        summary=f"Về việc đầu tư công, văn bản số {number}",
                        number=number,
                        notation="SKHĐT-ĐT",
                        issued_on=issued,
                    ),
                )
            )
        # need-to-know: the official files only what they may see; here, what was shared with them
        reader = User.objects.filter(username="minhtht").first()
        for document in made if reader is not None else []:
            sharing.document_share(actor=Actor(label="t"), document=document, user=reader)
        return made


def test_a_dossier_links_documents_and_exports_them_in_date_order(tenant, official):
    documents = _documents(tenant)
    dossier = official.post(
        "/api/v1/dossiers/",
        {"year": 2026, "code": "05/HS-KHĐT", "title": "Hồ sơ đầu tư công năm 2026", "retention": "20"},
        content_type="application/json",
    ).json()
    other = official.post(
        "/api/v1/dossiers/",
        {"year": 2026, "code": "06/HS-TH", "title": "Hồ sơ tổng hợp", "retention": "10"},
        content_type="application/json",
    ).json()
    for document in documents:
        official.post(
            f"/api/v1/dossiers/{dossier['uuid']}/documents/",
            {"document": str(document.uuid)},
            content_type="application/json",
        )
    again = official.post(
        f"/api/v1/dossiers/{dossier['uuid']}/documents/",
        {"document": str(documents[0].uuid)},
        content_type="application/json",
    )
    official.post(
        f"/api/v1/dossiers/{other['uuid']}/documents/",
        {"document": str(documents[0].uuid)},
        content_type="application/json",
    )

    assert again.json()["document_count"] == 3  # linking twice changes nothing
    with in_tenant(tenant):
        assert Document.objects.count() == 3  # never copied
        assert DossierDocument.objects.filter(document=documents[0]).count() == 2

    xml = official.get(f"/api/v1/dossiers/{dossier['uuid']}/export.xml")
    pdf = official.get(f"/api/v1/dossiers/{dossier['uuid']}/export.pdf")

    root = ET.fromstring(xml.content)  # noqa: S314  (our own export)
    assert root.get("ma") == "05/HS-KHĐT"
    assert [item.findtext("SoKyHieu") for item in root.iter("MucVanBan")] == [
        "10/SKHĐT-ĐT",
        "20/SKHĐT-ĐT",
        "30/SKHĐT-ĐT",
    ]
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert pdf.content.startswith(b"%PDF")
    assert "Hồ sơ đầu tư công năm 2026" in text
    assert text.index("10/SKHĐT-ĐT") < text.index("20/SKHĐT-ĐT") < text.index("30/SKHĐT-ĐT")
    with in_tenant(tenant):
        assert AuditEntry.objects.filter(action__in=["dossier.export_pdf", "dossier.export_xml"]).count() == 2


def test_a_closed_dossier_takes_nothing_more_and_codes_are_unique_per_year(tenant, official):
    document = _documents(tenant)[0]
    body = {"year": 2026, "code": "07/HS", "title": "Hồ sơ đóng", "retention": "permanent"}
    dossier = official.post("/api/v1/dossiers/", body, content_type="application/json").json()

    assert official.post("/api/v1/dossiers/", body, content_type="application/json").status_code == 400
    assert official.post(f"/api/v1/dossiers/{dossier['uuid']}/close/").json()["closed_on"]
    late = official.post(
        f"/api/v1/dossiers/{dossier['uuid']}/documents/",
        {"document": str(document.uuid)},
        content_type="application/json",
    )
    assert late.status_code == 409


def test_dossiers_of_another_tenant_are_invisible(tenant, other_tenant, official, make_user, sign_in):
    dossier = official.post(
        "/api/v1/dossiers/",
        {"year": 2026, "code": "08/HS", "title": "Hồ sơ riêng", "retention": "10"},
        content_type="application/json",
    ).json()
    make_user(other_tenant, "minhtht", roles=("official",))
    stranger = sign_in(other_tenant, "minhtht")

    assert stranger.get("/api/v1/dossiers/").json() == []
    assert stranger.get(f"/api/v1/dossiers/{dossier['uuid']}/export.xml").status_code == 404
