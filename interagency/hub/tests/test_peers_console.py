"""The operator's page for other hubs, through real HTTP on the console host: list with traffic,
add, edit, pause and resume, rotate secrets, replace trust roots; every change audited; inspectors
and strangers refused; bad URLs and PEM are form errors, never a 500."""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from core.audit import Actor
from core.models import AuditEntry
from core.tenancy import in_public
from interagency.edxml.certificates import generate_authority
from interagency.hub.models import FederationPeer, HubPacket
from interagency.hub.services import federation
from interagency.hub.services.sealing import unseal

pytestmark = pytest.mark.django_db

SECRET = "console-peer-secret-0123456789"


@pytest.fixture(scope="module")
def roots() -> str:
    return generate_authority("Tổ chức chứng thực tỉnh khác")[1].decode()


@pytest.fixture(scope="module")
def other_roots() -> str:
    return generate_authority("Tổ chức chứng thực mới của tỉnh khác")[1].decode()


@pytest.fixture
def operator(province, make_user, signed_in) -> Client:
    return signed_in(Client(), make_user(None, "peers.operator", roles=("operator",)))


@pytest.fixture
def inspector(province, make_user, signed_in) -> Client:
    return signed_in(Client(), make_user(None, "peers.inspector", roles=("inspector",)))


def _peer(roots: str, system_id: str = "other-hub", **fields) -> FederationPeer:
    peer, _secret = federation.peer_create(
        actor=Actor(label="test"),
        data=federation.PeerData(
            system_id=system_id,
            name="Trục tỉnh khác",
            base_url=f"https://{system_id}.example",
            remote_system_id="tinhso-test",
            remote_secret="our-secret-at-the-other-hub",
            trust_roots=roots,
            **fields,
        ),
        secret=SECRET,
    )
    return peer


def _reload(peer: FederationPeer) -> FederationPeer:
    with in_public():
        return FederationPeer.objects.get(pk=peer.pk)


def _audited(action: str) -> list[AuditEntry]:
    with in_public():
        return list(AuditEntry.objects.filter(action=action).order_by("id"))


def _add_form(roots: str, **changes: str) -> dict[str, str]:
    return {
        "system_id": "tinhso-h36",
        "name": "Trục tỉnh Lâm Đồng",
        "base_url": "https://hub.lamdong.example",
        "remote_system_id": "tinhso-h21",
        "remote_secret": "our-secret-at-lamdong-0123",
        "mode": "pull",
        "trust_roots": roots,
        "tls_ca": "",
        "org_patterns": "*.H36\nvxp.saas.*\n",
        **changes,
    }


def _shown_secret(response) -> str:
    found = re.search(r"<code data-secret>([^<]+)</code>", response.content.decode())
    assert found is not None, response.content.decode()[:2000]
    return found.group(1)


def _edit_form(peer: FederationPeer, **changes: str) -> dict[str, str]:
    return {**asdict(federation.PeerChanges.of(peer)), **changes}


def test_an_e_office_product_is_registered_with_its_endpoint_and_secret_shown_once(operator, roots):
    answer = operator.post(
        "/hub/peers/add/",
        {
            "protocol": "vxp_system",
            "system_id": "qlvb.botuphap",
            "name": "QLVB Bộ Tư pháp",
            "trust_roots": roots,
            "org_patterns": "000.00.12.G09",
            "mode": "push",
        },
    )

    assert answer.status_code == 200, answer.content.decode()[:2000]
    assert answer["Cache-Control"] == "no-store"
    page = answer.content.decode()
    assert re.search(r"<code data-endpoint>http://[^<]+/vxp</code>", page)
    secret = _shown_secret(answer)
    peer = FederationPeer.objects.get(system_id="qlvb.botuphap")
    assert (peer.protocol, peer.mode, peer.base_url) == (
        "vxp_system",
        "pull",
        "https://vxp.invalid/qlvb.botuphap",
    )
    assert unseal(peer.vxp_secret).decode() == secret
    assert secret not in peer.vxp_secret
    assert _audited("hub.peer_create")[-1].detail["protocol"] == "vxp_system"


# --- seeing -----------------------------------------------------------------------------------


def test_the_list_shows_each_peer_with_its_traffic(operator, roots):
    peer = _peer(roots, mode="pull")
    with in_public():
        HubPacket.objects.create(
            packet_id="2f1c1c3e-8c1a-4f55-9a57-0d9c5a1b7e01",
            kind="edoc",
            document_id="x",
            sender_code="000.00.31.H36",
            source=f"peer:{peer.system_id}",
            content=b"<edXML/>",
            size=8,
            sha256=hashlib.sha256(b"<edXML/>").hexdigest(),
            signature="valid",
        )

    page = operator.get("/hub/peers/").content.decode()

    row = re.search(r'<tr data-peer="other-hub">(.*?)</tr>', page, re.S)
    assert row is not None
    assert 'data-figure="received">1<' in row.group(1)
    assert 'data-figure="pending">0<' in row.group(1)
    assert "chưa lấy lần nào" in row.group(1)  # a pull peer never pulled yet
    assert 'href="/hub/peers/add/"' in page


def test_the_list_takes_the_same_queries_for_one_peer_or_many(operator, roots):
    _peer(roots, "hub-1")
    operator.get("/hub/peers/")  # the session's first request does its own bookkeeping
    with CaptureQueriesContext(connection) as one:
        assert operator.get("/hub/peers/").status_code == 200
    for index in range(2, 6):
        _peer(roots, f"hub-{index}")
    with CaptureQueriesContext(connection) as five:
        assert operator.get("/hub/peers/").status_code == 200

    assert len(five) == len(one)


def test_an_inspector_and_an_anonymous_visitor_may_not_see_or_change_peers(inspector, roots):
    peer = _peer(roots)
    anonymous = Client(HTTP_HOST=settings.CONSOLE_HOST)
    posts = ["edit/", "trust-roots/", "remote-secret/", "rotate-secret/", "pause/", "resume/"]

    assert inspector.get("/hub/peers/").status_code == 403
    assert inspector.get(f"/hub/peers/{peer.pk}/").status_code == 403
    assert inspector.get("/hub/peers/add/").status_code == 403
    assert inspector.post("/hub/peers/add/", _add_form(roots)).status_code == 403
    for action in posts:
        assert inspector.post(f"/hub/peers/{peer.pk}/{action}", _edit_form(peer)).status_code == 403
        assert anonymous.post(f"/hub/peers/{peer.pk}/{action}").status_code == 302  # to the login page
    assert anonymous.get("/hub/peers/").status_code == 302
    after = _reload(peer)
    assert (after.is_active, after.secret_digest, after.name) == (True, peer.secret_digest, peer.name)
    assert FederationPeer.objects.count() == 1


def test_an_unknown_peer_is_404(operator):
    assert operator.get("/hub/peers/999999/").status_code == 404
    assert operator.post("/hub/peers/999999/pause/").status_code == 404


# --- adding -----------------------------------------------------------------------------------


def test_an_operator_adds_a_peer_and_sees_its_secret_once(operator, roots):
    response = operator.post("/hub/peers/add/", _add_form(roots))

    assert response.status_code == 200
    secret = _shown_secret(response)
    assert response["Cache-Control"] == "no-store"
    with in_public():
        peer = FederationPeer.objects.get(system_id="tinhso-h36")
    assert peer.secret_digest == federation.peer_secret_digest(secret)
    assert (peer.mode, peer.base_url, peer.org_patterns) == (
        "pull",
        "https://hub.lamdong.example",
        "*.H36\nvxp.saas.*",
    )
    assert unseal(peer.remote_secret) == b"our-secret-at-lamdong-0123"
    assert secret not in operator.get(f"/hub/peers/{peer.pk}/").content.decode()
    assert len(_audited("hub.peer_create")) == 1


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"base_url": "http://hub.lamdong.example"}, "https"),
        ({"base_url": "not a url"}, "https"),
        ({"trust_roots": "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n"}, "PEM"),
        ({"trust_roots": "just some text"}, "PEM"),
        ({"tls_ca": "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"}, "PEM"),
        ({"org_patterns": "*"}, "*"),
        ({"org_patterns": "000.00.31.H36; DROP"}, "000.00.31.H36; DROP"),
    ],
)
def test_bad_input_when_adding_is_a_form_error_and_nothing_is_stored(operator, roots, changes, says):
    response = operator.post("/hub/peers/add/", _add_form(roots, **changes))

    assert response.status_code == 400
    assert says in response.content.decode()
    assert 'class="errorlist' in response.content.decode()
    assert not FederationPeer.objects.exists()
    assert _audited("hub.peer_create") == []


def test_a_missing_trust_root_is_a_form_error(operator):
    response = operator.post("/hub/peers/add/", _add_form(""))

    assert response.status_code == 400
    assert not FederationPeer.objects.exists()


def test_a_system_id_already_used_is_a_form_error(operator, roots):
    _peer(roots, "tinhso-h36")

    response = operator.post("/hub/peers/add/", _add_form(roots))

    assert response.status_code == 400
    assert "tinhso-h36" in response.content.decode()
    assert FederationPeer.objects.count() == 1


# --- changing ---------------------------------------------------------------------------------


def test_editing_a_peer_saves_and_audits_what_changed(operator, roots):
    peer = _peer(roots)

    response = operator.post(
        f"/hub/peers/{peer.pk}/edit/",
        _edit_form(peer, name="Trục mới", mode="pull", org_patterns="*.H36\n\n*.h36\n000.00.4?.H36"),
    )

    assert response.status_code == 302
    after = _reload(peer)
    assert (after.name, after.mode, after.org_patterns) == ("Trục mới", "pull", "*.H36\n000.00.4?.H36")
    [entry] = _audited("hub.peer_update")
    assert entry.detail["changed"] == ["mode", "name", "org_patterns"]
    assert operator.post(f"/hub/peers/{peer.pk}/edit/", _edit_form(after)).status_code == 302
    assert len(_audited("hub.peer_update")) == 1  # saving the same values again changes nothing


def test_a_bad_edit_is_a_form_error_and_changes_nothing(operator, roots):
    peer = _peer(roots)

    response = operator.post(f"/hub/peers/{peer.pk}/edit/", _edit_form(peer, base_url="ftp://x", name="X"))

    assert response.status_code == 400
    assert "https" in response.content.decode()
    assert _reload(peer).name == peer.name


def test_pausing_refuses_the_peers_calls_and_resuming_lets_them_in(operator, roots):
    peer = _peer(roots)
    endpoint = Client(HTTP_HOST=settings.CONSOLE_HOST)
    auth = {"X-System-Id": peer.system_id, "X-Secret": SECRET}

    paused = operator.post(f"/hub/peers/{peer.pk}/pause/")
    while_paused = endpoint.get(federation.PACKETS_PATH, headers=auth)
    operator.post(f"/hub/peers/{peer.pk}/pause/")  # again: nothing more happens
    resumed = operator.post(f"/hub/peers/{peer.pk}/resume/")
    after = endpoint.get(federation.PACKETS_PATH, headers=auth)

    assert (paused.status_code, resumed.status_code) == (302, 302)
    assert while_paused.status_code == 403
    assert after.status_code == 200
    assert len(_audited("hub.peer_pause")) == 1
    assert len(_audited("hub.peer_resume")) == 1


def test_rotating_our_secret_shows_the_new_one_once_and_the_old_one_stops_working(operator, roots):
    peer = _peer(roots)
    endpoint = Client(HTTP_HOST=settings.CONSOLE_HOST)

    response = operator.post(f"/hub/peers/{peer.pk}/rotate-secret/")

    secret = _shown_secret(response)
    assert response.status_code == 200
    old = endpoint.get(federation.PACKETS_PATH, headers={"X-System-Id": peer.system_id, "X-Secret": SECRET})
    new = endpoint.get(federation.PACKETS_PATH, headers={"X-System-Id": peer.system_id, "X-Secret": secret})
    assert (old.status_code, new.status_code) == (401, 200)
    assert _reload(peer).secret_rotated_at is not None
    [entry] = _audited("hub.peer_secret_rotate")
    assert secret not in str(entry.detail)


def test_setting_their_secret_seals_it_and_a_short_one_is_a_form_error(operator, roots):
    peer = _peer(roots)

    short = operator.post(f"/hub/peers/{peer.pk}/remote-secret/", {"remote_secret": "short"})
    done = operator.post(
        f"/hub/peers/{peer.pk}/remote-secret/", {"remote_secret": "their-new-secret-0123456789"}
    )

    assert short.status_code == 400
    assert done.status_code == 302
    assert unseal(_reload(peer).remote_secret) == b"their-new-secret-0123456789"
    [entry] = _audited("hub.peer_remote_secret_set")
    assert "their-new-secret" not in str(entry.detail)


def test_replacing_trust_roots_audits_the_new_fingerprints_and_refuses_bad_pem(operator, roots, other_roots):
    peer = _peer(roots)

    bad = operator.post(f"/hub/peers/{peer.pk}/trust-roots/", {"trust_roots": "garbage"})
    empty = operator.post(f"/hub/peers/{peer.pk}/trust-roots/", {"trust_roots": ""})
    done = operator.post(f"/hub/peers/{peer.pk}/trust-roots/", {"trust_roots": other_roots})

    assert (bad.status_code, empty.status_code, done.status_code) == (400, 400, 302)
    assert _reload(peer).trust_roots.strip() == other_roots.strip()
    [entry] = _audited("hub.peer_trust_roots_replace")
    fingerprint = federation.certificate_summaries(other_roots)[0]["fingerprint"]
    assert entry.detail["fingerprints"] == [fingerprint]
    assert fingerprint in operator.get(f"/hub/peers/{peer.pk}/").content.decode()
