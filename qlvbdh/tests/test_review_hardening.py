"""Holes a review found in QLVBĐH, closed and pinned."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from core.audit import Actor
from core.tenancy import in_tenant
from qlvbdh.services.registers import register_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(tenant, make_user, sign_in):
    make_user(tenant, "thuyctp", roles=("clerk",))
    make_user(tenant, "nguyentd", roles=("head",))
    make_user(tenant, "pho", roles=("deputy_head",))
    make_user(tenant, "minhtht", roles=("official",))
    make_user(tenant, "annv", roles=("official",))
    return {name: sign_in(tenant, name) for name in ("thuyctp", "nguyentd", "pho", "minhtht", "annv")}


def _incoming(clerk: Any) -> str:
    body = {
        "issuer_name": "Sở Tài chính",
        "document_type": "CV",
        "summary": "Về việc quyết toán",
        "number": "7",
    }
    return clerk.post("/api/v1/documents/incoming/", body, content_type="application/json").json()["uuid"]


def test_only_the_person_it_was_submitted_to_directs_it(tenant, office):
    key = _incoming(office["thuyctp"])
    office["thuyctp"].post(
        f"/api/v1/documents/{key}/submit/", {"head": "nguyentd"}, content_type="application/json"
    )
    plan = {"assignments": [{"role": "lead", "assignee": "minhtht"}]}

    assert (
        office["pho"]
        .post(f"/api/v1/documents/{key}/direct/", plan, content_type="application/json")
        .status_code
        == 403
    )
    assert (
        office["nguyentd"]
        .post(f"/api/v1/documents/{key}/direct/", plan, content_type="application/json")
        .status_code
        == 200
    )


def test_a_task_on_a_revoked_document_cannot_be_closed(tenant, office):
    key = _incoming(office["thuyctp"])
    office["nguyentd"].post(
        f"/api/v1/documents/{key}/direct/",
        {"assignments": [{"role": "lead", "assignee": "minhtht"}]},
        content_type="application/json",
    )
    office["thuyctp"].post(
        f"/api/v1/documents/{key}/revoke/", {"reason": "Nơi gửi thu hồi"}, content_type="application/json"
    )
    task = office["minhtht"].get("/api/v1/tasks/").json()["results"][0]

    closed = office["minhtht"].post(
        f"/api/v1/tasks/{task['uuid']}/close/", {}, content_type="application/json"
    )

    assert closed.status_code == 409
    assert office["nguyentd"].get(f"/api/v1/documents/{key}/").json()["status"] == "revoked"


def test_a_dossier_is_kept_by_its_owner(tenant, office):
    key = _incoming(office["thuyctp"])
    dossier = (
        office["minhtht"]
        .post(
            "/api/v1/dossiers/",
            {"year": 2026, "code": "HS-1", "title": "Hồ sơ", "retention": "10"},
            content_type="application/json",
        )
        .json()["uuid"]
    )

    # another official does not even see the dossier (need-to-know)
    assert (
        office["annv"]
        .post(f"/api/v1/dossiers/{dossier}/documents/", {"document": key}, content_type="application/json")
        .status_code
        == 404
    )
    assert office["annv"].post(f"/api/v1/dossiers/{dossier}/close/").status_code == 404
    # once shared with annv, annv sees it but still may not keep it
    shared = office["minhtht"].post(
        f"/api/v1/dossiers/{dossier}/shares/", {"user": "annv"}, content_type="application/json"
    )
    assert shared.status_code == 201, shared.content
    assert office["annv"].post(f"/api/v1/dossiers/{dossier}/close/").status_code == 403
    # the owner files only what they may see: the head shares the document with them first
    assert (
        office["minhtht"]
        .post(f"/api/v1/dossiers/{dossier}/documents/", {"document": key}, content_type="application/json")
        .status_code
        == 400
    )
    assert (
        office["nguyentd"]
        .post(f"/api/v1/documents/{key}/shares/", {"user": "minhtht"}, content_type="application/json")
        .status_code
        == 201
    )
    assert (
        office["minhtht"]
        .post(f"/api/v1/dossiers/{dossier}/documents/", {"document": key}, content_type="application/json")
        .status_code
        == 200
    )


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/v1/documents/", {"end": "9999-12-31"}),
        ("/api/v1/documents/", {"direction": "\x00"}),
        ("/api/v1/documents/", {"status": "no-such"}),
        ("/api/v1/documents/", {"type": "a\x00"}),
    ],
)
def test_odd_filters_are_400(tenant, office, path, params):
    assert office["thuyctp"].get(path, params).status_code == 400


def test_odd_numbers_and_dates_never_500(tenant, office):
    clerk = office["thuyctp"]
    assert clerk.get("/api/v1/documents/", {"limit": "9" * 30}).status_code == 200
    assert clerk.get("/api/v1/documents/", {"offset": "9" * 30}).status_code == 200
    assert clerk.get("/api/v1/registers/", {"year": "²²²²"}).status_code == 200
    assert clerk.get("/api/v1/documents/", {"saved": "²"}).status_code == 404
    assert clerk.get("/documents/", {"direction": "\x00"}).status_code == 400  # core.input
    early = clerk.post(
        "/api/v1/documents/incoming/",
        {"issuer_name": "Sở", "document_type": "CV", "summary": "X", "received_at": "0001-01-01T00:00:00"},
        content_type="application/json",
    )
    assert early.status_code == 400


def test_registers_never_let_numbers_repeat_and_outgoing_ones_carry_the_abbreviation(tenant, office):
    clerk = office["thuyctp"]
    with in_tenant(tenant):
        year = timezone.localdate().year
    _incoming(clerk)  # a CV numbered in the catch-all register

    late_own_register = clerk.post(
        "/api/v1/registers/",
        {"year": year, "direction": "incoming", "name": "Sổ công văn", "document_types": ["CV"]},
        content_type="application/json",
    )
    no_abbreviation = clerk.post(
        "/api/v1/registers/",
        {"year": year, "direction": "outgoing", "name": "Sổ đi"},
        content_type="application/json",
    )

    assert late_own_register.status_code == 400
    assert no_abbreviation.status_code == 400
    assert "agency_abbreviation" in no_abbreviation.json()
    with in_tenant(tenant):
        register_create(
            actor=Actor(label="t"), year=year, direction="outgoing", name="Sổ đi", agency_abbreviation="UBND"
        )
