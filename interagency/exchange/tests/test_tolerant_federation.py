"""Tolerant reading across two real deployments: each deviant packet enters deployment A from
another system (a peer of A) over HTTPS, is taken with its warnings, forwarded by A to B's hub,
taken there with the same warnings and delivered to B's agency, whose clerk registers it."""

from __future__ import annotations

import hashlib
import uuid

import pytest
import requests

from interagency.exchange.tests.deviant import (
    DEVIANTS,
    SENDERS,
    carries,
    deviant_packet,
    foreign_authority,
    foreign_certificate,
)
from interagency.exchange.tests.test_federation import Y_ORG, deployments  # noqa: F401  (the fixture)
from interagency.hub.services.federation import PACKETS_PATH

SECRET = "vxp-secret-at-a-0123456789abcdef"
OTHER_SYSTEM = "https://vxp.other-system.example"

PEER_AT_A = """
from core.audit import Actor
from interagency.hub.models import FederationPeer
from interagency.hub.services import federation
from interagency.hub.services.directory import directory_import_csv

federation.peer_create(
    actor=Actor(label="test"),
    data=federation.PeerData(
        system_id="vxp", name="Hệ thống khác", base_url={url!r}, remote_system_id="tinhso-a",
        remote_secret="unused", trust_roots={roots!r},
    ),
    secret={secret!r},
)
FederationPeer.objects.filter(system_id="vxp").update(org_patterns={patterns!r})
result = directory_import_csv(actor=Actor(label="test"), content={csv!r}.encode())
report(result.errors)
"""

# B takes from A what A's peer vouches for: A forwards it, signed by its sender, as it came.
TRUST_AT_B = """
from core.audit import Actor
from interagency.hub.models import FederationPeer
from interagency.hub.services.directory import directory_import_csv

peer = FederationPeer.objects.get(system_id="tinhso-a")
peer.trust_roots = peer.trust_roots.rstrip() + "\\n" + {roots!r}
peer.org_patterns = (peer.org_patterns.rstrip() + "\\n" + {patterns!r}).strip()
peer.save(update_fields=["trust_roots", "org_patterns"])
result = directory_import_csv(actor=Actor(label="test"), content={csv!r}.encode())
report(result.errors)
"""

PACKETS = """
from interagency.hub.models import HubPacket
report({str(p.packet_id): {"document_id": p.document_id, "warnings": p.warnings, "source": p.source}
        for p in HubPacket.objects.filter(kind="edoc")})
"""

ACCEPT_ALL = """
from core.tenancy import in_tenant
from interagency.exchange.models import InboxItem
from interagency.exchange.services.inbox import inbox_item_accept
from interagency.exchange.tests.flows import office
from tenants.models import Tenant

agency = Tenant.objects.get(org_code={code!r})
people = office(agency)
rows = {{}}
with in_tenant(agency):
    for item in InboxItem.objects.order_by("id"):
        document = inbox_item_accept(actor=people["clerk"], item=item)
        item.refresh_from_db()
        rows[item.exchange_id] = {{
            "warnings": item.warnings,
            "sender_code": item.sender_code,
            "number": document.number,
            "issuer_code": document.issuer_code,
            "files": sorted(a.original_name for a in document.attachments.all()),
        }}
report(rows)
"""


@pytest.mark.federation
def test_deviant_packets_cross_two_deployments_with_their_warnings(deployments):  # noqa: F811
    a, b = deployments
    authority = foreign_authority()
    roots = authority[1].decode()
    patterns = "000.00.45.H36\n000.00.31.H3A\nvxp.saas.*"
    # A reaches the senders through the other system; B through A (both from their directory)
    at_a = "org_code,name,hub_url\n" + "".join(f"{c},Cơ quan {c},{OTHER_SYSTEM}\n" for c in SENDERS)
    at_b = "org_code,name,hub_url\n" + "".join(f"{c},Cơ quan {c},{a.base_url}\n" for c in SENDERS)
    peer_at_a = PEER_AT_A.format(url=OTHER_SYSTEM, roots=roots, secret=SECRET, patterns=patterns, csv=at_a)
    assert a.run(peer_at_a) == []
    assert b.run(TRUST_AT_B.format(roots=roots, patterns=patterns, csv=at_b)) == []
    signers = {code: foreign_certificate(authority, code) for code in SENDERS}

    # when: the other system posts each packet, addressed to B's agency, to A's federation endpoint
    sent = {}
    for deviant in DEVIANTS:
        content = deviant_packet(deviant, signers[deviant.sender], to=Y_ORG)
        packet_id = str(uuid.uuid4())
        response = requests.post(
            f"{a.base_url}{PACKETS_PATH}",
            data=content,
            headers={
                "Content-Type": "application/xml",
                "X-System-Id": "vxp",
                "X-Secret": SECRET,
                "X-Packet-Id": packet_id,
                "X-Content-SHA256": hashlib.sha256(content).hexdigest(),
                "X-Message-Type": "edoc",
            },
            verify=str(a.cert_path),
            timeout=30,
        )
        assert response.status_code == 201, (deviant.file, response.text)
        sent[packet_id] = deviant
    a.manage("hub", "work")  # A forwards them to B's hub
    b.manage("hub", "work")  # B delivers them to its agency

    # then: the same warnings at A's hub, at B's hub, and on B's inbox items
    at_a_hub, at_b_hub = a.run(PACKETS), b.run(PACKETS)
    for packet_id, deviant in sent.items():
        assert carries(at_a_hub[packet_id]["warnings"], deviant), at_a_hub[packet_id]
        assert at_b_hub[packet_id]["source"] == "peer:tinhso-a"
        assert at_b_hub[packet_id]["warnings"] == at_a_hub[packet_id]["warnings"]
    registered = b.run(ACCEPT_ALL.format(code=Y_ORG))
    assert len(registered) == len(DEVIANTS)
    by_sender_file = {at_b_hub[p]["document_id"]: d for p, d in sent.items()}
    for document_id, row in registered.items():
        deviant = by_sender_file[document_id]
        assert carries(row["warnings"], deviant), (deviant.file, row)
        assert row["sender_code"] == deviant.sender
    numbers = {by_sender_file[k].file: v["number"] for k, v in registered.items()}
    files = {by_sender_file[k].file: v["files"] for k, v in registered.items()}
    issuers = {by_sender_file[k].file: v["issuer_code"] for k, v in registered.items()}
    assert numbers["code_number_long.edxml"] == "2026-000017-VP"
    assert issuers["org_other_scheme.edxml"] == "vxp.saas.03"
    assert files["attachment_not_zip.edxml"] == ["cong-van.pdf.raw"]
    assert files["date_day_first.edxml"] == ["cong-van.pdf"]
