"""The VXP API on the console host (`/vxp/`), in process with the real database: who gets in, what
an e-office product may send, what waits for it, and each call's refusals in the SDK's terms."""

from __future__ import annotations

import base64
import hashlib
from functools import partial
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from core.audit import Actor
from core.models import AuditEntry
from core.tenancy import in_public, in_tenant
from interagency.edxml.certificates import generate_authority, issue_certificate
from interagency.edxml.packets import Organisation, ResponseFor
from interagency.edxml.signatures import sign_packet
from interagency.edxml.tests.factories import DocumentPacketFactory, StatusPacketFactory
from interagency.edxml.writer import build
from interagency.exchange.models import ExchangeStatus, InboxItem
from interagency.exchange.tests.flows import issue_to, office
from interagency.hub.models import FederationPeer, HubDelivery, HubPacket
from interagency.hub.services import federation, vxp
from interagency.hub.services.deliveries import work
from interagency.hub.services.directory import directory_import_csv
from interagency.hub.services.sealing import unseal

SYSTEM = "vxp.saas.03"
SECRET = "A7TKG/r2gOKTEpe1MhWx6zw8O4JfzN0KkCRS6HZY81Ve"
PRODUCT_ORG = "000.00.12.G09"
OTHER_ORG = "000.00.13.G09"


@pytest.fixture(scope="module")
def product_authority() -> tuple[bytes, bytes]:
    return generate_authority("CA của phần mềm quản lý văn bản")


@pytest.fixture(scope="module")
def product_signer(product_authority) -> tuple[bytes, bytes]:
    key, cert = product_authority
    return issue_certificate(
        authority_key_pem=key, authority_cert_pem=cert, org_code=PRODUCT_ORG, org_name="Bộ Tư pháp (thử)"
    )


@pytest.fixture
def system(province, product_authority) -> FederationPeer:
    peer, secret = federation.peer_create(
        actor=Actor(label="test"),
        data=federation.PeerData(
            system_id=SYSTEM,
            name="Phần mềm QLVB của Bộ",
            base_url="",
            remote_system_id="",
            remote_secret="",
            trust_roots=product_authority[1].decode(),
            org_patterns=PRODUCT_ORG,
            protocol=FederationPeer.Protocol.VXP_SYSTEM,
        ),
        secret=SECRET,
    )
    assert secret == SECRET
    with in_public():
        result = directory_import_csv(
            actor=Actor(label="test"),
            content=f"org_code,name,hub_url\n{PRODUCT_ORG},Bộ Tư pháp (thử),{peer.base_url}\n".encode(),
        )
        assert not result.errors
    return peer


def _call(name: str, fields: dict[str, str] | None = None, *, secret: str = SECRET, body: bytes = b"", **kw):
    headers = vxp.sign(system_id=kw.pop("system_id", SYSTEM), secret=secret, fields=fields or {})
    client = Client(HTTP_HOST=settings.CONSOLE_HOST)
    return client.post(f"/vxp/{name}", data=body, content_type="application/octet-stream", headers=headers)


def _document(tenant, signer, *, sender: str = PRODUCT_ORG, number: int = 7) -> bytes:
    key, cert = signer
    packet = DocumentPacketFactory.build(
        sender=Organisation(sender, organ_name="Bộ Tư pháp (thử)"),
        recipients=(Organisation(tenant.org_code, organ_name=tenant.name),),
        document_id=f"{sender},2026/12/03,{number}/BTP-VP",
        trace=(),
    )
    return build(packet, sign=partial(sign_packet, key_pem=key, cert_pem=cert))


@pytest.mark.django_db
def test_the_secret_is_sealed_and_x_secret_never_opens_the_federation_endpoint(system):
    with in_public():
        stored = FederationPeer.objects.get(pk=system.pk)
    assert SECRET not in stored.vxp_secret
    assert unseal(stored.vxp_secret).decode() == SECRET
    assert stored.mode == FederationPeer.Mode.PULL
    assert stored.base_url == f"https://vxp.invalid/{SYSTEM}"
    answer = Client(HTTP_HOST=settings.CONSOLE_HOST).get(
        federation.PACKETS_PATH, headers={"X-System-Id": SYSTEM, "X-Secret": SECRET}
    )
    assert answer.status_code == 401


@pytest.mark.django_db
def test_a_wrong_secret_or_unknown_system_is_401_in_the_sdks_terms_and_audited(system):
    wrong = _call("getReceivedEdocList", secret="not-the-secret-at-all-0123")
    unknown = _call("getReceivedEdocList", system_id="nobody")
    unsigned = Client(HTTP_HOST=settings.CONSOLE_HOST).post(
        "/vxp/getReceivedEdocList", headers={vxp.SYSTEM_HEADER: SYSTEM}
    )
    for answer in (wrong, unknown, unsigned):
        assert answer.status_code == 401
        assert answer.json()["status"] == "FAIL"
        assert answer.json()["ErrorCode"] == "401"
        assert answer.json()["ErrorDesc"]
    with in_public():
        reasons = list(
            AuditEntry.objects.filter(action="hub.peer_auth_failed").values_list("detail__reason", flat=True)
        )
    assert sorted(reasons) == ["missing_credentials", "unknown_system_id", "wrong_secret"]


@pytest.mark.django_db
def test_headers_signed_for_another_system_are_refused(system):
    headers = vxp.sign(system_id=SYSTEM, secret=SECRET, fields={})
    headers[vxp.SYSTEM_HEADER] = "other"
    answer = Client(HTTP_HOST=settings.CONSOLE_HOST).post("/vxp/getReceivedEdocList", headers=headers)
    assert answer.status_code == 401


@pytest.mark.django_db
def test_a_sent_document_reaches_the_agency_once_even_sent_twice(system, tenant, product_signer):
    content = _document(tenant, product_signer)
    # The SDK sends the file then CRLF, and its own spelling of the SHA-256.
    digest = hashlib.sha256(content).digest()
    fields = {
        "from": PRODUCT_ORG,
        "servicetype": "eDoc",
        "messagetype": "edoc",
        "hash-file": vxp.sdk_hash(digest),
    }

    first = _call("sendEdoc", fields, body=content + b"\r\n")
    again = _call("sendEdoc", fields, body=content + b"\r\n")
    work()

    assert first.status_code == 200, first.content
    assert first.json()["ErrorCode"] == "0"
    assert again.json()["DocId"] == first.json()["DocId"]
    with in_public():
        packet = HubPacket.objects.get(kind="edoc")
        assert bytes(packet.content) == content
        assert packet.source == f"peer:{SYSTEM}"
    with in_tenant(tenant):
        assert InboxItem.objects.filter(sender_code=PRODUCT_ORG).count() == 1
    sent = _call("getSentEdocList", {"docId": first.json()["DocId"]}).json()
    assert [(row["toCode"], row["sendStatus"]) for row in sent["data"]] == [(tenant.org_code, "done")]


@pytest.mark.django_db
def test_sending_for_a_code_it_may_not_speak_for_is_403_or_400_never_500(
    system, tenant, product_authority, product_signer
):
    key, cert = product_authority
    other = issue_certificate(
        authority_key_pem=key, authority_cert_pem=cert, org_code=OTHER_ORG, org_name="X"
    )
    not_its_code = _call("sendEdoc", {"messagetype": "edoc"}, body=_document(tenant, other, sender=OTHER_ORG))
    for_our_agency = _call(
        "sendEdoc", {"messagetype": "edoc"}, body=_document(tenant, product_signer, sender=tenant.org_code)
    )
    wrong_from = _call(
        "sendEdoc", {"messagetype": "edoc", "from": OTHER_ORG}, body=_document(tenant, product_signer)
    )
    wrong_type = _call("sendEdoc", {"messagetype": "status"}, body=_document(tenant, product_signer))
    no_type = _call("sendEdoc", {}, body=_document(tenant, product_signer))
    bad_hash = _call(
        "sendEdoc", {"messagetype": "edoc", "hash-file": "00"}, body=_document(tenant, product_signer)
    )
    malformed = _call("sendEdoc", {"messagetype": "edoc"}, body=b"<not-edxml")
    empty = _call("sendEdoc", {"messagetype": "edoc"}, body=b"")

    for answer in (not_its_code, for_our_agency, wrong_from, wrong_type, no_type, bad_hash, malformed, empty):
        assert 400 <= answer.status_code < 500, answer.content
        assert answer.json()["status"] == "FAIL"
        assert answer.json()["ErrorCode"] == str(answer.status_code)
        assert answer.json()["DocId"] == ""
    assert "ngoài các mã được giao" in not_its_code.json()["ErrorDesc"]
    with in_public():
        assert not HubPacket.objects.exists()


@pytest.mark.django_db
def test_what_an_agency_sends_to_it_waits_until_it_acks(system, tenant, province):
    people = office(tenant)
    issue_to(tenant, people, [SimpleNamespace(org_code=PRODUCT_ORG, name="Bộ Tư pháp (thử)")])
    work()  # relayed; held for the system to take
    with in_public():
        delivery = HubDelivery.objects.get(recipient_code=PRODUCT_ORG)
        assert (delivery.state, delivery.attempts) == (HubDelivery.State.PENDING, 0)

    listed = _call("getReceivedEdocList", {"servicetype": "eDoc", "messagetype": "edoc"}).json()
    statuses = _call("getReceivedEdocList", {"servicetype": "eDoc", "messagetype": "status"}).json()
    counted = _call("countReceiveEdoc", {}).json()
    doc_id = listed["data"][0]["docId"]
    got = _call("getEdoc", {"docId": doc_id, "filePath": "xml"}).json()
    downloaded = _call("downloadEdoc", {"docId": doc_id})
    done = _call("updateStatus", {"docId": doc_id, "status": "done"}).json()
    after = _call("getReceivedEdocList", {"messagetype": "edoc"}).json()

    assert [row["from"] for row in listed["data"]] == [tenant.org_code]
    assert listed["data"][0]["to"] == PRODUCT_ORG
    assert statuses["data"] == []
    assert counted["count"] == 1
    assert base64.b64decode(got["data"]) == bytes(delivery.packet.content)
    assert downloaded.content == bytes(delivery.packet.content)
    assert done["ErrorCode"] == "0"
    assert after["data"] == []
    with in_public():
        delivery.refresh_from_db()
        assert delivery.state == HubDelivery.State.DELIVERED


@pytest.mark.django_db
def test_unknown_doc_ids_and_bad_statuses_are_refused_in_the_sdks_terms(system, tenant):
    for name in ("getEdoc", "updateStatus"):
        for doc_id in ("8af226c8-7cde-4fbe-88fe-e15a768b49cb", "not-a-uuid", ""):
            answer = _call(name, {"docId": doc_id, "status": "done"})
            assert answer.status_code == 404, (name, doc_id, answer.content)
            assert answer.json()["ErrorCode"] == "404"
    download = _call("downloadEdoc", {"docId": "8af226c8-7cde-4fbe-88fe-e15a768b49cb"})
    assert (download.status_code, download.content) == (404, b"")
    bad_status = _call("updateStatus", {"docId": "8af226c8-7cde-4fbe-88fe-e15a768b49cb", "status": "read"})
    assert bad_status.status_code == 400
    unknown_call = _call("dropDatabase", {})
    assert unknown_call.status_code == 404
    assert _call("registerAgency", {}).json()["ErrorCode"] == "403"


@pytest.mark.django_db
def test_another_systems_document_is_unknown_here(system, tenant, province, product_authority):
    federation.peer_create(
        actor=Actor(label="test"),
        data=federation.PeerData(
            system_id="other.system",
            name="Khác",
            base_url="",
            remote_system_id="",
            remote_secret="",
            trust_roots=product_authority[1].decode(),
            org_patterns=OTHER_ORG,
            protocol=FederationPeer.Protocol.VXP_SYSTEM,
        ),
        secret="other-system-secret-0123456789",
    )
    issue_to(tenant, office(tenant), [SimpleNamespace(org_code=PRODUCT_ORG, name="Bộ")])
    work()
    doc_id = _call("getReceivedEdocList", {}).json()["data"][0]["docId"]
    theirs = _call(
        "getEdoc", {"docId": doc_id}, system_id="other.system", secret="other-system-secret-0123456789"
    )
    assert theirs.status_code == 404
    assert (
        _call(
            "getReceivedEdocList", {}, system_id="other.system", secret="other-system-secret-0123456789"
        ).json()["data"]
        == []
    )


@pytest.mark.django_db
def test_the_directory_lists_our_agencies_and_the_others(system, tenant):
    answer = _call("getAgenciesList", {}).json()
    codes = [row["code"] for row in answer["data"]]
    assert PRODUCT_ORG in codes
    assert answer["ErrorCode"] == "0"


@pytest.mark.django_db
def test_a_status_it_sends_about_a_document_it_received_reaches_the_sender(
    system, tenant, province, product_signer
):
    people = office(tenant)
    document = issue_to(tenant, people, [SimpleNamespace(org_code=PRODUCT_ORG, name="Bộ Tư pháp (thử)")])
    work()
    with in_public():
        original = HubPacket.objects.get(kind="edoc")
    key, cert = product_signer
    status = StatusPacketFactory.build(
        sender=Organisation(PRODUCT_ORG, organ_name="Bộ Tư pháp (thử)"),
        response_for=ResponseFor(organ_id=tenant.org_code, document_id=original.document_id),
        status_code="01",
        timestamp=timezone.localtime().replace(microsecond=0),
    )
    content = build(status, sign=partial(sign_packet, key_pem=key, cert_pem=cert))
    answer = _call("sendEdoc", {"messagetype": "status", "from": PRODUCT_ORG}, body=content)
    work()
    assert answer.json()["ErrorCode"] == "0", answer.content
    with in_tenant(tenant):
        assert list(
            ExchangeStatus.objects.filter(document=document).values_list("status_code", flat=True)
        ) == ["01"]
