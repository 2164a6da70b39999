"""The national VXP SDK itself (its `KnobstickServiceImp` and `AgencyServiceImp`, the jars in
`vxp_sdk/lib/`) against `make run`'s own stack (`python -m config.run`: gunicorn, a Celery worker and
beat on the demo province) over real HTTP on loopback. An e-office product, registered by the
operator with `manage.py hub peer-add --protocol vxp_system` and configured with the console's /vxp
endpoint, its systemId and the secret printed once, lists the agencies, sends a document to a demo
agency (the stack's worker delivers it to that agency's inbox), receives, downloads and acknowledges
one the agency sent it, answers with a status the sender sees, and gets each refusal in the SDK's
own terms; the server never answers 500. One test, so that a parallel run starts one stack. The
driver is compiled once per session."""

from __future__ import annotations

import json
import re
import secrets
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from interagency.edxml.certificates import generate_authority, issue_certificate
from interagency.edxml.packets import Organisation, ResponseFor
from interagency.edxml.signatures import sign_packet
from interagency.edxml.tests.factories import DocumentPacketFactory, StatusPacketFactory
from interagency.edxml.writer import build
from interagency.exchange.tests.deployments import MakeRunStack, Server
from interagency.hub.services.federation import VXP_SYSTEM_ADDRESS

pytestmark = pytest.mark.vxp_sdk

SDK = Path(__file__).parent / "vxp_sdk"
SYSTEM = "vxp.saas.03"
PRODUCT_ORG = "000.00.12.G09"
OTHER_ORG = "000.00.13.G09"
AGENCY_HOST = "qlvbdhstttt.gialai.localhost"  # the demo's Sở Thông tin và Truyền thông

AGENCY = """
from tenants.models import Domain
tenant = Domain.objects.select_related("tenant").get(domain={host!r}).tenant
report({{"org_code": tenant.org_code, "name": tenant.name}})
"""

INBOX = """
from core.tenancy import in_tenant
from interagency.exchange.models import InboxItem
from tenants.models import Tenant
with in_tenant(Tenant.objects.get(org_code={code!r})):
    report(list(InboxItem.objects.order_by("id").values_list("sender_code", flat=True)))
"""

ISSUE = """
from types import SimpleNamespace
from interagency.exchange.tests.flows import issue_to, office
from tenants.models import Tenant
agency = Tenant.objects.get(org_code={code!r})
document = issue_to(agency, office(agency), [SimpleNamespace(org_code={to!r}, name="Bộ Tư pháp (thử)")])
report(document.pk)
"""

HELD_FOR_PRODUCT = """
from interagency.hub.models import HubDelivery
rows = HubDelivery.objects.filter(recipient_code={code!r}, packet__kind="edoc").order_by("id")
report([[row.state, bytes(row.packet.content).decode(), row.document_id] for row in rows])
"""

SENDER_STATUSES = """
from core.tenancy import in_tenant
from interagency.exchange.models import ExchangeStatus
from tenants.models import Tenant
with in_tenant(Tenant.objects.get(org_code={code!r})):
    report(list(ExchangeStatus.objects.filter(document_id={document}).values_list("status_code", flat=True)))
"""


@pytest.fixture(scope="session")
def driver(tmp_path_factory: pytest.TempPathFactory) -> Path:
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


@pytest.fixture(scope="module")
def stack(
    driver: Path, django_db_setup: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[MakeRunStack]:
    server = Server.of_test_database()
    name = f"{server.test_database[:40]}_mkrun_{secrets.token_hex(3)}"  # parallel runs never meet
    running = MakeRunStack(name, tmp_path_factory.mktemp("make-run"), server)
    try:
        running.start()
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def product(stack: MakeRunStack, product_authority: tuple[bytes, bytes]) -> str:
    """The operator registers the e-office product and lists its organisation in the directory;
    returns the secret printed once."""
    ca = stack.directory / "product-ca.pem"
    ca.write_bytes(product_authority[1])
    added = stack.manage(
        "hub", "peer-add", "--protocol", "vxp_system", "--system-id", SYSTEM,
        "--name", "Phần mềm QLVB của Bộ", "--trust-roots", str(ca), "--org-patterns", PRODUCT_ORG,
    )  # fmt: skip
    secret = re.search(r"inbound secret \(shown once\): (\S+)", added.stdout)
    assert secret, added.stdout
    rows = stack.directory / "directory.csv"
    address = VXP_SYSTEM_ADDRESS.format(system_id=SYSTEM)
    rows.write_text(f"org_code,name,hub_url\n{PRODUCT_ORG},Bộ Tư pháp (thử),{address}\n", encoding="utf-8")
    stack.manage("directory", "import", str(rows))
    return secret.group(1)


class Sdk:
    """The driver, pointed at the console's /vxp by its demo host name (which the JVM resolves to
    loopback through a hosts file of its own)."""

    def __init__(self, driver: Path, stack: MakeRunStack, secret: str) -> None:
        self.driver, self.stack, self.secret = driver, stack, secret
        self.store = stack.directory / "sdk-store"
        self.hosts = stack.directory / "hosts"
        self.hosts.write_text(f"127.0.0.1 {stack.console_host}\n")

    @property
    def endpoint(self) -> str:
        return f"http://{self.stack.console_host}:{self.stack.port}/vxp"

    def __call__(self, command: str, *args: str) -> Any:
        classpath = f"{self.driver}:{SDK / 'lib' / '*'}"
        java = shutil.which("java") or "java"
        arguments = [self.endpoint, SYSTEM, self.secret, str(self.store), command, *args]
        done = subprocess.run(  # noqa: S603  # our driver, our arguments
            [java, f"-Djdk.net.hosts.file={self.hosts}", "-cp", classpath, "Driver", *arguments],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT:")]
        assert lines, done.stdout[-2000:] + done.stderr[-2000:]
        return json.loads(lines[-1][len("RESULT:") :])


def _eventually(
    read: Callable[[], Any], until: Callable[[Any], bool], stack: MakeRunStack, timeout: float = 120
) -> Any:
    """What `read` gives once `until` holds: the stack's own worker and beat do the work."""
    deadline = time.monotonic() + timeout
    while True:
        value = read()
        if until(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"still {value!r} after {timeout}s:\n{stack.log()}")
        time.sleep(1)


def _document(agency: dict[str, str], signer: tuple[bytes, bytes], *, sender: str = PRODUCT_ORG) -> bytes:
    key, cert = signer
    packet = DocumentPacketFactory.build(
        sender=Organisation(sender, organ_name="Bộ Tư pháp (thử)"),
        recipients=(Organisation(agency["org_code"], organ_name=agency["name"]),),
        document_id=f"{sender},2026/12/03,7/BTP-VP",
        trace=(),
    )
    return build(packet, sign=partial(sign_packet, key_pem=key, cert_pem=cert))


def test_an_e_office_product_exchanges_through_make_runs_hub_with_the_national_sdk(
    driver, stack, product, product_authority, tmp_path
):
    sdk = Sdk(driver, stack, product)
    signer = _signer(product_authority, PRODUCT_ORG)
    agency = stack.run(AGENCY.format(host=AGENCY_HOST))

    # the directory
    agencies = sdk("agencies")
    assert (agencies["status"], agencies["errorCode"]) == ("OK", "0")
    assert {agency["org_code"], PRODUCT_ORG} <= set(agencies["codes"])

    # it sends a document to a demo agency: the stack's worker puts it in that agency's inbox
    sent_file = tmp_path / "edoc.edxml"
    sent_file.write_bytes(_document(agency, signer))
    sent = sdk("send", "edoc", PRODUCT_ORG, str(sent_file))
    assert (sent["status"], sent["errorCode"]) == ("OK", "0"), sent
    inbox = _eventually(lambda: stack.run(INBOX.format(code=agency["org_code"])), bool, stack)
    assert inbox == [PRODUCT_ORG]
    rows = _eventually(
        lambda: sdk("sent")["rows"], lambda rows: rows and rows[0]["sendStatus"] == "done", stack
    )
    assert [(row["toCode"], row["sendStatus"]) for row in rows] == [(agency["org_code"], "done")]

    # the agency sends to it: it waits in its received list
    document = stack.run(ISSUE.format(code=agency["org_code"], to=PRODUCT_ORG))
    assert _eventually(lambda: sdk("count")["count"], lambda count: count == 1, stack) == 1
    received = sdk("received", "edoc")
    assert [(doc["from"], doc["to"]) for doc in received["docs"]] == [(agency["org_code"], PRODUCT_ORG)]
    doc_id = received["docs"][0]["id"]
    [[state, content, document_id]] = stack.run(HELD_FOR_PRODUCT.format(code=PRODUCT_ORG))
    assert state == "pending"

    got = sdk("get", doc_id)
    assert (got["status"], got["errorCode"]) == ("OK", "0")
    assert got["data"] == content  # the SDK decodes the base64 itself
    assert Path(got["filePath"]).read_text(encoding="utf-8") == content
    downloaded = sdk("download", doc_id)
    assert (downloaded["status"], downloaded["errorCode"]) == ("SUCCESS", "0")
    assert Path(downloaded["filePath"]).read_text(encoding="utf-8") == content

    # it acknowledges: the delivery is done, and its 01 reaches the sender's history
    updated = sdk("update", doc_id, "done")
    assert (updated["status"], updated["errorCode"]) == ("OK", "0")
    assert [row[0] for row in stack.run(HELD_FOR_PRODUCT.format(code=PRODUCT_ORG))] == ["delivered"]
    assert sdk("received", "edoc")["docs"] == []
    status = StatusPacketFactory.build(
        sender=Organisation(PRODUCT_ORG, organ_name="Bộ Tư pháp (thử)"),
        response_for=ResponseFor(organ_id=agency["org_code"], document_id=document_id),
        status_code="01",
        timestamp=timezone.localtime().replace(microsecond=0),
    )
    status_file = tmp_path / "status.edxml"
    key, cert = signer
    status_file.write_bytes(build(status, sign=partial(sign_packet, key_pem=key, cert_pem=cert)))
    answered = sdk("send", "status", PRODUCT_ORG, str(status_file))
    assert answered["errorCode"] == "0", answered
    statuses = _eventually(
        lambda: stack.run(SENDER_STATUSES.format(code=agency["org_code"], document=document)), bool, stack
    )
    assert statuses == ["01"]

    _refusals(sdk, agency, product_authority, tmp_path)
    assert " 500 " not in stack.log(full=True)


def _refusals(
    sdk: Sdk, agency: dict[str, str], product_authority: tuple[bytes, bytes], tmp_path: Path
) -> None:
    """Each refusal in the SDK's own terms (ErrorCode, ErrorDesc), never a 500."""
    unknown = "8af226c8-7cde-4fbe-88fe-e15a768b49cb"

    wrong_secret = Sdk(sdk.driver, sdk.stack, "not-the-secret-0123456789")("received", "edoc")
    assert (wrong_secret["status"], wrong_secret["errorCode"]) == ("FAIL", "401")
    assert wrong_secret["errorDesc"]

    for command in ("get", "update"):
        answer = sdk(command, unknown, "done")
        assert (answer["status"], answer["errorCode"]) == ("FAIL", "404"), (command, answer)
    # The SDK calls a download failed only when nothing came: we send nothing.
    assert sdk("download", unknown) == {"status": "FAIL", "errorCode": "100", "filePath": ""}

    other_file = tmp_path / "other.edxml"
    other_file.write_bytes(_document(agency, _signer(product_authority, OTHER_ORG), sender=OTHER_ORG))
    not_its_code = sdk("send", "edoc", OTHER_ORG, str(other_file))
    assert (not_its_code["status"], not_its_code["errorCode"]) == ("FAIL", "400")
    assert OTHER_ORG in not_its_code["errorDesc"]
    assert not_its_code["docId"] == ""

    malformed = tmp_path / "malformed.edxml"
    malformed.write_bytes(b"<edXML><unfinished>")
    refused = sdk("send", "edoc", PRODUCT_ORG, str(malformed))
    assert (refused["status"], refused["errorCode"]) == ("FAIL", "400")
