"""The national VXP SDK itself (its `KnobstickServiceImp` and `AgencyServiceImp`, the jars in
`vxp_sdk/lib/`) against a live tinhso over real HTTP: an e-office product configured with our
/vxp endpoint, a systemId and its secret lists the agencies, sends a document to one of ours,
receives, downloads and acknowledges one of ours, answers with a status the sender sees, and gets
each refusal in the SDK's own terms. The driver is compiled once per session."""

from __future__ import annotations

import json
import shutil
import subprocess
from functools import partial
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone

from core.audit import Actor
from core.tenancy import in_public, in_tenant
from interagency.edxml.certificates import generate_authority, issue_certificate
from interagency.edxml.packets import Organisation, ResponseFor
from interagency.edxml.signatures import sign_packet
from interagency.edxml.tests.factories import DocumentPacketFactory, StatusPacketFactory
from interagency.edxml.writer import build
from interagency.exchange.models import ExchangeStatus, InboxItem
from interagency.exchange.tests.flows import issue_to, office
from interagency.hub.models import FederationPeer, HubDelivery, HubPacket
from interagency.hub.services import federation
from interagency.hub.services.deliveries import work
from interagency.hub.services.directory import directory_import_csv, directory_sync_tenants
from tenants.models import Domain

pytestmark = [pytest.mark.vxp_sdk, pytest.mark.django_db(transaction=True)]

SDK = Path(__file__).parent / "vxp_sdk"
SYSTEM = "vxp.saas.03"
SECRET = "A7TKG/r2gOKTEpe1MhWx6zw8O4JfzN0KkCRS6HZY81Ve"
PRODUCT_ORG = "000.00.12.G09"
OTHER_ORG = "000.00.13.G09"


@pytest.fixture(scope="session")
def driver(tmp_path_factory) -> Path:
    javac = shutil.which("javac")
    if javac is None or shutil.which("java") is None:
        pytest.skip("javac is not installed (a JDK 8 or later): the real VXP SDK test is skipped")
    classes = tmp_path_factory.mktemp("vxp-driver")
    subprocess.run(  # noqa: S603  # our own driver, our own paths
        [javac, "-d", str(classes), "-cp", str(SDK / "lib" / "*"), str(SDK / "Driver.java")],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return classes


@pytest.fixture(scope="module")
def product_authority() -> tuple[bytes, bytes]:
    return generate_authority("CA của phần mềm quản lý văn bản")


def _signer(authority: tuple[bytes, bytes], code: str) -> tuple[bytes, bytes]:
    key, cert = authority
    return issue_certificate(
        authority_key_pem=key, authority_cert_pem=cert, org_code=code, org_name="Bộ (thử)"
    )


@pytest.fixture
def endpoint(live_server, province, tenant, product_authority) -> str:
    with in_public():
        Domain.objects.create(domain="127.0.0.1", tenant=province, purpose="console", is_primary=False)
    peer, _secret = federation.peer_create(
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
    with in_public():
        directory_sync_tenants(actor=Actor(label="test"))
        directory_import_csv(
            actor=Actor(label="test"),
            content=f"org_code,name,hub_url\n{PRODUCT_ORG},Bộ Tư pháp (thử),{peer.base_url}\n".encode(),
        )
    port = live_server.url.rsplit(":", 1)[1]
    return f"http://127.0.0.1:{port}/vxp"


class Sdk:
    def __init__(self, driver: Path, endpoint: str, store: Path, secret: str = SECRET) -> None:
        self.driver, self.endpoint, self.store, self.secret = driver, endpoint, store, secret

    def __call__(self, command: str, *args: str) -> Any:
        classpath = f"{self.driver}:{SDK / 'lib' / '*'}"
        java = shutil.which("java") or "java"
        arguments = [self.endpoint, SYSTEM, self.secret, str(self.store), command, *args]
        done = subprocess.run(  # noqa: S603  # our driver, our arguments
            [java, "-cp", classpath, "Driver", *arguments],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT:")]
        assert lines, done.stdout[-2000:] + done.stderr[-2000:]
        return json.loads(lines[-1][len("RESULT:") :])


def _document(tenant, signer, *, sender: str = PRODUCT_ORG, number: int = 7) -> bytes:
    key, cert = signer
    packet = DocumentPacketFactory.build(
        sender=Organisation(sender, organ_name="Bộ Tư pháp (thử)"),
        recipients=(Organisation(tenant.org_code, organ_name=tenant.name),),
        document_id=f"{sender},2026/12/03,{number}/BTP-VP",
        trace=(),
    )
    return build(packet, sign=partial(sign_packet, key_pem=key, cert_pem=cert))


def test_an_e_office_product_exchanges_through_the_hub_with_the_national_sdk(
    driver, endpoint, tenant, product_authority, tmp_path
):
    sdk = Sdk(driver, endpoint, tmp_path / "store")
    signer = _signer(product_authority, PRODUCT_ORG)

    # the directory
    agencies = sdk("agencies")
    assert (agencies["status"], agencies["errorCode"]) == ("OK", "0")
    assert {tenant.org_code, PRODUCT_ORG} <= set(agencies["codes"])

    # it sends a document to one of our agencies: it arrives in that agency's inbox
    sent_file = tmp_path / "edoc.edxml"
    sent_file.write_bytes(_document(tenant, signer))
    sent = sdk("send", "edoc", PRODUCT_ORG, str(sent_file))
    assert (sent["status"], sent["errorCode"]) == ("OK", "0"), sent
    work()
    with in_tenant(tenant):
        assert list(InboxItem.objects.values_list("sender_code", flat=True)) == [PRODUCT_ORG]
    with in_public():
        assert str(HubPacket.objects.get(kind="edoc", source=f"peer:{SYSTEM}").packet_id) == sent["docId"]
    assert [(row["toCode"], row["sendStatus"]) for row in sdk("sent")["rows"]] == [(tenant.org_code, "done")]

    # one of our agencies sends to it: it waits in its received list
    people = office(tenant)
    document = issue_to(tenant, people, [SimpleNamespace(org_code=PRODUCT_ORG, name="Bộ Tư pháp (thử)")])
    work()
    assert sdk("count")["count"] == 1
    received = sdk("received", "edoc")
    assert [(doc["from"], doc["to"]) for doc in received["docs"]] == [(tenant.org_code, PRODUCT_ORG)]
    doc_id = received["docs"][0]["id"]
    with in_public():
        delivery = HubDelivery.objects.get(recipient_code=PRODUCT_ORG, packet__kind="edoc")
        content = bytes(delivery.packet.content)

    got = sdk("get", doc_id)
    assert (got["status"], got["errorCode"]) == ("OK", "0")
    assert got["data"].encode() == content  # the SDK decodes the base64 itself
    assert Path(got["filePath"]).read_bytes() == content
    downloaded = sdk("download", doc_id)
    assert (downloaded["status"], downloaded["errorCode"]) == ("SUCCESS", "0")
    assert Path(downloaded["filePath"]).read_bytes() == content

    # it acknowledges: the delivery is done, and its 01 reaches the sender's history
    updated = sdk("update", doc_id, "done")
    assert (updated["status"], updated["errorCode"]) == ("OK", "0")
    with in_public():
        delivery.refresh_from_db()
        assert delivery.state == HubDelivery.State.DELIVERED
    assert sdk("received", "edoc")["docs"] == []
    status = StatusPacketFactory.build(
        sender=Organisation(PRODUCT_ORG, organ_name="Bộ Tư pháp (thử)"),
        response_for=ResponseFor(organ_id=tenant.org_code, document_id=delivery.document_id),
        status_code="01",
        timestamp=timezone.localtime().replace(microsecond=0),
    )
    status_file = tmp_path / "status.edxml"
    key, cert = signer
    status_file.write_bytes(build(status, sign=partial(sign_packet, key_pem=key, cert_pem=cert)))
    answered = sdk("send", "status", PRODUCT_ORG, str(status_file))
    assert answered["errorCode"] == "0", answered
    work()
    with in_tenant(tenant):
        codes = ExchangeStatus.objects.filter(document=document).values_list("status_code", flat=True)
        assert list(codes) == ["01"]


def test_the_sdk_gets_each_refusal_in_its_own_terms(driver, endpoint, tenant, product_authority, tmp_path):
    sdk = Sdk(driver, endpoint, tmp_path / "store")
    unknown = "8af226c8-7cde-4fbe-88fe-e15a768b49cb"

    wrong_secret = Sdk(driver, endpoint, tmp_path / "store", secret="not-the-secret-0123456789")(
        "received", "edoc"
    )
    assert (wrong_secret["status"], wrong_secret["errorCode"]) == ("FAIL", "401")
    assert wrong_secret["errorDesc"]

    for command in ("get", "update"):
        answer = sdk(command, unknown, "done")
        assert (answer["status"], answer["errorCode"]) == ("FAIL", "404"), (command, answer)
    # The SDK calls a download failed only when nothing came: we send nothing.
    assert sdk("download", unknown) == {
        "status": "FAIL",
        "errorCode": "100",
        "filePath": "",
    }

    other_file = tmp_path / "other.edxml"
    other_file.write_bytes(_document(tenant, _signer(product_authority, OTHER_ORG), sender=OTHER_ORG))
    not_its_code = sdk("send", "edoc", OTHER_ORG, str(other_file))
    assert (not_its_code["status"], not_its_code["errorCode"]) == ("FAIL", "400")
    assert OTHER_ORG in not_its_code["errorDesc"]
    assert not_its_code["docId"] == ""

    malformed = tmp_path / "malformed.edxml"
    malformed.write_bytes(b"<edXML><unfinished>")
    refused = sdk("send", "edoc", PRODUCT_ORG, str(malformed))
    assert (refused["status"], refused["errorCode"]) == ("FAIL", "400")
    with in_public():
        assert not HubPacket.objects.exists()
