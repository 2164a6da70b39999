"""Packets for tests: factory_boy factories over the edXML dataclasses, and the public sample
packets kept in `data/` (see data/README.md)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

from factory.base import Factory

from interagency.edxml.codes import VIETNAM_TZ
from interagency.edxml.packets import (
    Attachment,
    DocumentPacket,
    Organisation,
    ResponseFor,
    Staff,
    StatusPacket,
)

SAMPLES = Path(__file__).resolve().parent / "data"
SENDER = "000.00.91.H21"
RECIPIENT = "000.00.92.H21"


def sample(name: str) -> bytes:
    """One of the national SDK's sample packets, byte for byte."""
    return (SAMPLES / name).read_bytes()


class DocumentPacketFactory(Factory[DocumentPacket]):
    """A new document (BussinessDocType 0) from SENDER to RECIPIENT and a commune, one PDF."""

    class Meta:
        model = DocumentPacket

    sender = Organisation(SENDER, organ_name="Sở Thử nghiệm A", email="a@gialai.gov.vn")
    recipients = (
        Organisation(RECIPIENT, organ_name="Sở Thử nghiệm B"),
        Organisation("28.22.H17", organ_name="UBND xã Hòa Sơn"),
    )
    code_number = "125"
    code_notation = "STN-VP"
    promulgation_date = date(2026, 11, 20)
    document_id = f"{SENDER},2026/11/20,125/STN-VP"
    subject = "V/v kết nối, liên thông phần mềm quản lý văn bản"
    place = "Gia Lai"
    type_name = "Công văn"
    content = "Nội dung trích yếu"
    due_date = date(2026, 12, 1)
    to_places = ("Như trên", "Lưu: VT")
    priority = 1
    page_amount = 2
    attachments = (
        Attachment(content_id="1", name="cong-van.pdf", data=b"%PDF-1.7 " + bytes(range(256)) * 40),
    )
    trace = ((SENDER, datetime(2026, 11, 20, 9, 30, tzinfo=VIETNAM_TZ)),)


class StatusPacketFactory(Factory[StatusPacket]):
    """RECIPIENT tells SENDER it registered the document (03)."""

    class Meta:
        model = StatusPacket

    sender = Organisation(RECIPIENT, organ_name="Sở Thử nghiệm B")
    response_for = ResponseFor(
        organ_id=SENDER,
        document_id=f"{SENDER},2026/11/20,125/STN-VP",
        code="125/STN-VP",
        promulgation_date=date(2026, 11, 20),
    )
    status_code = "03"
    timestamp = datetime(2026, 11, 20, 10, 0, 5, tzinfo=VIETNAM_TZ)
    staff = Staff(department="Văn thư", staff="Nguyễn Văn A")
    description = "Đã tiếp nhận"


def listed(packet: DocumentPacket) -> DocumentPacket:
    """``packet`` as ``parse`` reads it back: attachments listed (declared size), not decoded."""
    return replace(
        packet,
        attachments=tuple(
            replace(attachment, data=b"", size=len(attachment.data)) for attachment in packet.attachments
        ),
    )
