"""The hub's console pages and the exchange evidence, driven through real tenants, the real hub
loop and real HTTP on the console host (signed in with the second factor)."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from core.audit import Actor
from core.models import AuditEntry
from core.tenancy import in_public
from interagency.edxml.certificates import generate_authority
from interagency.exchange.tests.deployments import free_port
from interagency.exchange.tests.flows import issue_to, office
from interagency.hub.models import FederationPeer, HubDelivery, HubPacket
from interagency.hub.services import evidence, federation
from interagency.hub.services.deliveries import work
from interagency.hub.services.directory import directory_import_csv

pytestmark = pytest.mark.django_db


@pytest.fixture
def agencies(province, tenant, other_tenant, third_tenant):
    return {
        "a": (tenant, office(tenant)),
        "b": (other_tenant, office(other_tenant)),
        "c": (third_tenant, None),
    }


@pytest.fixture
def operator(province, make_user, sign_in) -> Client:
    make_user(None, "hub.operator", roles=("operator",))
    return sign_in(None, "hub.operator")


@pytest.fixture
def inspector(province, make_user, sign_in) -> Client:
    make_user(None, "hub.inspector", roles=("inspector",))
    return sign_in(None, "hub.inspector")


def _exchange(agencies) -> HubPacket:
    """A sends one document to B; B's system answers 01: two packets about one DocumentId."""
    (a, a_people), (b, _people) = agencies["a"], agencies["b"]
    issue_to(a, a_people, [b])
    work()
    with in_public():
        return HubPacket.objects.get(kind=HubPacket.Kind.EDOC)


def _dead_delivery(agencies, settings) -> HubDelivery:
    (a, a_people), (b, _people) = agencies["a"], agencies["b"]
    settings.HUB_MAX_ATTEMPTS = 1
    b.status = "suspended"
    b.save(update_fields=["status"])
    issue_to(a, a_people, [b])
    work()
    b.status = "active"
    b.save(update_fields=["status"])
    with in_public():
        delivery = HubDelivery.objects.get(recipient_code=b.org_code)
    assert delivery.state == HubDelivery.State.DEAD
    return delivery


def _audit_actions(action: str) -> int:
    with in_public():
        return AuditEntry.objects.filter(action=action).count()


def _rezip(data: bytes, change: dict[str, bytes]) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            target.writestr(name, change.get(name, source.read(name)))
    return out.getvalue()


def _first_packet_file(data: bytes) -> str:
    return next(name for name in zipfile.ZipFile(io.BytesIO(data)).namelist() if name.startswith("packets/"))


# --- pages by role ------------------------------------------------------------------------------


def test_operator_sees_queue_hourly_deliveries_and_the_nav_entry(agencies, operator):
    packet = _exchange(agencies)

    page = operator.get("/hub/").content.decode()

    assert 'href="/hub/"' in page  # the navigation offers it to a holder of interagency.watch
    assert 'data-figure="delivered-24h">2<' in page  # the document to B and B's 01 back to A
    assert 'data-figure="dead">0<' in page
    assert 'data-figure="oldest">—<' in page  # nothing waits
    listing = operator.get("/hub/deliveries/", {"state": "delivered"}).content.decode()
    assert packet.document_id in listing
    assert operator.get(f"/hub/packets/{packet.packet_id}/").status_code == 200


def test_hub_home_shows_the_oldest_waiting_delivery(agencies, operator):
    (a, a_people), (b, _people) = agencies["a"], agencies["b"]
    b.status = "suspended"
    b.save(update_fields=["status"])
    issue_to(a, a_people, [b])
    work()  # fails once, waits for its back-off

    page = operator.get("/hub/").content.decode()

    assert 'data-figure="pending">1<' in page
    assert 'data-figure="due">0<' in page
    assert 'data-figure="failed-24h">1<' in page
    assert 'data-figure="oldest">—<' not in page
    assert b.org_code in page  # the recipient with a backlog


def test_inspector_gets_403_on_every_hub_page_and_no_nav_entry(agencies, inspector, settings):
    delivery = _dead_delivery(agencies, settings)
    packet = delivery.packet

    assert 'href="/hub/"' not in inspector.get("/statistics/").content.decode()
    for url in (
        "/hub/",
        "/hub/deliveries/?state=dead",
        f"/hub/deliveries/{delivery.pk}/",
        f"/hub/packets/{packet.packet_id}/",
        f"/hub/evidence/?document_id={packet.document_id}",
    ):
        assert inspector.get(url).status_code == 403, url
    assert inspector.post(f"/hub/deliveries/{delivery.pk}/retry/").status_code == 403
    delivery.refresh_from_db()
    assert delivery.state == HubDelivery.State.DEAD
    assert _audit_actions("hub.evidence_export") == 0


def test_anonymous_is_sent_to_the_login(province):
    response = Client(HTTP_HOST=settings.CONSOLE_HOST).get("/hub/deliveries/")

    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/hub/deliveries/")


def test_agency_user_finds_no_hub_pages_on_the_workspace_host(agencies, make_user, sign_in):
    a, _people = agencies["a"]
    make_user(a, "agency.admin", roles=("it_officer",))
    client = sign_in(a, "agency.admin")

    assert client.get("/hub/").status_code == 404
    assert client.get("/hub/evidence/?document_id=x").status_code == 404


def test_unknown_delivery_and_packet_are_404(agencies, operator):
    assert operator.get("/hub/deliveries/999999/").status_code == 404
    assert operator.get("/hub/packets/00000000-0000-0000-0000-000000000000/").status_code == 404
    assert operator.get("/hub/packets/not-a-uuid/").status_code == 404
    assert operator.post("/hub/deliveries/999999/retry/").status_code == 404


def test_delivery_list_filters_by_state_and_its_queries_do_not_grow_with_rows(agencies, operator, settings):
    dead = _dead_delivery(agencies, settings)
    (a, a_people), (b, _people) = agencies["a"], agencies["b"]
    issue_to(a, a_people, [b])
    work()

    dead_page = operator.get("/hub/deliveries/", {"state": "dead"}).content.decode()
    with CaptureQueriesContext(connection) as few:
        operator.get("/hub/deliveries/")
    for _extra in range(3):
        issue_to(a, a_people, [b])
    work()
    with CaptureQueriesContext(connection) as many:
        everything = operator.get("/hub/deliveries/").content.decode()

    assert f'href="/hub/deliveries/{dead.pk}/"' in dead_page
    assert dead_page.count('href="/hub/deliveries/') == 1  # only the dead one
    assert everything.count('href="/hub/deliveries/') >= 6
    assert len(many) == len(few)


def test_delivery_list_pages(agencies, operator):
    from interagency.hub import console_views

    (a, a_people), (b, _people) = agencies["a"], agencies["b"]
    for _document in range(3):
        issue_to(a, a_people, [b])
    work()  # three documents and three 01s: six deliveries
    console_views.PAGE_SIZE, size = 4, console_views.PAGE_SIZE
    try:
        first = operator.get("/hub/deliveries/").content.decode()
        second = operator.get("/hub/deliveries/", {"page": 2}).content.decode()
    finally:
        console_views.PAGE_SIZE = size

    assert first.count('href="/hub/deliveries/') == 4
    assert second.count('href="/hub/deliveries/') == 2
    assert "page=2" in first


# --- retry -------------------------------------------------------------------------------------


def test_retry_from_the_page_makes_a_dead_delivery_delivered_after_the_hub_works(
    agencies, operator, settings
):
    delivery = _dead_delivery(agencies, settings)
    detail = operator.get(f"/hub/deliveries/{delivery.pk}/").content.decode()
    assert "Gửi lại" in detail
    assert delivery.last_error in detail

    response = operator.post(f"/hub/deliveries/{delivery.pk}/retry/", HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert 'id="delivery-card"' in response.content.decode()
    assert "<html" not in response.content.decode()  # htmx gets the card alone
    delivery.refresh_from_db()
    assert delivery.state == HubDelivery.State.PENDING
    assert _audit_actions("hub.retry") == 1
    work()
    delivery.refresh_from_db()
    assert delivery.state == HubDelivery.State.DELIVERED


def test_retry_of_a_delivered_one_changes_nothing_and_says_so(agencies, operator):
    _exchange(agencies)
    with in_public():
        delivery = HubDelivery.objects.filter(state=HubDelivery.State.DELIVERED).first()
    assert delivery is not None

    response = operator.post(f"/hub/deliveries/{delivery.pk}/retry/", follow=True)

    assert response.status_code == 200
    assert "đã chuyển xong" in response.content.decode()
    assert _audit_actions("hub.retry") == 0
    attempts = delivery.attempts
    delivery.refresh_from_db()
    assert delivery.attempts == attempts


def test_retry_needs_the_csrf_token(agencies, operator, settings):
    delivery = _dead_delivery(agencies, settings)
    strict = Client(HTTP_HOST=settings.CONSOLE_HOST, enforce_csrf_checks=True)
    strict.cookies = operator.cookies

    assert strict.post(f"/hub/deliveries/{delivery.pk}/retry/").status_code == 403
    delivery.refresh_from_db()
    assert delivery.state == HubDelivery.State.DEAD


# --- evidence ----------------------------------------------------------------------------------


def test_packet_page_shows_hash_signature_and_the_evidence_link(agencies, operator):
    packet = _exchange(agencies)

    page = operator.get(f"/hub/packets/{packet.packet_id}/").content.decode()

    assert packet.sha256 in page
    assert packet.signer_fingerprint in page
    assert "Hợp lệ" in page
    assert "/hub/evidence/?document_id=" in page


def test_evidence_zip_from_the_page_verifies_and_is_audited(agencies, operator):
    packet = _exchange(agencies)

    response = operator.get("/hub/evidence/", {"document_id": packet.document_id})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    data = response.content
    archive = zipfile.ZipFile(io.BytesIO(data))
    manifest = json.loads(archive.read("manifest.json"))
    assert [entry["kind"] for entry in manifest["packets"]] == ["edoc", "status"]  # in the hub's order
    assert manifest["packets"][1]["status_code"] == "01"
    assert manifest["packets"][0]["deliveries"][0]["tries"][0]["ok"] is True
    assert {"trust/authority.pem", "README.txt"} <= set(archive.namelist())
    assert archive.read(manifest["packets"][0]["file"]) == bytes(packet.content)
    assert evidence.evidence_verify(data) == []
    assert _audit_actions("hub.evidence_export") == 1


def test_a_tampered_packet_in_the_evidence_is_reported(agencies, operator):
    packet = _exchange(agencies)
    data = operator.get("/hub/evidence/", {"document_id": packet.document_id}).content
    name = _first_packet_file(data)
    content = bytearray(zipfile.ZipFile(io.BytesIO(data)).read(name))
    at = content.index(b"Subject>") + len(b"Subject>")  # the first is the opening tag
    content[at] = ord("X") if content[at] != ord("X") else ord("Y")  # one byte of the signed header

    problems = evidence.evidence_verify(_rezip(data, {name: bytes(content)}))

    assert any(name in problem and "SHA-256" in problem for problem in problems)
    assert any(name in problem and "invalid" in problem for problem in problems)


def test_evidence_for_an_unknown_document_is_a_404_with_a_message(agencies, operator):
    response = operator.get("/hub/evidence/", {"document_id": "000.00.99.H21,2020/01/01,1/KHONG"})

    assert response.status_code == 404
    assert "000.00.99.H21,2020/01/01,1/KHONG" in response.content.decode()
    assert operator.get("/hub/evidence/").status_code == 400


def test_evidence_cli_round_trip_and_exit_codes(agencies, tmp_path: Path):
    packet = _exchange(agencies)
    target = tmp_path / "evidence.zip"
    out = io.StringIO()

    call_command("hub", "evidence", packet.document_id, "-o", str(target), stdout=out)
    call_command("hub", "verify-evidence", str(target), stdout=out)

    assert "intact" in out.getvalue()
    data = target.read_bytes()
    name = _first_packet_file(data)
    tampered = tmp_path / "tampered.zip"
    tampered.write_bytes(_rezip(data, {name: zipfile.ZipFile(io.BytesIO(data)).read(name) + b" "}))
    errors = io.StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("hub", "verify-evidence", str(tampered), stderr=errors)
    assert refused.value.returncode == 1
    assert name in errors.getvalue()
    with pytest.raises(CommandError, match=r"000\.00\.99\.H21"):
        call_command("hub", "evidence", "000.00.99.H21,2020/01/01,1/X", "-o", str(tmp_path / "none.zip"))
    assert not (tmp_path / "none.zip").exists()
    with pytest.raises(CommandError):
        call_command("hub", "verify-evidence", str(tmp_path / "missing.zip"))


def test_evidence_of_something_else_than_a_zip_is_one_problem():
    assert len(evidence.evidence_verify(b"not a zip")) == 1


def test_a_document_the_vxp_axis_never_takes_is_a_dead_letter_on_the_console(agencies, operator, settings):
    (a, a_people) = agencies["a"]
    settings.HUB_MAX_ATTEMPTS = 1
    ministry = SimpleNamespace(org_code="000.00.12.G09", name="Bộ Tư pháp")
    axis, _secret = federation.peer_create(
        actor=Actor(label="test"),
        data=federation.PeerData(
            system_id="vxp-national",
            name="Trục liên thông quốc gia",
            base_url=f"https://127.0.0.1:{free_port()}/vxp",  # nothing listens there
            remote_system_id="tinhso-h21",
            remote_secret="axis-secret-0123456789abcdef",
            trust_roots=generate_authority("Trục")[1].decode(),
            org_patterns="*.G09",
            protocol=FederationPeer.Protocol.VXP_AXIS,
        ),
    )
    with in_public():
        directory_import_csv(
            actor=Actor(label="test"),
            content=f"org_code,name,hub_url\n{ministry.org_code},{ministry.name},{axis.base_url}\n".encode(),
        )

    issue_to(a, a_people, [ministry])
    work()

    with in_public():
        delivery = HubDelivery.objects.get(recipient_code=ministry.org_code)
    assert (delivery.state, delivery.target, delivery.attempts) == (HubDelivery.State.DEAD, "peer", 1)
    assert "127.0.0.1" in delivery.last_error  # where it could not go
    listing = operator.get("/hub/deliveries/", {"state": "dead"}).content.decode()
    assert ministry.org_code in listing
    assert delivery.packet.document_id in listing
    detail = operator.get(f"/hub/deliveries/{delivery.pk}/").content.decode()
    assert "127.0.0.1" in detail
    assert 'data-figure="dead">1<' in operator.get("/hub/").content.decode()
