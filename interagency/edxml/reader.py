"""Reading edXML packets (QCVN 102:2016/BTTTT), tolerant of what real senders write.

``parse`` reads the header of document packets (new, revoke, update, replace) and status packets:
namespace prefixes or none, ``cid:N`` or ``N``, three-part organ ids, status children in any order.
Attachments are listed, not decoded: ``read_attachments`` reads their files once the signature has
been checked, within a per-packet budget (count, decompressed total, compression ratio).

Tolerant reading: a packet is accepted when who sent it, to whom and which document are
unambiguous; every other deviation (another scheme's organisation code, kept verbatim; a CodeNumber
over 11 characters; a ``dd/MM/yyyy`` date; a trace header without OrganId; a bad number) becomes a
warning on ``packet.warnings``. ``strict=True`` turns warnings back into errors. Security refusals
(size, DTD or entity, not well-formed, the budget) are always errors.

Errors and warnings follow the hub's shape: a class letter and a path, then a readable message:
``N.`` missing, ``R.`` too long / too large, ``M.`` bad value, ``T.`` bad format.
Text is stored NFC and stripped; timestamps carry Vietnam time (UTC+7), to the second.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import replace
from datetime import datetime

from lxml import etree

from interagency.edxml.attachments import read_attachments
from interagency.edxml.codes import ATTACHMENT_CONTENT_TYPE, MAX_PACKET_BYTES, STATUS_CODES, same_org_code
from interagency.edxml.fields import Reader
from interagency.edxml.packets import (
    Attachment,
    AttachmentBudget,
    DocumentPacket,
    EdxmlError,
    Organisation,
    Packet,
    ReplacementInfo,
    Signer,
    StatusPacket,
)
from interagency.edxml.tree import child, children, clean, local, stream_root

__all__ = ["parse", "parse_known", "read_attachments", "read_tree"]

# How many packets `parse_known` remembers: a hub worker's packets between taking them in and
# handing them to their recipients (a round's worth, with room to spare).
KNOWN_KEPT = 512


def _read_status(reader: Reader, header: etree._Element) -> StatusPacket | None:
    path = "MessageHeader"
    from_ = child(header, "From")
    if from_ is None:
        reader.error("N", f"{path}.From", "thiếu cơ quan gửi (sender missing)")
    response = child(header, "ResponseFor")
    if response is None:
        reader.error("N", f"{path}.ResponseFor", "thiếu văn bản được phản hồi (ResponseFor missing)")
    code = reader.text(header, "StatusCode", path, essential=True)
    if code and code not in STATUS_CODES:
        reader.deviation(
            "M", f"{path}.StatusCode", f"mã trạng thái “{code}” không hợp lệ, phải là {list(STATUS_CODES)}"
        )
    packet_sender = reader.organisation(from_, f"{path}.From")
    packet_response = reader.response_for(response, f"{path}.ResponseFor", essential=True)
    staff = reader.staff(child(header, "StaffInfo"), f"{path}.StaffInfo")
    description = reader.text(header, "Description", path)
    timestamp = reader.timestamp(header, "Timestamp", path, essential=True)
    if reader.errors or timestamp is None:
        return None
    return StatusPacket(
        sender=packet_sender,
        response_for=packet_response,
        status_code=code,
        timestamp=timestamp,
        staff=staff,
        description=description,
        warnings=tuple(reader.warnings),
    )


def _read_document(reader: Reader, root: etree._Element, header: etree._Element) -> DocumentPacket | None:
    path = "MessageHeader"
    from_ = child(header, "From")
    if from_ is None:
        reader.error("N", f"{path}.From", "thiếu cơ quan gửi (sender missing)")
    sender = reader.organisation(from_, f"{path}.From")
    recipients: list[Organisation] = []
    for index, element in enumerate(children(header, "To"), start=1):
        # One unusable recipient does not stop the others: a deviation, not an error.
        recipient = reader.organisation(element, f"{path}.To[{index}]", essential=False, addressee=True)
        if not recipient.organ_id:
            continue
        if any(same_org_code(recipient.organ_id, r.organ_id) for r in recipients):
            reader.deviation(
                "M", f"{path}.To[{index}]", f"nơi nhận “{recipient.organ_id}” bị trùng (duplicate)"
            )
            continue
        recipients.append(recipient)
    if not recipients:
        reader.error("N", f"{path}.To", "cần ít nhất một nơi nhận (at least one recipient)")
    document_id = reader.document_id(header, path)
    code = child(header, "Code")
    code_number = reader.text(code, "CodeNumber", f"{path}.Code", required=True, max_len=11)
    code_notation = reader.text(code, "CodeNotation", f"{path}.Code", required=True, max_len=30)
    info = child(header, "PromulgationInfo")
    place = reader.text(info, "Place", f"{path}.PromulgationInfo", max_len=50)
    promulgation_date = reader.date(info, "PromulgationDate", f"{path}.PromulgationInfo", essential=True)
    doc_type = child(header, "DocumentType")
    type_ = reader.integer(doc_type, "Type", f"{path}.DocumentType", allowed=(1, 2), default=1)
    type_detail = reader.count(doc_type, "TypeDetail", f"{path}.DocumentType") or 0
    type_name = reader.text(doc_type, "TypeName", f"{path}.DocumentType", max_len=100)
    subject = reader.text(header, "Subject", path, required=True, max_len=500)
    content = reader.text(header, "Content", path, max_len=500)
    signer_element = child(header, "SignerInfo")
    signer = Signer(
        competence=reader.text(signer_element, "Competence", f"{path}.SignerInfo"),
        position=reader.text(signer_element, "Position", f"{path}.SignerInfo"),
        full_name=reader.text(signer_element, "FullName", f"{path}.SignerInfo"),
    )
    due_date = reader.date(header, "DueDate", path)
    to_places = tuple(
        clean(place_element.text) for place_element in children(child(header, "ToPlaces"), "Place")
    )
    for index, value in enumerate(to_places, start=1):
        if len(value) > 150:
            reader.deviation("R", f"{path}.ToPlaces.Place[{index}]", f"dài {len(value)} ký tự, tối đa 150")
    other = child(header, "OtherInfo")
    other_path = f"{path}.OtherInfo"
    priority = reader.integer(other, "Priority", other_path, allowed=range(5), default=0)
    sphere = reader.text(other, "SphereOfPromulgation", other_path, max_len=100)
    typer_notation = reader.text(other, "TyperNotation", other_path, max_len=10)
    promulgation_amount = reader.count(other, "PromulgationAmount", other_path)
    page_amount = reader.count(other, "PageAmount", other_path)
    direction = reader.text(other, "Direction", other_path).lower() in ("true", "1")
    appendixes = tuple(clean(a.text) for a in children(child(other, "Appendixes"), "Appendix"))
    response_for = tuple(
        reader.response_for(element, f"{path}.ResponseFor[{index}]")
        for index, element in enumerate(children(header, "ResponseFor"), start=1)
    )
    steering_type = reader.integer(header, "SteeringType", path, allowed=(0, 1, 2), default=0)

    trace_list = child(child(child(root, "edXMLEnvelope"), "edXMLHeader"), "TraceHeaderList")
    trace: list[tuple[str, datetime]] = []
    for index, element in enumerate(children(trace_list, "TraceHeader"), start=1):
        trace_path = f"TraceHeaderList.TraceHeader[{index}]"
        # A trace header without a usable OrganId or time says nothing: skipped, with a warning.
        organ_id = reader.organ_id(element, trace_path, essential=False)
        stamp = reader.timestamp(element, "Timestamp", trace_path)
        if organ_id and stamp is not None:
            trace.append((organ_id, stamp))
    business = child(trace_list, "Bussiness")
    business_path = "TraceHeaderList.Bussiness"
    business_doc_type = reader.integer(
        business, "BussinessDocType", business_path, allowed=range(4), default=0
    )
    business_info = child(business, "BussinessDocumentInfo")
    receivers: list[tuple[str, int]] = []
    receiver_path = f"{business_path}.BussinessDocumentInfo.ReceiverList.Receiver"
    for index, element in enumerate(children(child(business_info, "ReceiverList"), "Receiver"), start=1):
        organ_id = reader.organ_id(element, f"{receiver_path}[{index}]", essential=False, addressee=True)
        kind = reader.integer(element, "ReceiverType", f"{receiver_path}[{index}]", allowed=(0, 1), default=0)
        if organ_id:
            receivers.append((organ_id, kind))
    replacements: list[ReplacementInfo] = []
    replacement_path = f"{business_path}.ReplacementInfoList.ReplacementInfo"
    for index, element in enumerate(
        children(child(business, "ReplacementInfoList"), "ReplacementInfo"), start=1
    ):
        ids = tuple(clean(o.text) for o in children(child(element, "OrganIdList"), "OrganId"))
        replacements.append(
            ReplacementInfo(reader.text(element, "DocumentId", f"{replacement_path}[{index}]"), ids)
        )
    staff_element = child(business, "StaffInfo")

    attachments = reader.attachments(
        children(child(root, "AttachmentEncoded"), "Attachment"), "AttachmentEncoded"
    )

    if reader.errors or promulgation_date is None:
        return None
    return DocumentPacket(
        sender=sender,
        recipients=tuple(recipients),
        document_id=document_id,
        code_number=code_number,
        code_notation=code_notation,
        promulgation_date=promulgation_date,
        subject=subject,
        type_=type_,
        place=place,
        type_detail=type_detail,
        type_name=type_name,
        content=content,
        signer=signer,
        due_date=due_date,
        to_places=to_places,
        priority=priority,
        sphere=sphere,
        typer_notation=typer_notation,
        promulgation_amount=promulgation_amount,
        page_amount=page_amount,
        direction=direction,
        appendixes=appendixes,
        response_for=response_for,
        steering_type=steering_type,
        business_doc_type=business_doc_type,
        business_document_id=reader.text(business, "DocumentId", business_path),
        business_reason=reader.text(business, "BussinessDocReason", business_path),
        paper=reader.integer(business, "Paper", business_path, allowed=(0, 1), default=0),
        receivers=tuple(receivers),
        replacements=tuple(replacements),
        business_staff=reader.staff(staff_element, f"{business_path}.StaffInfo")
        if staff_element is not None
        else None,
        attachments=attachments,
        trace=tuple(trace),
        warnings=tuple(reader.warnings),
    )


def read_tree(root: etree._Element, reader: Reader) -> Packet:
    """Read a parsed tree; the writer calls it on its own output with `strict_reader()`."""
    if local(root) != "edXML":
        raise EdxmlError([f"M.edXML: phần tử gốc là “{local(root)}”, phải là edXML (not an edXML packet)"])
    header = child(child(child(root, "edXMLEnvelope"), "edXMLHeader"), "MessageHeader")
    if header is None:
        raise EdxmlError(["N.edXMLEnvelope.edXMLHeader.MessageHeader: thiếu MessageHeader (header missing)"])
    packet: Packet | None
    if child(header, "StatusCode") is not None:
        packet = _read_status(reader, header)
    else:
        packet = _read_document(reader, root, header)
    if reader.errors or packet is None:
        raise EdxmlError(reader.errors or ["M.edXML: gói tin không đọc được (unreadable packet)"])
    return packet


def parse(
    data: bytes,
    *,
    strict: bool = False,
    max_bytes: int = MAX_PACKET_BYTES,
    budget: AttachmentBudget | None = None,
) -> Packet:
    """Read an edXML packet's header and list its attachments without decoding them (safe before
    the signature check); raise ``EdxmlError`` with every problem found. Deviations from the
    standard that leave the packet unambiguous are ``packet.warnings`` (errors when ``strict``)."""
    # Streamed: each attachment's base64 text is measured as it passes, never held.
    root, encoded = stream_root(data, max_bytes=max_bytes)
    return read_tree(root, Reader(strict=strict, budget=budget, encoded=encoded))


_known: OrderedDict[tuple[bytes, AttachmentBudget], Packet] = OrderedDict()
_known_lock = threading.Lock()


def parse_known(data: bytes, *, budget: AttachmentBudget | None = None) -> Packet:
    """``parse`` (tolerant), read once per process for the same bytes and budget: the hub reads a
    packet when it takes it in and each recipient's side reads it again when it arrives; the
    second read is the first one's result (packets are immutable). Only readable packets are
    remembered; their bytes are identified by SHA-256."""
    key = (hashlib.sha256(data).digest(), budget or AttachmentBudget())
    with _known_lock:
        packet = _known.get(key)
        if packet is not None:
            _known.move_to_end(key)
            return packet
    packet = parse(data, budget=budget)
    with _known_lock:
        _known[key] = packet
        while len(_known) > KNOWN_KEPT:
            _known.popitem(last=False)
    return packet


def remember(data: bytes, written: Packet) -> None:
    """Tell ``parse_known`` what ``data`` reads as when it was just written from ``written`` (the
    writer checked that it reads back as that; its files are listed here as ``parse`` lists them):
    the recipients' side in this process need not parse it again. Only what the default budget
    lets ``parse`` read is remembered."""
    budget = AttachmentBudget()
    if len(data) > MAX_PACKET_BYTES:
        return
    if isinstance(written, DocumentPacket):
        files = written.attachments
        sizes = [len(file.data) for file in files]
        if len(files) > budget.max_count or sum(sizes) > budget.max_total_bytes or not all(sizes):
            return
        written = replace(
            written,
            attachments=tuple(
                Attachment(
                    content_id=file.content_id,
                    name=file.name,
                    description=file.description,
                    content_type=ATTACHMENT_CONTENT_TYPE,
                    size=size if size < 0xFFFFFFFF else None,  # ZIP64 keeps it elsewhere
                )
                for file, size in zip(files, sizes, strict=True)
            ),
        )
    key = (hashlib.sha256(data).digest(), budget)
    with _known_lock:
        _known[key] = replace(written, warnings=())
        while len(_known) > KNOWN_KEPT:
            _known.popitem(last=False)
