"""Tolerant reading, strict writing: packets that deviate from the standard in a way that leaves
sender, recipient and document unambiguous come in through a peer with warnings, reach the clerk
with them, and are registered as their sender wrote them; what tinhso writes has none."""

from __future__ import annotations

import hashlib
import io
import uuid
from datetime import date
from functools import partial
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from core.audit import Actor
from core.tenancy import in_public, in_tenant
from interagency.edxml.packets import Organisation
from interagency.edxml.reader import parse
from interagency.edxml.signatures import sign_packet
from interagency.edxml.tests.factories import DocumentPacketFactory
from interagency.edxml.writer import build
from interagency.exchange.models import InboxItem, OutboxEntry
from interagency.exchange.services.inbox import inbox_item_accept
from interagency.exchange.tests.deviant import (
    DEVIANT,
    DEVIANTS,
    FOREIGN,
    SENDERS,
    Deviant,
    carries,
    deviant_packet,
    foreign_authority,
    foreign_certificate,
)
from interagency.exchange.tests.flows import PDF, issue_to, office
from interagency.hub.models import FederationPeer, HubDelivery, HubPacket
from interagency.hub.services import federation
from interagency.hub.services.deliveries import deliver_due, work
from interagency.hub.services.directory import directory_import_csv, directory_lookup
from qlvbdh.models import Document

pytestmark = pytest.mark.django_db

SECRET = "vxp-peer-secret-0123456789abcdef"
PEER_URL = "https://vxp.other-system.example"
BY_FILE = {deviant.file: deviant for deviant in DEVIANTS}


@pytest.fixture(scope="module")
def authority() -> tuple[bytes, bytes]:
    return foreign_authority()


@pytest.fixture(scope="module")
def signers(authority) -> dict[str, tuple[bytes, bytes]]:
    return {code: foreign_certificate(authority, code) for code in SENDERS}


@pytest.fixture
def peer(province, authority) -> FederationPeer:
    """Another system that speaks for the deviant packets' senders, listed in the directory."""
    created, _secret = federation.peer_create(
        actor=Actor(label="test"),
        data=federation.PeerData(
            system_id="vxp",
            name="Hệ thống khác",
            base_url=PEER_URL,
            remote_system_id="tinhso-test",
            remote_secret="our-secret-there",
            trust_roots=authority[1].decode(),
        ),
        secret=SECRET,
    )
    with in_public():
        FederationPeer.objects.filter(pk=created.pk).update(
            org_patterns="000.00.45.H36\n000.00.31.H3A\nvxp.saas.*"
        )
        rows = "".join(f"{code},Cơ quan {code},{PEER_URL}\n" for code in SENDERS)
        imported = directory_import_csv(
            actor=Actor(label="test"), content=f"org_code,name,hub_url\n{rows}".encode()
        )
        assert imported.errors == []
    created.refresh_from_db()
    return created


def _post(content: bytes) -> Any:
    return Client(HTTP_HOST=settings.CONSOLE_HOST).post(
        federation.PACKETS_PATH,
        data=content,
        content_type="application/xml",
        headers={
            "X-System-Id": "vxp",
            "X-Secret": SECRET,
            "X-Packet-Id": str(uuid.uuid4()),
            "X-Content-SHA256": hashlib.sha256(content).hexdigest(),
            "X-Message-Type": "edoc",
        },
    )


def _arrive(deviant: Deviant, signers, tenant) -> tuple[HubPacket, InboxItem]:
    response = _post(deviant_packet(deviant, signers[deviant.sender], to=tenant.org_code))
    assert response.status_code == 201, response.content.decode()
    deliver_due()
    with in_public():
        packet = HubPacket.objects.get(packet_id=response.json()["packet_id"])
    with in_tenant(tenant):
        item = InboxItem.objects.get(packet_id=packet.packet_id)
    return packet, item


@pytest.mark.parametrize("deviant", DEVIANTS, ids=[d.file for d in DEVIANTS])
def test_a_deviant_packet_is_accepted_with_its_warning_on_the_hub_and_in_the_inbox(
    deviant, peer, tenant, signers
):
    # when: the peer posts it, and the hub delivers it
    packet, item = _arrive(deviant, signers, tenant)

    # then: taken, signed and trusted, with the warning on the packet and on the clerk's item
    assert packet.signature == HubPacket.Signature.VALID
    assert carries(packet.warnings, deviant), packet.warnings
    assert carries(item.warnings, deviant), item.warnings
    assert item.state == InboxItem.State.ARRIVED
    assert deviant.subject in item.summary
    assert item.sender_code == deviant.sender  # verbatim, whatever scheme


def test_a_standard_packet_carries_no_warning(peer, tenant, signers):
    key, cert = signers[FOREIGN]
    sound = DocumentPacketFactory.build(
        sender=Organisation(FOREIGN, organ_name="Sở Y tế tỉnh Lâm Đồng"),
        recipients=(Organisation(tenant.org_code, organ_name=tenant.name),),
        document_id=f"{FOREIGN},2026/11/20,30/SYT-VP",
        code_number="30",
        code_notation="SYT-VP",
        trace=(),
    )

    response = _post(build(sound, sign=partial(sign_packet, key_pem=key, cert_pem=cert)))
    deliver_due()

    assert response.status_code == 201, response.content.decode()
    with in_public():
        assert HubPacket.objects.get().warnings == []
    with in_tenant(tenant):
        assert InboxItem.objects.get().warnings == []


def test_another_schemes_code_is_kept_verbatim_registered_and_answered_through_the_directory(
    peer, tenant, signers
):
    deviant = BY_FILE["org_other_scheme.edxml"]
    packet, item = _arrive(deviant, signers, tenant)
    people = office(tenant)

    with in_tenant(tenant):
        document = inbox_item_accept(actor=people["clerk"], item=item)
    work()

    assert packet.sender_code == "vxp.saas.03"
    assert document.issuer_code == "vxp.saas.03"
    with in_public():
        assert directory_lookup("VXP.SAAS.03") is not None  # found whatever the case
        answers = HubDelivery.objects.filter(recipient_code="vxp.saas.03").order_by("id")
        # 01 (arrived) and 03 (accepted) go back to the sender, pushed to the peer behind it (which
        # does not exist here: tried, and waiting for the next try)
        assert [(d.packet.status_code, d.target, d.state) for d in answers] == [
            ("01", HubDelivery.Target.PEER, HubDelivery.State.PENDING),
            ("03", HubDelivery.Target.PEER, HubDelivery.State.PENDING),
        ]


def test_a_long_code_number_is_registered_as_its_sender_wrote_it(peer, tenant, signers, signed_in):
    _packet, item = _arrive(BY_FILE["code_number_long.edxml"], signers, tenant)
    people = office(tenant)

    with in_tenant(tenant):
        document = inbox_item_accept(actor=people["clerk"], item=item)
        page = signed_in(Client(), people["clerk"].user, tenant=tenant).get(f"/documents/{document.uuid}/")

    assert item.number == "2026-000017-VP"
    assert document.number == "2026-000017-VP"
    assert "2026-000017-VP/SYT-VP" in page.content.decode()


def test_a_date_written_day_first_is_read_as_that_day(peer, tenant, signers):
    _packet, item = _arrive(BY_FILE["date_day_first.edxml"], signers, tenant)

    assert item.issued_on == date(2026, 11, 20)
    assert item.metadata["due_date"] == "2026-12-01"
    assert carries(item.warnings, Deviant("", "", "T.MessageHeader.DueDate", ""))


def test_a_broken_attachment_is_kept_raw_and_flagged_while_the_document_is_registered(peer, tenant, signers):
    packet, item = _arrive(BY_FILE["attachment_not_zip.edxml"], signers, tenant)
    people = office(tenant)

    with in_tenant(tenant):
        document = inbox_item_accept(actor=people["clerk"], item=item)
        files = list(document.attachments.all())
        kept = files[0].file.open("rb").read() if files else b""
        item.refresh_from_db()

    assert document.direction == Document.Direction.INCOMING
    assert document.register_number == 1
    assert [(f.original_name, f.content_type) for f in files] == [
        ("cong-van.pdf.raw", "application/octet-stream")
    ]
    assert kept == PDF  # the bytes as they came, to be checked by a person
    assert any(w.startswith("T.AttachmentEncoded.Attachment[1]:") for w in packet.warnings)
    assert any(w.startswith("T.AttachmentEncoded.Attachment[1]:") for w in item.warnings)


def test_the_clerk_sees_the_warnings_on_the_inbox_list_and_the_item(peer, tenant, signers, signed_in):
    _packet, item = _arrive(BY_FILE["date_day_first.edxml"], signers, tenant)
    clerk = signed_in(Client(), office(tenant)["clerk"].user, tenant=tenant)

    listing = clerk.get("/hub/inbox/").content.decode()
    page = clerk.get(f"/hub/inbox/{item.uuid}/").content.decode()
    api = clerk.get(f"/api/v1/hub/inbox/{item.uuid}/").json()

    assert "data-warnings" in listing
    assert "Điểm chưa đúng chuẩn" in page
    assert "Ngày ban hành: viết không theo định dạng chuẩn; hệ thống đã đọc được." in page
    assert "T.MessageHeader.PromulgationInfo.PromulgationDate:" in page  # the technical line
    assert api["warnings"] == item.warnings


def test_an_item_without_warnings_shows_no_marker(peer, tenant, signed_in):
    issue_to(tenant, office(tenant), [tenant])  # tinhso writes it: no warning
    work()
    with in_tenant(tenant):
        item = InboxItem.objects.get()
    clerk = signed_in(Client(), office(tenant)["clerk"].user, tenant=tenant)

    assert item.warnings == []
    assert "data-warnings" not in clerk.get("/hub/inbox/").content.decode()
    assert "Điểm chưa đúng chuẩn" not in clerk.get(f"/hub/inbox/{item.uuid}/").content.decode()


def test_the_operator_sees_the_warnings_on_the_packet_page(peer, tenant, signers, make_user, signed_in):
    packet, _item = _arrive(BY_FILE["org_other_scheme.edxml"], signers, tenant)
    operator = make_user(None, "hub.operator", roles=("operator",))

    page = signed_in(Client(), operator).get(f"/hub/packets/{packet.packet_id}/").content.decode()

    assert "data-warnings" in page
    assert "Cơ quan gửi: mã định danh theo hệ thống mã khác; được giữ nguyên như bên gửi ghi." in page
    assert "M.MessageHeader.From.OrganId:" in page


def test_what_tinhso_writes_passes_the_strict_reader(province, tenant, other_tenant):
    issue_to(tenant, office(tenant), [other_tenant])
    work()  # relayed, delivered; 01 comes back
    with in_tenant(other_tenant):
        inbox_item_accept(actor=office(other_tenant)["clerk"], item=InboxItem.objects.get())
    work()  # 03 goes back

    written = []
    for agency in (tenant, other_tenant):
        with in_tenant(agency):
            written += [bytes(e.content or b"") for e in OutboxEntry.objects.exclude(content=None)]

    assert len(written) == 3  # the document, 01 and 03
    for content in written:
        assert parse(content, strict=True).warnings == ()


@pytest.mark.parametrize("deviant", DEVIANTS, ids=[d.file for d in DEVIANTS])
def test_edxml_check_prints_each_fixtures_warning_and_exits_0(deviant):
    path = DEVIANT / deviant.file
    out = io.StringIO()

    call_command("edxml", "check", str(path), stdout=out)  # raises CommandError on a refusal

    lines = out.getvalue().splitlines()
    assert lines[0].startswith(f"OK\t{path}\tedoc-new\t")
    warned = [line.split("\t", 2)[2] for line in lines[1:] if line.startswith("WARN\t")]
    if deviant.file == "attachment_not_zip.edxml":  # the command names the file it could not read
        assert any("cong-van.pdf" in line for line in warned), lines
    else:
        assert carries(warned, deviant), lines


def test_the_directory_keeps_another_schemes_code_verbatim_and_finds_it_in_any_case(province):
    content = (
        "org_code,name,hub_url\n"
        f"vxp.saas.03,Đơn vị thử nghiệm,{PEER_URL}\n"
        f"000.00.31.H3A,Sở Tài chính,{PEER_URL}\n"
    ).encode()

    result = directory_import_csv(actor=Actor(label="test"), content=content)
    again = directory_import_csv(actor=Actor(label="test"), content=content.replace(b"vxp.saas", b"VXP.SAAS"))

    assert (result.created, result.errors) == (2, [])
    assert (again.created, again.errors) == (0, [])  # the same organisation, not a second row
    found = directory_lookup(" Vxp.Saas.03 ")
    assert found is not None
    assert found.org_code == "VXP.SAAS.03"  # updated to the spelling imported last, verbatim
    other = directory_lookup("000.00.31.h3a")
    assert other is not None
    assert other.org_code == "000.00.31.H3A"
    assert directory_lookup("vxp.saas.04") is None


def test_the_directory_refuses_an_empty_or_null_code_with_the_line(province):
    content = f"org_code,name,hub_url\nnull,Cơ quan lạ,{PEER_URL}\n,Cơ quan trống,{PEER_URL}\n".encode()

    result = directory_import_csv(actor=Actor(label="test"), content=content)

    assert result.created == 0
    assert [error.split(":")[0] for error in result.errors] == ["dòng 2", "dòng 3"]
    assert directory_lookup("null") is None
