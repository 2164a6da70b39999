"""Federation with other hubs: the endpoint on the console host (in-process, real database), the
connector's failures on loopback, and two real tinhso deployments exchanging over HTTPS."""

from __future__ import annotations

import hashlib
import uuid
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.test import Client

from core.audit import Actor
from core.models import AuditEntry
from core.tenancy import in_public, in_tenant
from interagency.edxml.certificates import generate_authority, issue_certificate
from interagency.edxml.codes import MAX_PACKET_BYTES
from interagency.edxml.packets import Organisation
from interagency.edxml.signatures import sign_packet
from interagency.edxml.tests.factories import DocumentPacketFactory
from interagency.edxml.tests.test_edxml import BILLION_LAUGHS
from interagency.edxml.writer import build
from interagency.exchange.models import InboxItem
from interagency.exchange.tests.flows import issue_to, office
from interagency.hub.models import FederationPeer, HubAttempt, HubDelivery, HubPacket
from interagency.hub.services import connector, federation
from interagency.hub.services.deliveries import deliver_due, work
from interagency.hub.services.directory import directory_import_csv
from interagency.hub.services.retries import DeliveryFailed
from interagency.hub.services.sealing import unseal

SECRET = "peer-secret-0123456789abcdef"
FOREIGN_ORG = "000.00.31.H36"
PEER_URL = "https://hub.other-province.example"
PACKETS = federation.PACKETS_PATH


@pytest.fixture(scope="module")
def foreign_authority() -> tuple[bytes, bytes]:
    return generate_authority("Tổ chức chứng thực tỉnh khác")


@pytest.fixture(scope="module")
def foreign_signer(foreign_authority) -> tuple[bytes, bytes]:
    key, cert = foreign_authority
    return issue_certificate(
        authority_key_pem=key, authority_cert_pem=cert, org_code=FOREIGN_ORG, org_name="Sở Y tỉnh khác"
    )


@pytest.fixture
def peer(province, foreign_authority) -> FederationPeer:
    created, _secret = federation.peer_create(
        actor=Actor(label="test"),
        data=federation.PeerData(
            system_id="other-hub",
            name="Trục tỉnh khác",
            base_url=PEER_URL + "/",
            remote_system_id="tinhso-test",
            remote_secret="our-secret-at-the-other-hub",
            trust_roots=foreign_authority[1].decode(),
            org_patterns="*.H36",
        ),
        secret=SECRET,
    )
    with in_public():
        directory_import_csv(
            actor=Actor(label="test"),
            content=f"org_code,name,hub_url\n{FOREIGN_ORG},Sở Y tỉnh khác,{PEER_URL}\n".encode(),
        )
    return created


def _packet_to(tenant, foreign_signer) -> bytes:
    key, cert = foreign_signer
    packet = DocumentPacketFactory.build(
        sender=Organisation(FOREIGN_ORG, organ_name="Sở Y tỉnh khác"),
        recipients=(Organisation(tenant.org_code, organ_name=tenant.name),),
        document_id=f"{FOREIGN_ORG},2026/11/20,125/SYT-VP",
        trace=(),
    )
    return build(packet, sign=partial(sign_packet, key_pem=key, cert_pem=cert))


def _console() -> Client:
    return Client(HTTP_HOST=settings.CONSOLE_HOST)


def _post(content: bytes, *, packet_id: str, sha256: str | None = None, secret: str = SECRET, **extra):
    return _console().post(
        PACKETS,
        data=content,
        content_type="application/xml",
        headers={
            "X-System-Id": "other-hub",
            "X-Secret": secret,
            "X-Packet-Id": packet_id,
            "X-Content-SHA256": sha256 if sha256 is not None else hashlib.sha256(content).hexdigest(),
            "X-Message-Type": "edoc",
        },
        **extra,
    )


def _auth(secret: str = SECRET) -> dict[str, str]:
    return {"X-System-Id": "other-hub", "X-Secret": secret}


# --- the endpoint ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_peer_secret_is_kept_only_as_a_keyed_hash(peer):
    assert peer.secret_digest == federation.peer_secret_digest(SECRET)
    assert peer.secret_digest != hashlib.sha256(SECRET.encode()).hexdigest()
    assert peer.base_url == PEER_URL  # no trailing slash: compared with the directory's hub_url
    assert unseal(peer.remote_secret) == b"our-secret-at-the-other-hub"
    with in_public():
        assert AuditEntry.objects.filter(action="hub.peer_create").count() == 1


@pytest.mark.django_db
def test_wrong_or_missing_credentials_are_401_and_record_nothing(peer, tenant, foreign_signer):
    content = _packet_to(tenant, foreign_signer)

    wrong = _post(content, packet_id=str(uuid.uuid4()), secret="not-the-secret-at-all")
    missing = _console().post(PACKETS, data=content, content_type="application/xml")
    unknown = _console().get(PACKETS, headers={"X-System-Id": "nobody", "X-Secret": SECRET})

    assert (wrong.status_code, missing.status_code, unknown.status_code) == (401, 401, 401)
    assert wrong.json()["code"] == "unauthenticated"
    assert "X-System-Id" in missing.json()["detail"]
    with in_public():
        assert not HubPacket.objects.exists()


@pytest.mark.django_db
def test_an_inactive_peer_is_403(peer):
    with in_public():
        FederationPeer.objects.filter(pk=peer.pk).update(is_active=False)

    response = _console().get(PACKETS, headers=_auth())

    assert response.status_code == 403


@pytest.mark.django_db
def test_a_hash_mismatch_is_400_and_nothing_is_recorded(peer, tenant, foreign_signer):
    content = _packet_to(tenant, foreign_signer)

    response = _post(content, packet_id=str(uuid.uuid4()), sha256="0" * 64)

    assert response.status_code == 400
    assert response.json()["code"] == "hash_mismatch"
    assert hashlib.sha256(content).hexdigest() in response.json()["detail"]
    with in_public():
        assert not HubPacket.objects.exists()


@pytest.mark.django_db
def test_a_billion_laughs_body_is_400_with_the_edxml_error(peer):
    response = _post(BILLION_LAUGHS, packet_id=str(uuid.uuid4()))

    assert response.status_code == 400
    assert response.json()["errors"] == [
        "M.edXML: gói tin có khai báo DOCTYPE/ENTITY, không được phép (DTD refused)"
    ]
    with in_public():
        assert not HubPacket.objects.exists()


@pytest.mark.django_db
def test_a_body_over_the_limit_is_413_before_it_is_read(peer):
    response = _post(b"<edXML/>", packet_id=str(uuid.uuid4()), CONTENT_LENGTH=str(MAX_PACKET_BYTES + 1))

    assert response.status_code == 413
    assert response.json()["code"] == "too_large"


@pytest.mark.django_db
def test_a_packet_signed_outside_the_peers_authority_is_refused(peer, tenant, foreign_signer):
    key, cert = generate_authority("Tổ chức chứng thực giả")
    impostor_key, impostor_cert = issue_certificate(
        authority_key_pem=key, authority_cert_pem=cert, org_code=FOREIGN_ORG, org_name="Sở Y tỉnh khác"
    )
    packet = DocumentPacketFactory.build(
        sender=Organisation(FOREIGN_ORG, organ_name="Sở Y"),
        recipients=(Organisation(tenant.org_code, organ_name=tenant.name),),
        document_id=f"{FOREIGN_ORG},2026/11/20,126/SYT-VP",
        trace=(),
    )
    content = build(packet, sign=partial(sign_packet, key_pem=impostor_key, cert_pem=impostor_cert))

    response = _post(content, packet_id=str(uuid.uuid4()))

    assert response.status_code == 400
    assert response.json()["code"] == "packet_refused"


@pytest.mark.django_db
def test_a_posted_packet_is_taken_once_and_reaches_the_tenant(peer, tenant, foreign_signer):
    content = _packet_to(tenant, foreign_signer)
    packet_id = str(uuid.uuid4())

    first = _post(content, packet_id=packet_id)
    again = _post(content, packet_id=packet_id)
    deliver_due()

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["created"] is True
    assert again.json()["created"] is False
    with in_public():
        packet = HubPacket.objects.get()
        assert packet.source == "peer:other-hub"
        assert packet.signature == HubPacket.Signature.VALID
    with in_tenant(tenant):
        item = InboxItem.objects.get()
        assert item.sender_code == FOREIGN_ORG


@pytest.mark.django_db
def test_a_message_type_that_does_not_match_the_packet_is_refused(peer, tenant, foreign_signer):
    content = _packet_to(tenant, foreign_signer)

    response = _console().post(
        PACKETS,
        data=content,
        content_type="application/xml",
        headers={
            **_auth(),
            "X-Packet-Id": str(uuid.uuid4()),
            "X-Content-SHA256": hashlib.sha256(content).hexdigest(),
            "X-Message-Type": "status",
        },
    )

    assert response.status_code == 400
    with in_public():
        assert not HubPacket.objects.exists()


@pytest.mark.django_db
def test_a_pull_peer_lists_fetches_and_acks_what_waits_for_it(peer, province, tenant):
    # given: the peer pulls, and our agency has sent a document to an organisation behind it
    with in_public():
        FederationPeer.objects.filter(pk=peer.pk).update(mode=FederationPeer.Mode.PULL)
    people = office(tenant)
    issue_to(tenant, people, [SimpleNamespace(org_code=FOREIGN_ORG, name="Sở Y tỉnh khác")])
    work()  # relays; the delivery to a pull peer is held, not tried
    with in_public():
        delivery = HubDelivery.objects.get(recipient_code=FOREIGN_ORG)
        assert (delivery.state, delivery.attempts) == (HubDelivery.State.PENDING, 0)
        packet = delivery.packet

    # when: it lists, fetches and acks
    listing = _console().get(PACKETS, {"status": "pending"}, headers=_auth())
    fetched = _console().get(f"{PACKETS}{packet.packet_id}/", headers=_auth())
    processing = _console().post(
        f"{PACKETS}{packet.packet_id}/ack", {"status": "processing"}, "application/json", headers=_auth()
    )
    done = _console().post(
        f"{PACKETS}{packet.packet_id}/ack", {"status": "done"}, "application/json", headers=_auth()
    )
    done_again = _console().post(
        f"{PACKETS}{packet.packet_id}/ack", {"status": "done"}, "application/json", headers=_auth()
    )
    after = _console().get(PACKETS, headers=_auth())

    # then
    assert listing.status_code == 200
    assert [row["packet_id"] for row in listing.json()["packets"]] == [str(packet.packet_id)]
    assert listing.json()["packets"][0]["recipient_codes"] == [FOREIGN_ORG]
    assert fetched.status_code == 200
    assert fetched.content == bytes(packet.content)
    assert fetched["X-Content-SHA256"] == hashlib.sha256(fetched.content).hexdigest()
    assert processing.json()["state"] == "pending"
    assert (done.json()["state"], done_again.json()["state"]) == ("delivered", "delivered")
    assert after.json()["packets"] == []
    with in_public():
        delivery.refresh_from_db()
        assert delivery.state == HubDelivery.State.DELIVERED
        assert HubAttempt.objects.filter(delivery=delivery, ok=True).count() == 1


@pytest.mark.django_db
def test_a_fail_ack_counts_a_try_and_another_peers_packet_is_404(peer, province, tenant, foreign_authority):
    with in_public():
        FederationPeer.objects.filter(pk=peer.pk).update(mode=FederationPeer.Mode.PULL)
    federation.peer_create(
        actor=Actor(label="test"),
        data=federation.PeerData(
            system_id="third-hub",
            name="Trục thứ ba",
            base_url="https://hub.third.example",
            remote_system_id="x",
            remote_secret="y",
            trust_roots=foreign_authority[1].decode(),
        ),
        secret="third-secret-0123456789",
    )
    issue_to(tenant, office(tenant), [SimpleNamespace(org_code=FOREIGN_ORG, name="Sở Y tỉnh khác")])
    work()
    with in_public():
        delivery = HubDelivery.objects.get(recipient_code=FOREIGN_ORG)
    path = f"{PACKETS}{delivery.packet.packet_id}/"
    third = {"X-System-Id": "third-hub", "X-Secret": "third-secret-0123456789"}

    failed = _console().post(
        f"{path}ack", {"status": "fail", "reason": "hỏng"}, "application/json", headers=_auth()
    )
    not_theirs = _console().get(path, headers=third)
    bad_status = _console().post(f"{path}ack", {"status": "maybe"}, "application/json", headers=_auth())

    assert failed.json()["state"] == "pending"
    assert not_theirs.status_code == 404
    assert bad_status.status_code == 400
    with in_public():
        delivery.refresh_from_db()
        assert delivery.attempts == 1
        assert "hỏng" in delivery.last_error
        assert HubAttempt.objects.get(delivery=delivery).ok is False


# --- the connector, against what loopback can show ---------------------------------------------


def _closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.django_db
def test_an_unreachable_peer_is_a_failure_to_retry(peer):
    peer.base_url = f"https://127.0.0.1:{_closed_port()}"
    packet = HubPacket(packet_id=uuid.uuid4(), kind="edoc", content=b"<edXML/>", sha256="0" * 64)

    with pytest.raises(DeliveryFailed) as caught:
        connector.packet_send(peer=peer, packet=packet)

    assert caught.value.permanent is False


@pytest.mark.django_db
def test_a_plain_http_peer_is_never_sent_our_secret(peer):
    peer.base_url = "http://127.0.0.1:1"  # in memory only: peer_create would refuse it
    packet = HubPacket(packet_id=uuid.uuid4(), kind="edoc", content=b"<edXML/>", sha256="0" * 64)

    with pytest.raises(DeliveryFailed) as caught:
        connector.packet_send(peer=peer, packet=packet)

    assert caught.value.permanent is True


@pytest.mark.django_db
def test_peer_add_refuses_a_plain_http_base_url(province):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="https"):
        call_command(
            "hub",
            "peer-add",
            "--system-id=x",
            "--base-url=http://hub.example",
            "--remote-system-id=y",
            "--remote-secret=z",
        )


# --- two deployments on loopback ---------------------------------------------------------------

X_ORG, Y_ORG = "000.00.31.H21", "000.00.31.H36"

SETUP = """
from core.audit import Actor
from core.tenancy import in_public
from interagency.hub.services.authority import authority_get
from interagency.hub.services.directory import directory_sync_tenants
from tenants.models import Domain
from tenants.services import public_tenant_ensure, tenant_create

actor = Actor(label="test")
province = public_tenant_ensure(name={province!r}, org_code={province_code!r})
with in_public():  # peers call this console by its address
    Domain.objects.get_or_create(
        domain="127.0.0.1", defaults={{"tenant": province, "purpose": "console", "is_primary": False}}
    )
tenant_create(actor=actor, name={name!r}, kind="department", org_code={code!r})
directory_sync_tenants(actor=actor)
report(authority_get().certificate)
"""

ISSUE = """
from types import SimpleNamespace
from interagency.exchange.tests.flows import issue_to, office
from tenants.models import Tenant

agency = Tenant.objects.get(org_code={sender!r})
recipient = SimpleNamespace(org_code={to!r}, name="Sở Y")
document = issue_to(agency, office(agency), [recipient], summary={summary!r})
report(document.pk)
"""

SENT_STATUSES = """
from core.tenancy import in_public, in_tenant
from interagency.exchange.models import ExchangeStatus, OutboxEntry
from interagency.hub.models import HubDelivery
from tenants.models import Tenant

agency = Tenant.objects.get(org_code={sender!r})
with in_tenant(agency):
    rows = ExchangeStatus.objects.filter(document_id={document}).order_by("id")
    codes = list(rows.values_list("status_code", flat=True))
    packet_id = OutboxEntry.objects.get(document_id={document}, kind="edoc").packet_id
with in_public():
    delivery = HubDelivery.objects.get(packet__packet_id=packet_id)
report({{"codes": codes, "delivery": [delivery.state, delivery.attempts, delivery.last_error]}})
"""

INBOX = """
from core.tenancy import in_tenant
from interagency.exchange.models import InboxItem
from tenants.models import Tenant

agency = Tenant.objects.get(org_code={code!r})
with in_tenant(agency):
    report(list(InboxItem.objects.order_by("id").values("exchange_id", "state", "sender_code", "summary")))
"""

ACCEPT = """
from core.tenancy import in_tenant
from interagency.exchange.models import InboxItem
from interagency.exchange.services.inbox import inbox_item_accept
from interagency.exchange.tests.flows import office
from tenants.models import Tenant

agency = Tenant.objects.get(org_code={code!r})
people = office(agency)
with in_tenant(agency):
    item = InboxItem.objects.get(summary={summary!r})
    document = inbox_item_accept(actor=people["clerk"], item=item)
    report(document.register_number)
"""


@pytest.fixture
def deployments(tmp_path):
    """Deployment A (province H21, agency Sở X) and B (province H36, agency Sở Y), each a peer of the
    other: TLS pinned to the other's certificate, signatures to the other's authority."""
    from interagency.exchange.tests.deployments import Deployment, Server

    server = Server.of_test_database()
    base = server.test_database[:40]  # beside the test database: runs in parallel never meet
    a = Deployment("A", f"{base}_a", "a.fed.test", tmp_path / "a", server)
    b = Deployment("B", f"{base}_b", "b.fed.test", tmp_path / "b", server)
    try:
        for deployment in (a, b):
            server.from_golden(deployment.database)
        for deployment in (a, b):
            deployment.start()
        setups = {
            a: SETUP.format(province="UBND tỉnh X", province_code="000.00.00.H21", name="Sở X", code=X_ORG),
            b: SETUP.format(province="UBND tỉnh Y", province_code="000.00.00.H36", name="Sở Y", code=Y_ORG),
        }
        with ThreadPoolExecutor(2) as pool:  # the two deployments are independent: set up side by side
            authorities = dict(zip((a, b), pool.map(lambda d: d.run(setups[d]), (a, b)), strict=True))
            secrets_at = {a: "secret-b-uses-at-a-0123456789", b: "secret-a-uses-at-b-0123456789"}

            def befriend(here, there, org: str, org_name: str) -> None:
                (here.directory / "peer-roots.pem").write_text(authorities[there])
                (here.directory / "peer-tls.pem").write_text(there.certificate)
                (here.directory / "organisations.csv").write_text(
                    f"org_code,name,hub_url\n{org},{org_name},{there.base_url}\n"
                )
                here.manage(
                    "hub",
                    "peer-add",
                    f"--system-id=tinhso-{there.label.lower()}",
                    f"--name=tinhso {there.label}",
                    f"--base-url={there.base_url}",
                    f"--remote-system-id=tinhso-{here.label.lower()}",
                    f"--remote-secret={secrets_at[there]}",
                    f"--secret={secrets_at[here]}",
                    f"--trust-roots={here.directory / 'peer-roots.pem'}",
                    f"--org-patterns={org}",
                    f"--tls-ca={here.directory / 'peer-tls.pem'}",
                )
                here.manage("directory", "import", str(here.directory / "organisations.csv"))

            for future in [
                pool.submit(befriend, a, b, Y_ORG, "Sở Y"),
                pool.submit(befriend, b, a, X_ORG, "Sở X"),
            ]:
                future.result()
        for deployment in (a, b):
            deployment.wait_ready()
        yield a, b
    finally:
        for deployment in (a, b):
            deployment.stop()


@pytest.mark.federation
def test_two_deployments_exchange_a_document_and_its_statuses_over_https(deployments):
    a, b = deployments
    # A's agency sends to B's: relayed at A, posted to B over HTTPS
    sent = a.run(ISSUE.format(sender=X_ORG, to=Y_ORG, summary="Về việc liên thông giữa hai tỉnh"))
    a.manage("hub", "work")
    assert b.run(INBOX.format(code=Y_ORG)) == []  # taken by B's hub, not yet delivered

    # B delivers it (01 goes back at once: B's hub posts it to A); A delivers the 01
    b.manage("hub", "work")
    items = b.run(INBOX.format(code=Y_ORG))
    assert [(i["state"], i["sender_code"]) for i in items] == [("arrived", X_ORG)]
    a.manage("hub", "work")
    report = a.run(SENT_STATUSES.format(sender=X_ORG, document=sent))
    assert report["codes"] == ["01"]
    assert report["delivery"][:2] == ["delivered", 1]

    # B's clerk accepts: 03 reaches A
    assert b.run(ACCEPT.format(code=Y_ORG, summary="Về việc liên thông giữa hai tỉnh")) == 1
    b.manage("hub", "work")
    a.manage("hub", "work")
    assert a.run(SENT_STATUSES.format(sender=X_ORG, document=sent))["codes"] == ["01", "03"]

    # The pull model once: A holds a packet for B, which lists, fetches and acks it
    a.run(
        "from interagency.hub.models import FederationPeer\n"
        'FederationPeer.objects.filter(system_id="tinhso-b").update(mode="pull")\nreport(1)'
    )
    held = a.run(ISSUE.format(sender=X_ORG, to=Y_ORG, summary="Gửi theo cách lấy về"))
    a.manage("hub", "work")
    assert a.run(SENT_STATUSES.format(sender=X_ORG, document=held))["delivery"] == ["pending", 0, ""]
    pulled = b.manage("hub", "peer-pull", "tinhso-a")
    assert "listed 1, accepted 1, refused 0, errors 0" in pulled.stdout, pulled.stdout + pulled.stderr
    again = b.manage("hub", "peer-pull", "tinhso-a")
    assert "listed 0, accepted 0" in again.stdout
    b.manage("hub", "work")
    a.manage("hub", "work")
    report = a.run(SENT_STATUSES.format(sender=X_ORG, document=held))
    assert report["delivery"][:2] == ["delivered", 1]  # the ack was the one try
    assert report["codes"] == ["01"]
    assert [i["summary"] for i in b.run(INBOX.format(code=Y_ORG))] == [
        "Về việc liên thông giữa hai tỉnh",
        "Gửi theo cách lấy về",
    ]
