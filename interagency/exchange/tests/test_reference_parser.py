"""What tinhso writes, read by the reference QCVN 102:2016 library.

EdXML102 (`com.vnpt.xml.ed.parser.EdXmlParser`, `com.vnpt.xml.status.parser.StatusXmlParser`) is
the parser inside the national SDK that most e-office products use. Every kind of packet tinhso
sends (a new document, a replacement, each status it sends; revoke and update documents as the
writer builds them) is made by the real services, signed with the agency's key, taken in by the
hub, exported with `manage.py hub packets export`, and read by a small Java driver
(`interagency/vxp/tests/sdk/EdxmlRead.java`) against the jars in `interagency/vxp/tests/sdk/lib/`:
it must read the same values as tinhso's own reader.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import uuid
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

import interagency
from core.tenancy import in_public, in_tenant
from interagency.edxml.codes import DATE_FORMAT, TIMESTAMP_FORMAT, VIETNAM_TZ
from interagency.edxml.packets import (
    Attachment,
    DocumentPacket,
    Organisation,
    ResponseFor,
    Staff,
    StatusPacket,
)
from interagency.edxml.reader import parse, read_attachments
from interagency.edxml.tests.factories import DocumentPacketFactory
from interagency.edxml.writer import build
from interagency.exchange.models import InboxItem, OutboxEntry
from interagency.exchange.services.inbox import inbox_item_accept, inbox_item_answer, inbox_item_refuse
from interagency.exchange.services.keys import signing_hook
from interagency.exchange.tests.flows import PDF, issue_to, office
from interagency.hub.models import HubPacket
from interagency.hub.services.deliveries import work
from interagency.hub.services.packets import packet_accept
from qlvbdh.models import Document
from qlvbdh.services import processing
from qlvbdh.services.documents import document_revoke

SDK = Path(interagency.__file__).resolve().parent / "vxp" / "tests" / "sdk"
ALL_STATUSES = {"01", "02", "03", "04", "05", "06", "13", "15", "16"}

pytestmark = [pytest.mark.django_db, pytest.mark.java]

Reader = Callable[[list[tuple[str, Path]]], list[dict[str, Any]]]


@pytest.fixture(scope="session")
def reference_read(tmp_path_factory: pytest.TempPathFactory) -> Reader:
    """Compile the driver once per session; the returned function reads (kind, file) pairs."""
    javac, java = shutil.which("javac"), shutil.which("java")
    if javac is None or java is None:
        pytest.skip("the reference edXML parser is Java: javac and java are not on PATH")
    classes = tmp_path_factory.mktemp("edxml-reference")
    # The library unpacks attachments under java.io.tmpdir: keep them in the test's tmp dir.
    scratch = tmp_path_factory.mktemp("edxml-reference-scratch")
    libraries = str(SDK / "lib" / "*")
    compiled = subprocess.run(  # noqa: S603  # the JDK on our own driver
        [javac, "-encoding", "UTF-8", "-cp", libraries, "-d", str(classes), str(SDK / "EdxmlRead.java")],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert compiled.returncode == 0, compiled.stderr

    def read(files: list[tuple[str, Path]]) -> list[dict[str, Any]]:
        ran = subprocess.run(  # noqa: S603  # the JDK on our own driver and files
            [
                java,
                f"-Djava.io.tmpdir={scratch}",
                "-cp",
                f"{libraries}{os.pathsep}{classes}",
                "EdxmlRead",
                *(f"{kind}:{path}" for kind, path in files),
            ],
            capture_output=True,
            timeout=180,
            check=False,
        )
        assert ran.returncode == 0, ran.stderr.decode(errors="replace")
        lines = [json.loads(line) for line in ran.stdout.decode().splitlines() if line.startswith("{")]
        assert len(lines) == len(files), ran.stderr.decode(errors="replace")
        return lines

    return read


@pytest.fixture
def agencies(province, tenant, other_tenant, third_tenant):
    return {
        "a": (tenant, office(tenant)),
        "b": (other_tenant, office(other_tenant)),
        "c": (third_tenant, office(third_tenant)),
    }


def _item(tenant: Any, document_id: str) -> InboxItem:
    with in_tenant(tenant):
        return InboxItem.objects.get(exchange_id=document_id)


def _stamp(moment: Any) -> str:
    return moment.astimezone(VIETNAM_TZ).strftime(TIMESTAMP_FORMAT)


def _as_tinhso_reads(content: bytes) -> dict[str, Any]:
    """The values the driver prints, as tinhso's own reader reads the same bytes."""
    packet = parse(content, strict=True)
    if isinstance(packet, StatusPacket):
        return {
            "kind": "status",
            "from": packet.sender.organ_id,
            "responseForOrganId": packet.response_for.organ_id,
            "responseForDocumentId": packet.response_for.document_id,
            "responseForCode": packet.response_for.code,
            "statusCode": packet.status_code,
            "description": packet.description,
            "timestamp": _stamp(packet.timestamp),
            "staff": packet.staff.staff,
            "ok": True,
        }
    return {
        "kind": "ed",
        "from": packet.sender.organ_id,
        "to": [recipient.organ_id for recipient in packet.recipients],
        "documentId": packet.document_id,
        "codeNumber": packet.code_number,
        "codeNotation": packet.code_notation,
        "subject": packet.subject,
        "promulgationDate": packet.promulgation_date.strftime(DATE_FORMAT),
        "responseFor": [response.document_id for response in packet.response_for],
        "trace": [f"{organ_id}@{_stamp(moment)}" for organ_id, moment in packet.trace],
        "businessDocType": str(packet.business_doc_type),
        "businessDocumentId": packet.business_document_id or None,  # written only when set
        "businessReason": packet.business_reason,
        "replaces": [replacement.document_id for replacement in packet.replacements],
        "attachments": [
            f"{attachment.name}|{hashlib.sha256(attachment.data).hexdigest()}"
            for attachment in read_attachments(content)
        ],
        "ok": True,
    }


def _writer_only_packets(a: Any, b: Any, c: Any, original: DocumentPacket) -> list[bytes]:
    """Revoke (1) and update (2) documents: the services ask a recipient to take a document back
    with status 13 and have no update, but the writer builds both; signed with the agency's key."""
    base = DocumentPacketFactory.build(
        sender=original.sender,
        recipients=(Organisation(b.org_code, organ_name=b.name), Organisation(c.org_code, organ_name=c.name)),
        document_id=original.document_id,
        code_number=original.code_number,
        code_notation=original.code_notation,
        promulgation_date=original.promulgation_date,
        business_document_id=original.document_id,
        response_for=(ResponseFor(organ_id=b.org_code, document_id=f"{b.org_code},2026/11/02,7/UBND-VP"),),
        appendixes=("Phụ lục I",),
        business_staff=Staff(department="Văn phòng", staff="Nguyễn Văn A", email="a@gialai.gov.vn"),
        trace=((a.org_code, timezone.now().astimezone(VIETNAM_TZ).replace(microsecond=0)),),
    )
    revoke = replace(base, business_doc_type=1, business_reason="Thu hồi văn bản điện tử", attachments=())
    update = replace(
        base,
        business_doc_type=2,
        business_reason="Cập nhật văn bản điện tử",
        subject=f"{original.subject} (cập nhật)",
        receivers=((b.org_code, 1), (c.org_code, 0)),
        attachments=(
            Attachment(content_id="1", name="Công văn số 01.pdf", data=PDF, description="Bản chính"),
            Attachment(content_id="2", name="phu-luc.xlsx", data=b"PK\x03\x04" + bytes(range(256)) * 8),
        ),
    )
    with in_tenant(a):
        sign = signing_hook()
        return [build(revoke, sign=sign), build(update, sign=sign)]


def test_every_packet_tinhso_sends_reads_the_same_with_the_reference_library(
    agencies, reference_read, tmp_path
):
    (a, a_people), (b, b_people), (c, c_people) = agencies["a"], agencies["b"], agencies["c"]
    started = timezone.localdate()
    # given: a document to B and C, and each answer back (01, 03 and 02; 04, 05, 06 from B)
    sent = issue_to(a, a_people, [b, c])
    earlier = issue_to(a, a_people, [b], summary="Về việc báo cáo số liệu quý IV")
    work()
    with in_tenant(a):
        sent_id = OutboxEntry.objects.get(document=sent).exchange_id
    with in_tenant(b):
        incoming = inbox_item_accept(actor=b_people["clerk"], item=_item(b, sent_id))
    with in_tenant(c):
        inbox_item_refuse(actor=c_people["clerk"], item=_item(c, sent_id), reason="Không đúng thẩm quyền")
    with in_tenant(b):
        processing.document_direct(
            actor=b_people["head"],
            document=incoming,
            note="Giao chuyên viên xử lý",
            assignments=[processing.AssignmentSpec(role="lead", assignee=b_people["official"].user)],
        )
        assignment = Document.objects.get(pk=incoming.pk).assignments.get()
        processing.assignment_report(actor=b_people["official"], assignment=assignment, report="Đang làm")
        processing.assignment_close(actor=b_people["official"], assignment=assignment, report="Xong")
    # a replacement (3) of the other document, then A takes the first back (13; 15 from B, 16 from C)
    issue_to(a, a_people, [b], summary="Về việc báo cáo số liệu quý IV (thay thế)", replaces=earlier)
    with in_tenant(a):
        document_revoke(actor=a_people["head"], document=sent, reason="Sai số liệu ở phụ lục")
    work()
    with in_tenant(b):
        inbox_item_answer(actor=b_people["clerk"], item=_item(b, sent_id), agree=True)
    with in_tenant(c):
        inbox_item_answer(actor=c_people["clerk"], item=_item(c, sent_id), agree=False, reason="Đã thực hiện")
    work()
    with in_public():
        original = parse(bytes(HubPacket.objects.get(document_id=sent_id, business=0).content))
    assert isinstance(original, DocumentPacket)
    for content in _writer_only_packets(a, b, c, original):
        with in_public():
            packet_accept(
                content=content,
                packet_id=uuid.uuid4(),
                source=f"tenant:{a.schema_name}",
                expected_sender=a.org_code,
            )
    with in_public():
        stored = {str(p.packet_id): p for p in HubPacket.objects.all()}
    assert {p.status_code for p in stored.values() if p.kind == "status"} == ALL_STATUSES
    assert {p.business for p in stored.values() if p.kind == "edoc"} == {0, 1, 2, 3}
    assert all(p.signature == HubPacket.Signature.VALID for p in stored.values())

    # when: the hub's packets are exported and each file is read by the reference library
    call_command("hub", "packets", "export", "--since", started.isoformat(), "-o", str(tmp_path))
    files = sorted(tmp_path.glob("*.edxml"))
    assert sorted(f.stem for f in files) == sorted(stored)
    kinds = [("status" if stored[f.stem].kind == "status" else "ed", f) for f in files]
    read = reference_read(kinds)

    # then: it reads every packet, and the same values as tinhso's reader
    for path, values in zip(files, read, strict=True):
        expected = _as_tinhso_reads(path.read_bytes())
        assert {key: values.get(key) for key in expected} == expected, values
        assert path.read_bytes() == bytes(stored[path.stem].content)
