"""Who may say what through the hub: the attacks of issue 11, each through real parts (the
federation endpoint over HTTP with a registered peer, the hub's services, the tenants' schemas).

Our department is `tenant` (A), Mang Yang is `other_tenant` (B); the other province's hub is the
peer `other-hub`, which speaks for the codes `*.H36` and signs with its own authority.
"""

from __future__ import annotations

import hashlib
import uuid
from functools import partial

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from core.audit import Actor
from core.errors import ApplicationError
from core.tenancy import in_public, in_tenant
from interagency.edxml.certificates import generate_authority, issue_certificate
from interagency.edxml.codes import VIETNAM_TZ
from interagency.edxml.packets import DocumentPacket, Organisation, ReplacementInfo, ResponseFor, StatusPacket
from interagency.edxml.signatures import sign_packet
from interagency.edxml.tests.factories import DocumentPacketFactory
from interagency.edxml.writer import build
from interagency.exchange.models import ExchangeStatus, InboxItem, OutboxEntry, ReceivedPacket
from interagency.exchange.services.arrivals import packet_receive
from interagency.exchange.services.inbox import inbox_item_accept, inbox_item_answer
from interagency.exchange.services.keys import signing_hook
from interagency.exchange.tests.flows import issue_to, office
from interagency.hub.models import FederationPeer, HubDelivery, HubPacket
from interagency.hub.services import federation
from interagency.hub.services.authority import trust_roots
from interagency.hub.services.deliveries import work
from interagency.hub.services.directory import directory_import_csv, directory_sync_tenants
from interagency.hub.services.packets import Handed, PacketRefused, packet_accept, packets_accept
from qlvbdh.models import Document

pytestmark = pytest.mark.django_db

SECRET = "peer-secret-0123456789abcdef"
FOREIGN_ORG = "000.00.31.H36"
OTHER_FOREIGN_ORG = "000.00.32.H36"
PEER_URL = "https://hub.other-province.example"
PACKETS = federation.PACKETS_PATH


@pytest.fixture(scope="module")
def foreign_authority() -> tuple[bytes, bytes]:
    return generate_authority("Tổ chức chứng thực tỉnh khác")


def _signer(authority: tuple[bytes, bytes], org_code: str) -> tuple[bytes, bytes]:
    key, cert = authority
    return issue_certificate(authority_key_pem=key, authority_cert_pem=cert, org_code=org_code, org_name="Sở")


@pytest.fixture(scope="module")
def foreign_signer(foreign_authority) -> tuple[bytes, bytes]:
    return _signer(foreign_authority, FOREIGN_ORG)


def _peer_data(system_id: str, roots: str, base_url: str = PEER_URL) -> federation.PeerData:
    return federation.PeerData(
        system_id=system_id,
        name="Trục tỉnh khác",
        base_url=base_url,
        remote_system_id="tinhso-test",
        remote_secret="our-secret-at-the-other-hub",
        trust_roots=roots,
        org_patterns="*.H36\n",
    )


@pytest.fixture
def peer(province, tenant, other_tenant, foreign_authority) -> FederationPeer:
    created, _secret = federation.peer_create(
        actor=Actor(label="test"), data=_peer_data("other-hub", foreign_authority[1].decode()), secret=SECRET
    )
    with in_public():
        directory_sync_tenants(actor=Actor(label="test"))
        directory_import_csv(
            actor=Actor(label="test"),
            content=f"org_code,name,hub_url\n{FOREIGN_ORG},Sở Y tỉnh khác,{PEER_URL}\n".encode(),
        )
    return created


def _signed(packet, signer: tuple[bytes, bytes]) -> bytes:
    key, cert = signer
    return build(packet, sign=partial(sign_packet, key_pem=key, cert_pem=cert))


def _document(sender: str, recipient, *, document_id: str = "", **fields) -> DocumentPacket:
    return DocumentPacketFactory.build(
        sender=Organisation(sender, organ_name="Cơ quan gửi"),
        recipients=(Organisation(recipient.org_code, organ_name=recipient.name),),
        document_id=document_id or f"{sender},2026/11/20,125/SYT-VP",
        trace=(),
        **fields,
    )


def _status(sender: str, addressee: str, document_id: str, code: str) -> StatusPacket:
    return StatusPacket(
        sender=Organisation(sender, organ_name="Cơ quan"),
        response_for=ResponseFor(organ_id=addressee, document_id=document_id, code="1/X"),
        status_code=code,
        timestamp=timezone.now().astimezone(VIETNAM_TZ).replace(microsecond=0),
        description="Đề nghị",
    )


def _post(content: bytes, *, packet_id: str | None = None, kind: str = "edoc", system_id: str = "other-hub"):
    return Client(HTTP_HOST=settings.CONSOLE_HOST).post(
        PACKETS,
        data=content,
        content_type="application/xml",
        headers={
            "X-System-Id": system_id,
            "X-Secret": SECRET,
            "X-Packet-Id": packet_id or str(uuid.uuid4()),
            "X-Content-SHA256": hashlib.sha256(content).hexdigest(),
            "X-Message-Type": kind,
        },
    )


def _items(tenant) -> list[InboxItem]:
    with in_tenant(tenant):
        return list(InboxItem.objects.order_by("id"))


def _sent_and_accepted(a, b) -> tuple[Document, str, Document]:
    """A issues a document to B, B's clerk accepts it: (A's document, its DocumentId, B's copy)."""
    sent = issue_to(a, office(a), [b])
    work()
    with in_tenant(a):
        document_id = OutboxEntry.objects.get(document=sent, kind="edoc").exchange_id
    with in_tenant(b):
        copy = inbox_item_accept(
            actor=office(b)["clerk"], item=InboxItem.objects.get(exchange_id=document_id)
        )
    work()
    return sent, document_id, copy


# --- 1. peers must have trust roots ---------------------------------------------------------------


def test_a_peer_cannot_be_registered_without_trust_roots(province):
    with pytest.raises(ApplicationError, match="chứng thư gốc"):
        federation.peer_create(actor=Actor(label="test"), data=_peer_data("no-roots", ""), secret=SECRET)
    with in_public():
        assert not FederationPeer.objects.exists()


def test_a_peer_without_trust_roots_cannot_deliver_an_unsigned_packet_as_our_department(
    peer, tenant, other_tenant
):
    # given: a peer registered before roots were required
    with in_public():
        FederationPeer.objects.filter(pk=peer.pk).update(trust_roots="", org_patterns="*")
    forged = build(_document(tenant.org_code, other_tenant))  # unsigned, "from" our department

    response = _post(forged)
    work()

    assert response.status_code == 400
    assert "chứng thư gốc" in response.json()["detail"]
    with in_public():
        assert not HubPacket.objects.exists()
    assert _items(other_tenant) == []


def test_an_unsigned_packet_from_a_peer_with_roots_is_refused(peer, other_tenant):
    response = _post(build(_document(FOREIGN_ORG, other_tenant)))

    assert response.status_code == 400
    with in_public():
        assert not HubPacket.objects.exists()


# --- 2. a peer speaks only for its own organisations, never for ours ------------------------------


def test_a_peer_cannot_speak_for_our_department_even_with_its_own_certificate_for_it(
    peer, tenant, other_tenant, foreign_authority
):
    # given: the peer claims everything, and its authority certified our department's code
    with in_public():
        FederationPeer.objects.filter(pk=peer.pk).update(org_patterns="*\n*.H21")
    impostor = _signer(foreign_authority, tenant.org_code)
    forged = _signed(_document(tenant.org_code, other_tenant), impostor)

    response = _post(forged)
    work()

    assert response.status_code == 400
    assert tenant.org_code in response.json()["detail"]
    with in_public():
        assert not HubPacket.objects.exists()
    assert _items(other_tenant) == []


@pytest.mark.parametrize("ours", ["province", "directory"])
def test_a_peer_cannot_speak_for_the_province_or_a_directory_agency(
    peer, province, other_tenant, foreign_authority, ours
):
    code = province.org_code if ours == "province" else "000.00.77.H21"
    if ours == "directory":
        with in_public():
            from interagency.hub.models import Organisation as DirectoryEntry

            DirectoryEntry.objects.create(org_code=code, name="Sở chưa có không gian", kind="tenant")
    with in_public():
        FederationPeer.objects.filter(pk=peer.pk).update(org_patterns="*")

    response = _post(_signed(_document(code, other_tenant), _signer(foreign_authority, code)))

    assert response.status_code == 400
    with in_public():
        assert not HubPacket.objects.exists()


def test_a_peer_speaks_only_for_the_codes_of_its_patterns(
    peer, other_tenant, foreign_authority, foreign_signer
):
    outsider = "000.00.31.H40"  # not *.H36
    refused = _post(_signed(_document(outsider, other_tenant), _signer(foreign_authority, outsider)))
    allowed = _post(_signed(_document(FOREIGN_ORG, other_tenant), foreign_signer))
    work()

    assert refused.status_code == 400
    assert outsider in refused.json()["detail"]
    assert allowed.status_code == 201
    assert [item.sender_code for item in _items(other_tenant)] == [FOREIGN_ORG]


def test_the_certificate_must_be_the_senders_own(peer, other_tenant, foreign_signer):
    # OTHER_FOREIGN_ORG is within the peer's patterns, but the certificate is FOREIGN_ORG's
    response = _post(_signed(_document(OTHER_FOREIGN_ORG, other_tenant), foreign_signer))

    assert response.status_code == 400
    with in_public():
        assert not HubPacket.objects.exists()


# --- 3. a foreign replacement does not revoke our department's document --------------------------


def test_a_foreign_replacement_naming_our_document_is_refused_and_revokes_nothing(
    peer, tenant, other_tenant, foreign_signer
):
    _sent, document_id, copy = _sent_and_accepted(tenant, other_tenant)
    replacement = _document(
        FOREIGN_ORG,
        other_tenant,
        business_doc_type=3,
        replacements=(ReplacementInfo(document_id=document_id, organ_ids=(other_tenant.org_code,)),),
    )

    response = _post(_signed(replacement, foreign_signer))
    work()

    assert response.status_code == 400
    assert document_id in response.json()["detail"]
    assert [item.exchange_id for item in _items(other_tenant)] == [document_id]
    with in_tenant(other_tenant):
        assert Document.objects.get(pk=copy.pk).status != Document.Status.REVOKED


def test_at_the_receiver_a_replacement_acts_only_on_the_same_senders_document(
    tenant, other_tenant, province, foreign_signer
):
    # given: a replacement from a foreign organisation that reached Mang Yang anyhow
    _sent, document_id, copy = _sent_and_accepted(tenant, other_tenant)
    replacement = _document(
        FOREIGN_ORG,
        other_tenant,
        business_doc_type=3,
        replacements=(ReplacementInfo(document_id=document_id, organ_ids=(other_tenant.org_code,)),),
    )
    content = _signed(replacement, foreign_signer)
    with in_tenant(other_tenant):
        assert packet_receive(content=content, packet_id=uuid.uuid4(), sha256="0" * 64) == "arrived"
        item = InboxItem.objects.get(sender_code=FOREIGN_ORG)

        # when: the clerk accepts it
        inbox_item_accept(actor=office(other_tenant)["clerk"], item=item)

        # then: the department's document stays as it was
        assert Document.objects.get(pk=copy.pk).status != Document.Status.REVOKED


# --- 4. DocumentId squatting -----------------------------------------------------------------------


def test_a_peer_cannot_squat_our_departments_next_document_id(peer, tenant, other_tenant, foreign_signer):
    squatted = f"{tenant.org_code},{timezone.localdate():%Y/%m/%d},1/STN"
    response = _post(_signed(_document(FOREIGN_ORG, other_tenant, document_id=squatted), foreign_signer))

    assert response.status_code == 400
    assert squatted in response.json()["detail"]
    with in_public():
        assert not HubPacket.objects.exists()


def test_the_genuine_document_is_registered_even_after_a_squatter_reached_the_receiver(
    province, tenant, other_tenant, foreign_signer
):
    # given: A's document waits at the hub (B is suspended) ...
    other_tenant.status = "suspended"
    other_tenant.save(update_fields=["status"])
    sent = issue_to(tenant, office(tenant), [other_tenant])
    work()
    with in_tenant(tenant):
        document_id = OutboxEntry.objects.get(document=sent, kind="edoc").exchange_id
    # ... while a packet squatting its DocumentId reached B first
    squatter = _signed(_document(FOREIGN_ORG, other_tenant, document_id=document_id), foreign_signer)
    with in_tenant(other_tenant):
        assert packet_receive(content=squatter, packet_id=uuid.uuid4(), sha256="0" * 64) == "arrived"

    # when: B is back and the genuine document is delivered
    other_tenant.status = "active"
    other_tenant.save(update_fields=["status"])
    with in_public():
        HubDelivery.objects.update(next_attempt_at=timezone.now())
    work()

    # then: it arrived as A's, and A sees it arrived
    genuine = [item for item in _items(other_tenant) if item.sender_code == tenant.org_code]
    assert [(item.exchange_id, item.state) for item in genuine] == [(document_id, "arrived")]
    with in_tenant(tenant):
        assert list(ExchangeStatus.objects.filter(document=sent).values_list("status_code", flat=True)) == [
            "01"
        ]


# --- 5. forged revoke requests and statuses --------------------------------------------------------


def test_a_forged_revoke_request_from_our_department_is_refused_and_no_status_15_follows(
    peer, tenant, other_tenant, foreign_authority
):
    sent, document_id, _copy = _sent_and_accepted(tenant, other_tenant)
    with in_public():
        FederationPeer.objects.filter(pk=peer.pk).update(org_patterns="*")
    impostor = _signer(foreign_authority, tenant.org_code)
    forged = _signed(_status(tenant.org_code, other_tenant.org_code, document_id, "13"), impostor)

    response = _post(forged, kind="status")
    work()

    assert response.status_code == 400
    item = _items(other_tenant)[0]
    assert item.request is None
    with in_tenant(tenant):
        codes = list(ExchangeStatus.objects.filter(document=sent).values_list("status_code", flat=True))
    assert codes == ["01", "03"]


def test_a_revoke_request_from_anyone_but_the_original_sender_is_refused(
    peer, tenant, other_tenant, foreign_signer
):
    _sent, document_id, _copy = _sent_and_accepted(tenant, other_tenant)
    as_status = _signed(_status(FOREIGN_ORG, other_tenant.org_code, document_id, "13"), foreign_signer)
    as_business = _signed(
        _document(FOREIGN_ORG, other_tenant, business_doc_type=1, business_document_id=document_id),
        foreign_signer,
    )

    responses = [_post(as_status, kind="status"), _post(as_business)]
    work()

    assert [response.status_code for response in responses] == [400, 400]
    assert _items(other_tenant)[0].request is None


def test_a_revoke_request_through_another_route_than_the_document_came_by_is_refused(
    peer, other_tenant, foreign_authority, foreign_signer
):
    # given: a document from FOREIGN_ORG came through other-hub; a second peer also serves *.H36
    document_id = f"{FOREIGN_ORG},2026/11/20,125/SYT-VP"
    assert _post(_signed(_document(FOREIGN_ORG, other_tenant), foreign_signer)).status_code == 201
    federation.peer_create(
        actor=Actor(label="test"),
        data=_peer_data("second-hub", foreign_authority[1].decode(), "https://hub.second.example"),
        secret=SECRET,
    )
    revoke = _signed(_status(FOREIGN_ORG, other_tenant.org_code, document_id, "13"), foreign_signer)

    through_second = _post(revoke, kind="status", system_id="second-hub")
    through_first = _post(revoke, kind="status")

    assert through_second.status_code == 400
    assert through_first.status_code == 201


def test_a_status_15_is_recorded_only_for_a_request_the_sender_made(tenant, other_tenant, province):
    # given: A sent a document to B and never asked for it back
    sent, document_id, _copy = _sent_and_accepted(tenant, other_tenant)
    with in_tenant(other_tenant):
        agreed = build(
            _status(other_tenant.org_code, tenant.org_code, document_id, "15"), sign=signing_hook()
        )

    # when: a 15 about it arrives at A
    with in_tenant(tenant):
        outcome = packet_receive(content=agreed, packet_id=uuid.uuid4(), sha256="0" * 64)
        codes = list(ExchangeStatus.objects.filter(document=sent).values_list("status_code", flat=True))

    # then: ignored
    assert outcome == "ignored"
    assert codes == ["01", "03"]


def test_a_status_15_answers_a_request_the_sender_made(tenant, other_tenant, province):
    from qlvbdh.services.documents import document_revoke

    sent, _document_id, _copy = _sent_and_accepted(tenant, other_tenant)
    with in_tenant(tenant):
        document_revoke(actor=office(tenant)["head"], document=sent, reason="Sai số liệu")
    work()
    with in_tenant(other_tenant):
        inbox_item_answer(actor=office(other_tenant)["clerk"], item=InboxItem.objects.get(), agree=True)
    work()

    with in_tenant(tenant):
        codes = list(ExchangeStatus.objects.filter(document=sent).values_list("status_code", flat=True))
    assert codes == ["01", "03", "13", "15"]


def test_a_status_from_an_organisation_the_document_was_not_sent_to_is_refused_at_the_hub(
    tenant, other_tenant, third_tenant, province
):
    _sent, document_id, _copy = _sent_and_accepted(tenant, other_tenant)
    with in_tenant(third_tenant):
        forged = build(
            _status(third_tenant.org_code, tenant.org_code, document_id, "03"), sign=signing_hook()
        )

    with in_public(), pytest.raises(PacketRefused):
        packet_accept(
            content=forged, packet_id=uuid.uuid4(), source="tenant:c", expected_sender=third_tenant.org_code
        )


def test_in_a_relay_batch_each_status_is_judged_on_its_own_document(
    tenant, other_tenant, third_tenant, province
):
    # given: A sent one document to B and another to C only
    _sent, to_b, _copy = _sent_and_accepted(tenant, other_tenant)
    _other, to_c, _copy_c = _sent_and_accepted(tenant, third_tenant)
    with in_tenant(other_tenant):
        genuine = build(_status(other_tenant.org_code, tenant.org_code, to_b, "05"), sign=signing_hook())
        forged = build(_status(other_tenant.org_code, tenant.org_code, to_c, "05"), sign=signing_hook())

    # when: B's relay hands both to the hub in one batch (their checks' look-ups made together)
    with in_public():
        source, code = f"tenant:{other_tenant.schema_name}", other_tenant.org_code
        outcomes = packets_accept(
            packets=[Handed(forged, uuid.uuid4(), source, code), Handed(genuine, uuid.uuid4(), source, code)],
            roots=trust_roots(),
        )

    # then: the status about C's document is refused, the one about B's own is taken
    assert isinstance(outcomes[0], PacketRefused)
    assert isinstance(outcomes[1], HubPacket)
    assert outcomes[1].status_code == "05"


# --- 6. replays --------------------------------------------------------------------------------


def test_a_replay_under_another_packet_id_is_answered_as_the_original(peer, other_tenant, foreign_signer):
    content = _signed(_document(FOREIGN_ORG, other_tenant), foreign_signer)
    first_id = str(uuid.uuid4())

    first = _post(content, packet_id=first_id)
    replay = _post(content)
    work()

    assert first.status_code == 201
    assert replay.status_code == 200
    assert replay.json() == {"packet_id": first_id, "sha256": first.json()["sha256"], "created": False}
    with in_public():
        assert HubPacket.objects.filter(kind="edoc").count() == 1
        assert HubDelivery.objects.filter(packet__kind="edoc").count() == 1
    with in_tenant(other_tenant):
        assert ReceivedPacket.objects.count() == 1
    assert len(_items(other_tenant)) == 1


def test_a_peer_cannot_send_a_second_document_under_an_id_it_already_used_for_the_same_recipient(
    peer, other_tenant, foreign_signer
):
    first = _post(_signed(_document(FOREIGN_ORG, other_tenant), foreign_signer))
    other = _post(_signed(_document(FOREIGN_ORG, other_tenant, subject="Một văn bản khác"), foreign_signer))

    assert (first.status_code, other.status_code) == (201, 400)
    with in_public():
        assert HubPacket.objects.count() == 1


def test_the_receiver_keeps_document_ids_per_sender(tenant, other_tenant, third_tenant, province):
    # The receiver keeps DocumentIds per sender: the same id from two senders makes two items.
    shared = "000.00.99.H21,2026/11/20,1/X"  # neither sender's
    for sender in (tenant, third_tenant):
        with in_tenant(sender):
            content = build(
                _document(sender.org_code, other_tenant, document_id=shared, subject=sender.name),
                sign=signing_hook(),
            )
        with in_tenant(other_tenant):
            assert packet_receive(content=content, packet_id=uuid.uuid4(), sha256="0" * 64) == "arrived"
    assert sorted(item.sender_code for item in _items(other_tenant)) == sorted(
        [tenant.org_code, third_tenant.org_code]
    )
