"""Incoming registration: gap-free numbers under concurrency, year rollover, registers per type,
R4 secret refusal, R2 legacy text, the duplicate warning, permissions and tenant isolation."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.utils import timezone

from conftest import together
from core.audit import Actor
from core.models import AuditEntry
from core.tenancy import in_tenant
from qlvbdh.models import Document, Register
from qlvbdh.services.incoming import IncomingData, incoming_document_register
from qlvbdh.services.registers import register_create

CLERK = Actor(label="test-clerk")


def _data(**overrides: Any) -> IncomingData:
    values: dict[str, Any] = {
        "issuer_name": "Sở Nội vụ tỉnh Gia Lai",
        "issuer_code": "000.00.14.H21",
        "document_type": "CV",
        "summary": "Về việc báo cáo tình hình thực hiện cải cách hành chính quý IV",
        "number": "123",
        "notation": "SNV-CCHC",
    }
    values.update(overrides)
    return IncomingData(**values)


@pytest.fixture
def clerk(tenant, make_user, sign_in):
    make_user(tenant, "thuyctp", roles=("clerk",))
    return sign_in(tenant, "thuyctp")


def _incoming(**overrides: Any) -> dict[str, Any]:
    body = {
        "issuer_name": "Sở Nội vụ tỉnh Gia Lai",
        "issuer_code": "000.00.14.H21",
        "document_type": "CV",
        "summary": "Về việc báo cáo tình hình thực hiện cải cách hành chính",
        "number": "45",
        "notation": "SNV-VP",
    }
    body.update(overrides)
    return body


@pytest.mark.django_db(transaction=True)
def test_arrival_numbers_are_consecutive_under_concurrent_clerks(tenant):
    with in_tenant(tenant):
        register_create(actor=CLERK, year=timezone.localdate().year, direction="incoming", name="Sổ đến")
    workers = 12

    def register(index: int) -> None:
        with in_tenant(tenant):
            incoming_document_register(actor=CLERK, data=_data(number=str(index), notation="X"))

    failures = together(workers, register)

    assert failures == []
    with in_tenant(tenant):
        numbers = sorted(n or 0 for n in Document.objects.values_list("register_number", flat=True))
        assert numbers == list(range(1, workers + 1))
        assert Register.objects.get(name="Sổ đến").last_number == workers


@pytest.mark.django_db
def test_numbers_start_again_from_01_in_a_new_year_with_last_years_registers(tenant):
    with in_tenant(tenant):
        register_create(actor=CLERK, year=2026, direction="incoming", name="Sổ đến")
        register_create(
            actor=CLERK, year=2026, direction="incoming", name="Sổ Quyết định", document_types=["QĐ"]
        )
        december = [
            incoming_document_register(actor=CLERK, data=_data(number=str(i)), today=date(2026, 12, 31))
            for i in (1, 2)
        ]
        decision = incoming_document_register(
            actor=CLERK, data=_data(number="9", document_type="QĐ"), today=date(2026, 12, 31)
        )
        january = incoming_document_register(actor=CLERK, data=_data(number="3"), today=date(2027, 1, 2))

        assert [d.register_number for d in december] == [1, 2]
        assert decision.register is not None
        assert january.register is not None
        assert decision.register.name == "Sổ Quyết định"
        assert decision.register_number == 1
        assert january.register.year == 2027
        assert january.register.name == "Sổ đến"
        assert january.register_number == 1
        assert set(Register.objects.filter(year=2027).values_list("name", flat=True)) == {
            "Sổ đến",
            "Sổ Quyết định",
        }


@pytest.mark.django_db
def test_clerk_registers_through_the_api_and_it_is_audited(tenant, clerk):
    response = clerk.post("/api/v1/documents/incoming/", _incoming(), content_type="application/json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["arrival_number"] == "01"
    assert body["status"] == "registered"
    with in_tenant(tenant):
        entry = AuditEntry.objects.get(action="document.register_incoming")
        assert entry.actor == "thuyctp"
        assert entry.target_id == body["uuid"]


@pytest.mark.django_db
@pytest.mark.parametrize("secrecy", ["secret", "top_secret", "absolute"])
def test_secret_documents_are_refused_and_nothing_is_stored(tenant, clerk, secrecy):
    response = clerk.post(
        "/api/v1/documents/incoming/", _incoming(secrecy=secrecy), content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "secret_document"
    with in_tenant(tenant):
        assert not Document.objects.exists()


@pytest.mark.django_db
def test_legacy_encoded_text_is_refused_with_a_message(tenant, clerk):
    response = clerk.post(
        "/api/v1/documents/incoming/",
        _incoming(summary="VÒ viÖc b¸o c¸o t×nh h×nh thùc hiÖn"),
        content_type="application/json",
    )

    assert response.status_code == 400
    assert "TCVN3" in response.json()["summary"][0]


@pytest.mark.django_db
def test_possible_duplicate_warns_and_registers_only_when_confirmed(tenant, clerk):
    first = clerk.post("/api/v1/documents/incoming/", _incoming(), content_type="application/json").json()

    again = clerk.post("/api/v1/documents/incoming/", _incoming(), content_type="application/json")
    confirmed = clerk.post(
        "/api/v1/documents/incoming/", _incoming(accept_duplicate=True), content_type="application/json"
    )

    assert again.status_code == 409
    assert again.json()["duplicates"] == [first["uuid"]]
    assert confirmed.status_code == 201
    assert confirmed.json()["arrival_number"] == "02"


@pytest.mark.django_db
def test_an_official_cannot_register_nor_read_what_is_not_theirs(tenant, clerk, make_user, sign_in):
    clerk.post("/api/v1/documents/incoming/", _incoming(), content_type="application/json")
    make_user(tenant, "minhtht", roles=("official",))
    official = sign_in(tenant, "minhtht")

    assert (
        official.post(
            "/api/v1/documents/incoming/", _incoming(number="46"), content_type="application/json"
        ).status_code
        == 403
    )
    assert official.get("/api/v1/documents/").json()["count"] == 0  # need-to-know: no part in it


@pytest.mark.django_db
def test_documents_of_another_tenant_are_invisible(tenant, other_tenant, clerk, make_user, sign_in):
    created = clerk.post("/api/v1/documents/incoming/", _incoming(), content_type="application/json").json()
    make_user(other_tenant, "vanthu_b", roles=("clerk",))
    other = sign_in(other_tenant, "vanthu_b")

    assert other.get("/api/v1/documents/").json()["count"] == 0
    assert other.get(f"/api/v1/documents/{created['uuid']}/").status_code == 404


@pytest.mark.django_db
def test_document_list_query_count_does_not_grow_and_search_ignores_diacritics(
    tenant, clerk, django_assert_max_num_queries
):
    for i in range(15):
        clerk.post(
            "/api/v1/documents/incoming/", _incoming(number=str(100 + i)), content_type="application/json"
        )
    with django_assert_max_num_queries(14):
        listing = clerk.get("/api/v1/documents/", {"limit": 50})
    found = clerk.get("/api/v1/documents/", {"q": "cai cach hanh chinh"}).json()

    assert listing.json()["count"] == 15
    assert found["count"] == 15
    assert clerk.get("/api/v1/documents/", {"q": "không có gì"}).json()["count"] == 0


@pytest.mark.django_db
def test_search_filters_and_saved_searches(tenant, clerk):
    clerk.post(
        "/api/v1/documents/incoming/",
        _incoming(document_type="QĐ", number="1"),
        content_type="application/json",
    )
    clerk.post(
        "/api/v1/documents/incoming/",
        _incoming(number="2", summary="Về việc đầu tư công năm 2027", urgency="urgent"),
        content_type="application/json",
    )
    today = timezone.localdate().isoformat()

    by_type = clerk.get("/api/v1/documents/", {"type": "QĐ"}).json()
    by_words = clerk.get(
        "/api/v1/documents/", {"q": "CONG dau tu"}
    ).json()  # any order, no diacritics, any case
    by_period = clerk.get("/api/v1/documents/", {"start": today, "end": today, "urgency": "urgent"}).json()
    bad_date = clerk.get("/api/v1/documents/", {"start": "31/12/2026"})
    saved = clerk.post(
        "/api/v1/searches/",
        {"name": "Khẩn", "params": {"urgency": "urgent"}},
        content_type="application/json",
    ).json()
    rerun = clerk.get("/api/v1/documents/", {"saved": saved["id"]}).json()

    assert by_type["count"] == 1
    assert by_words["count"] == 1
    assert by_period["count"] == 1
    assert bad_date.status_code == 400
    assert rerun["count"] == 1
    assert clerk.get("/api/v1/documents/", {"saved": 999999}).status_code == 404
