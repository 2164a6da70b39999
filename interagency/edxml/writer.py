"""Writing edXML packets: the canonical form, strictly. ``build`` checks its own output with the
reader's rules (plus the DocumentId format) and refuses to write a packet that would not pass them
or would read back differently."""

from __future__ import annotations

import base64
import io
import zipfile
import zlib
from dataclasses import fields
from datetime import date, datetime

from lxml import etree

from interagency.edxml.codes import ATTACHMENT_CONTENT_TYPE, DATE_FORMAT, NS, TIMESTAMP_FORMAT, VIETNAM_TZ
from interagency.edxml.fields import strict_reader
from interagency.edxml.packets import (
    Attachment,
    DocumentPacket,
    EdxmlError,
    Organisation,
    Packet,
    ResponseFor,
    SignHook,
    Staff,
    StatusPacket,
)
from interagency.edxml.reader import read_tree


def _q(name: str) -> str:
    return f"{{{NS}}}{name}"


def _add(parent: etree._Element, name: str, value: str | int | None = None) -> etree._Element:
    element = etree.SubElement(parent, _q(name))
    if value is not None:
        element.text = str(value)
    return element


def _add_optional(parent: etree._Element, name: str, value: str | int | None) -> None:
    if value is not None and value != "":
        _add(parent, name, value)


def _format_date(value: date) -> str:
    return value.strftime(DATE_FORMAT)


def _format_timestamp(value: datetime) -> str:
    if value.tzinfo is None:
        raise EdxmlError([f"M.Timestamp: thời điểm {value!r} không có múi giờ (naive datetime)"])
    return value.astimezone(VIETNAM_TZ).strftime(TIMESTAMP_FORMAT)


def _write_organisation(parent: etree._Element, name: str, organisation: Organisation) -> None:
    element = _add(parent, name)
    _add(element, "OrganId", organisation.organ_id)
    _add(element, "OrganizationInCharge", organisation.organization_in_charge)
    _add(element, "OrganName", organisation.organ_name)
    _add(element, "OrganAdd", organisation.organ_add)
    _add(element, "Email", organisation.email)
    _add(element, "Telephone", organisation.telephone)
    _add(element, "Fax", organisation.fax)
    _add(element, "Website", organisation.website)


def _write_response_for(parent: etree._Element, response: ResponseFor) -> None:
    element = _add(parent, "ResponseFor")
    _add(element, "OrganId", response.organ_id)
    _add(element, "Code", response.code)
    if response.promulgation_date is not None:
        _add(element, "PromulgationDate", _format_date(response.promulgation_date))
    _add(element, "DocumentId", response.document_id)


def _write_staff(parent: etree._Element, staff: Staff) -> None:
    element = _add(parent, "StaffInfo")
    _add(element, "Department", staff.department)
    _add(element, "Staff", staff.staff)
    _add(element, "Mobile", staff.mobile)
    _add(element, "Email", staff.email)


# Deflate is tried on a few slices of a file first (its start, middle and end, this much each): a
# PDF's streams or a JPEG are compressed already.
_DEFLATE_SLICE = 4 * 1024


def _compress_type(data: bytes) -> int:
    """ZIP_DEFLATED unless samples show the file will not shrink (then ZIP_STORED: deflating
    100 KB that stays 100 KB cost ~2 ms a document for nothing)."""
    if len(data) <= 3 * _DEFLATE_SLICE:
        sample = data
    else:
        middle = len(data) // 2
        sample = b"".join(
            (data[:_DEFLATE_SLICE], data[middle : middle + _DEFLATE_SLICE], data[-_DEFLATE_SLICE:])
        )
    if len(sample) < 1024 or len(zlib.compress(sample, 1)) < len(sample) * 0.95:
        return zipfile.ZIP_DEFLATED
    return zipfile.ZIP_STORED


def _zip(attachment: Attachment) -> str:
    buffer = io.BytesIO()
    compress_type = _compress_type(attachment.data)
    with zipfile.ZipFile(buffer, "w", compression=compress_type) as archive:
        # A fixed timestamp keeps the output reproducible (same packet, same bytes, same hash).
        info = zipfile.ZipInfo(attachment.name, date_time=(1980, 1, 1, 0, 0, 0))
        info.compress_type = compress_type
        archive.writestr(info, attachment.data)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _write_document(header: etree._Element, packet: DocumentPacket) -> None:
    _write_organisation(header, "From", packet.sender)
    for recipient in packet.recipients:
        _write_organisation(header, "To", recipient)
    _add(header, "DocumentId", packet.document_id)
    code = _add(header, "Code")
    _add(code, "CodeNumber", packet.code_number)
    _add(code, "CodeNotation", packet.code_notation)
    info = _add(header, "PromulgationInfo")
    _add(info, "Place", packet.place)
    _add(info, "PromulgationDate", _format_date(packet.promulgation_date))
    doc_type = _add(header, "DocumentType")
    _add(doc_type, "Type", packet.type_)
    _add(doc_type, "TypeDetail", packet.type_detail)
    _add(doc_type, "TypeName", packet.type_name)
    _add(header, "Subject", packet.subject)
    _add(header, "Content", packet.content)
    signer = _add(header, "SignerInfo")
    _add(signer, "Competence", packet.signer.competence)
    _add(signer, "Position", packet.signer.position)
    _add(signer, "FullName", packet.signer.full_name)
    if packet.due_date is not None:
        _add(header, "DueDate", _format_date(packet.due_date))
    places = _add(header, "ToPlaces")
    for place in packet.to_places:
        _add(places, "Place", place)
    other = _add(header, "OtherInfo")
    _add(other, "Priority", packet.priority)
    _add(other, "SphereOfPromulgation", packet.sphere)
    _add(other, "TyperNotation", packet.typer_notation)
    _add_optional(other, "PromulgationAmount", packet.promulgation_amount)
    _add_optional(other, "PageAmount", packet.page_amount)
    _add(other, "Direction", "true" if packet.direction else "false")
    if packet.appendixes:
        appendixes = _add(other, "Appendixes")
        for appendix in packet.appendixes:
            _add(appendixes, "Appendix", appendix)
    for response in packet.response_for:
        _write_response_for(header, response)
    _add(header, "SteeringType", packet.steering_type)


def _write_trace(header: etree._Element, packet: DocumentPacket) -> None:
    trace_list = _add(header, "TraceHeaderList")
    for organ_id, stamp in packet.trace:
        trace = _add(trace_list, "TraceHeader")
        _add(trace, "OrganId", organ_id)
        _add(trace, "Timestamp", _format_timestamp(stamp))
    business = _add(trace_list, "Bussiness")
    _add_optional(business, "DocumentId", packet.business_document_id)
    _add(business, "BussinessDocType", packet.business_doc_type)
    _add(business, "BussinessDocReason", packet.business_reason)
    _add(business, "Paper", packet.paper)
    if packet.receivers:
        info = _add(business, "BussinessDocumentInfo")
        receivers = _add(info, "ReceiverList")
        for organ_id, kind in packet.receivers:
            receiver = _add(receivers, "Receiver")
            _add(receiver, "OrganId", organ_id)
            _add(receiver, "ReceiverType", kind)
    if packet.replacements:
        replacements = _add(business, "ReplacementInfoList")
        for replacement in packet.replacements:
            element = _add(replacements, "ReplacementInfo")
            _add(element, "DocumentId", replacement.document_id)
            organ_ids = _add(element, "OrganIdList")
            for organ_id in replacement.organ_ids:
                _add(organ_ids, "OrganId", organ_id)
    if packet.business_staff is not None:
        _write_staff(business, packet.business_staff)


def _write_attachments(root: etree._Element, envelope: etree._Element, packet: DocumentPacket) -> None:
    if not packet.attachments:
        return
    manifest = _add(_add(envelope, "edXMLBody"), "edXMLManifest")
    manifest.set("version", "1.0")
    encoded = _add(root, "AttachmentEncoded")
    for attachment in packet.attachments:
        reference = _add(manifest, "Reference")
        _add(reference, "ContentId", f"cid:{attachment.content_id}")
        _add(reference, "ContentType", ATTACHMENT_CONTENT_TYPE)
        _add(reference, "Description", attachment.description)
        _add(reference, "AttachmentName", attachment.name)
        element = _add(encoded, "Attachment")
        _add(element, "ContentId", f"cid:{attachment.content_id}")
        _add(element, "AttachmentName", attachment.name)
        _add(element, "Description", attachment.description)
        _add(element, "ContentType", ATTACHMENT_CONTENT_TYPE)
        _add(element, "ContentTransferEncoded", _zip(attachment))


# Warnings are what a reader noticed, not data; attachments are compared by their description
# (their ContentType is always the ZIP's).
_NOT_COMPARED = frozenset({"warnings", "attachments"})


def _described(attachment: Attachment) -> tuple[str, str, str]:
    return (attachment.content_id, attachment.name, attachment.description)


def build(packet: Packet, *, sign: SignHook | None = None) -> bytes:
    """Write ``packet`` as canonical edXML (UTF-8, edXML namespace); raise ``EdxmlError`` if invalid.

    ``sign`` is the signing hook (e.g. ``interagency.edxml.signatures.sign_packet`` with a key bound): it gets
    the finished root element and returns the root carrying the enveloped XML-DSig ``Signature`` in
    ``edXMLHeader``, or ``None`` if it changed the given root in place.
    """
    root = etree.Element(_q("edXML"), nsmap={"edXML": NS})
    envelope = _add(root, "edXMLEnvelope")
    header_group = _add(envelope, "edXMLHeader")
    header = _add(header_group, "MessageHeader")
    if isinstance(packet, StatusPacket):
        _write_organisation(header, "From", packet.sender)
        _write_response_for(header, packet.response_for)
        _write_staff(header, packet.staff)
        _add(header, "StatusCode", packet.status_code)
        _add(header, "Description", packet.description)
        _add(header, "Timestamp", _format_timestamp(packet.timestamp))
    else:
        _write_document(header, packet)
        _write_trace(header_group, packet)
        _write_attachments(root, envelope, packet)
    # Strict on what we write: the same rules as reading, plus the DocumentId format.
    written = read_tree(root, strict_reader())
    # What we write must read back as the same data (text NFC and stripped, codes upper-case,
    # timestamps to the second): otherwise the receiver would see something else.
    differing = [
        f.name
        for f in fields(packet)
        if f.name not in _NOT_COMPARED and getattr(written, f.name) != getattr(packet, f.name)
    ]
    # Read back listed, not decoded: compare what describes each file (the files are ours).
    if (
        isinstance(packet, DocumentPacket)
        and isinstance(written, DocumentPacket)
        and [_described(a) for a in written.attachments] != [_described(a) for a in packet.attachments]
    ):
        differing.append("attachments")
    if differing:
        raise EdxmlError(
            [f"M.{name}: giá trị không ở dạng chuẩn, đọc lại sẽ khác (not canonical)" for name in differing]
        )
    if sign is not None:
        signed = sign(root)
        if signed is not None:
            root = signed
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
