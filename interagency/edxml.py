"""edXML packets of the national document exchange (QCVN 102:2016/BTTTT).

``parse`` reads document packets (new, revoke, update, replace) and status packets, tolerant
of what real senders write (namespace prefixes or none, ``cid:N`` or ``N``, three-part organ
ids, status children in any order). ``build`` writes the canonical form, strictly: it checks its
own output with the same rules and refuses to write a packet that would not pass them.

Hostile input is refused before any expensive work: a size limit on the packet, no DTD or
entity (billion laughs, external entities), a cap on each attachment's base64 text before
decoding and on its unzipped size (zip bombs).

Errors follow the hub's shape: a class letter and a path, then a readable message:
``N.`` missing, ``R.`` too long / too large, ``M.`` bad value, ``T.`` bad format.
Text is stored NFC and stripped; timestamps carry Vietnam time (UTC+7), to the second.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta, timezone
from typing import Literal

from django.core.exceptions import ValidationError
from lxml import etree

from tenants.orgcode import normalize_org_code

NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
VIETNAM_TZ = timezone(timedelta(hours=7), "ICT")
DATE_FORMAT = "%Y/%m/%d"
TIMESTAMP_FORMAT = "%Y/%m/%d %H:%M:%S"

MAX_PACKET_BYTES = 50 * 1024 * 1024
MAX_ATTACHMENT_BASE64 = 30 * 1024 * 1024
MAX_ATTACHMENT_BYTES = 50 * 1024 * 1024

STATUS_CODES: dict[str, str] = {
    "01": "Đã đến",
    "02": "Từ chối tiếp nhận",
    "03": "Đã tiếp nhận, vào sổ",
    "04": "Đã phân công",
    "05": "Đang xử lý",
    "06": "Hoàn thành",
    "13": "Bên gửi đề nghị lấy lại / cập nhật",
    "15": "Đồng ý lấy lại / cập nhật",
    "16": "Từ chối lấy lại / cập nhật",
}
BUSINESS_KINDS = {0: "edoc-new", 1: "edoc-revoke", 2: "edoc-update", 3: "edoc-replace"}

# Lengths from the standard; the key is the element's local name inside its group.
_ORGAN_LIMITS = {
    "OrganizationInCharge": 500,
    "OrganName": 200,
    "OrganAdd": 500,
    "Email": 100,
    "Telephone": 20,
    "Fax": 20,
}
_DATE_RE = re.compile(r"[0-9]{4}/[0-9]{2}/[0-9]{2}")
_TIMESTAMP_RE = re.compile(r"[0-9]{4}/[0-9]{2}/[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}")
# {sender OrganId},{yyyy/MM/dd},{number}/{notation}: checked only on what we write.
_DOCUMENT_ID_RE = re.compile(r"[^,\s]+,[0-9]{4}/[0-9]{2}/[0-9]{2},[^/]+/.+")
_READ_CHUNK = 1024 * 1024


class EdxmlError(ValueError):
    """A packet that cannot be read or written; ``errors`` holds each problem in the hub's shape."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class Organisation:
    organ_id: str
    organ_name: str = ""
    organization_in_charge: str = ""
    organ_add: str = ""
    email: str = ""
    telephone: str = ""
    fax: str = ""
    website: str = ""


@dataclass(frozen=True)
class Attachment:
    content_id: str  # without the "cid:" prefix
    name: str
    data: bytes  # the file itself, unzipped
    description: str = ""
    content_type: str = "application/zip"


@dataclass(frozen=True)
class Signer:
    competence: str = ""
    position: str = ""
    full_name: str = ""


@dataclass(frozen=True)
class ResponseFor:
    organ_id: str
    document_id: str
    code: str = ""
    promulgation_date: date | None = None


@dataclass(frozen=True)
class Staff:
    department: str = ""
    staff: str = ""
    mobile: str = ""
    email: str = ""


@dataclass(frozen=True)
class ReplacementInfo:
    document_id: str
    organ_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class DocumentPacket:
    sender: Organisation
    recipients: tuple[Organisation, ...]
    document_id: str
    code_number: str
    code_notation: str
    promulgation_date: date
    subject: str
    type_: int = 1
    place: str = ""
    type_detail: int = 0
    type_name: str = ""
    content: str = ""
    signer: Signer = field(default_factory=Signer)
    due_date: date | None = None
    to_places: tuple[str, ...] = ()
    priority: int = 0
    sphere: str = ""
    typer_notation: str = ""
    promulgation_amount: int | None = None
    page_amount: int | None = None
    direction: bool = False
    appendixes: tuple[str, ...] = ()
    response_for: tuple[ResponseFor, ...] = ()
    steering_type: int = 0
    business_doc_type: int = 0  # 0 new, 1 revoke, 2 update, 3 replace
    business_document_id: str = ""
    business_reason: str = ""
    paper: int = 0
    receivers: tuple[tuple[str, int], ...] = ()  # updates: (OrganId, ReceiverType)
    replacements: tuple[ReplacementInfo, ...] = ()
    business_staff: Staff | None = None
    attachments: tuple[Attachment, ...] = ()
    trace: tuple[tuple[str, datetime], ...] = ()  # (OrganId, timestamp) per system passed

    @property
    def kind(self) -> str:
        return BUSINESS_KINDS[self.business_doc_type]


@dataclass(frozen=True)
class StatusPacket:
    sender: Organisation
    response_for: ResponseFor
    status_code: str
    timestamp: datetime
    staff: Staff = field(default_factory=Staff)
    description: str = ""

    @property
    def kind(self) -> Literal["status"]:
        return "status"

    @property
    def document_id(self) -> str:
        return self.response_for.document_id


Packet = DocumentPacket | StatusPacket
# Returns the signed root (signxml builds a new tree), or None when it signed the root in place.
SignHook = Callable[[etree._Element], etree._Element | None]


# --- reading -----------------------------------------------------------------------------------


def _local(element: etree._Element) -> str:
    tag = element.tag
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _children(parent: etree._Element | None, name: str) -> list[etree._Element]:
    if parent is None:
        return []
    return [child for child in parent if _local(child) == name]


def _child(parent: etree._Element | None, name: str) -> etree._Element | None:
    found = _children(parent, name)
    return found[0] if found else None


def _clean(value: str | None) -> str:
    return unicodedata.normalize("NFC", value or "").strip()


class _Reader:
    """Reads values off the tree, collecting errors instead of stopping at the first."""

    def __init__(self, *, strict: bool, max_attachment_base64: int, max_attachment_bytes: int) -> None:
        self.errors: list[str] = []
        self.strict = strict
        self.max_attachment_base64 = max_attachment_base64
        self.max_attachment_bytes = max_attachment_bytes

    def error(self, kind: str, path: str, message: str) -> None:
        self.errors.append(f"{kind}.{path}: {message}")

    def text(
        self, parent: etree._Element | None, name: str, path: str, *, required: bool = False, max_len: int = 0
    ) -> str:
        element = _child(parent, name)
        value = _clean(element.text) if element is not None else ""
        where = f"{path}.{name}"
        if required and not value:
            self.error("N", where, "bắt buộc nhưng thiếu (required element missing or empty)")
        elif max_len and len(value) > max_len:
            self.error("R", where, f"dài {len(value)} ký tự, tối đa {max_len} (too long)")
        return value

    def integer(
        self, parent: etree._Element | None, name: str, path: str, *, allowed: Iterable[int], default: int
    ) -> int:
        raw = self.text(parent, name, path)
        if not raw:
            return default
        allowed = tuple(allowed)
        try:
            value = int(raw)
        except ValueError:
            value = None
        if value is None or value not in allowed:
            self.error(
                "M", f"{path}.{name}", f"giá trị “{raw}” không hợp lệ, phải là một trong {list(allowed)}"
            )
            return default
        return value

    def count(self, parent: etree._Element | None, name: str, path: str) -> int | None:
        raw = self.text(parent, name, path)
        if not raw:
            return None
        if not raw.isdigit():
            self.error("M", f"{path}.{name}", f"“{raw}” không phải số không âm (not a count)")
            return None
        return int(raw)

    def date(
        self, parent: etree._Element | None, name: str, path: str, *, required: bool = False
    ) -> date | None:
        raw = self.text(parent, name, path, required=required)
        if not raw:
            return None
        if _DATE_RE.fullmatch(raw):
            try:
                return datetime.strptime(raw, DATE_FORMAT).replace(tzinfo=VIETNAM_TZ).date()
            except ValueError:
                pass
        self.error("T", f"{path}.{name}", f"ngày “{raw}” sai định dạng, phải là yyyy/MM/dd")
        return None

    def timestamp(
        self, parent: etree._Element | None, name: str, path: str, *, required: bool = False
    ) -> datetime | None:
        raw = self.text(parent, name, path, required=required)
        if not raw:
            return None
        if _TIMESTAMP_RE.fullmatch(raw):
            try:
                return datetime.strptime(raw, TIMESTAMP_FORMAT).replace(tzinfo=VIETNAM_TZ)
            except ValueError:
                pass
        self.error("T", f"{path}.{name}", f"thời điểm “{raw}” sai định dạng, phải là yyyy/MM/dd HH:mm:ss")
        return None

    def organ_id(self, parent: etree._Element | None, path: str, *, required: bool = True) -> str:
        raw = self.text(parent, "OrganId", path, required=required)
        if not raw:
            return ""
        try:
            return normalize_org_code(raw)
        except ValidationError as exc:
            self.error("M", f"{path}.OrganId", " ".join(str(message) for message in exc.messages))
            return raw

    def organisation(self, element: etree._Element | None, path: str) -> Organisation:
        values = {
            name: self.text(element, name, path, max_len=limit) for name, limit in _ORGAN_LIMITS.items()
        }
        return Organisation(
            organ_id=self.organ_id(element, path),
            organ_name=values["OrganName"],
            organization_in_charge=values["OrganizationInCharge"],
            organ_add=values["OrganAdd"],
            email=values["Email"],
            telephone=values["Telephone"],
            fax=values["Fax"],
            website=self.text(element, "Website", path),
        )

    def response_for(self, element: etree._Element | None, path: str) -> ResponseFor:
        return ResponseFor(
            organ_id=self.organ_id(element, path, required=False),
            document_id=self.text(element, "DocumentId", path, required=True),
            code=self.text(element, "Code", path),
            promulgation_date=self.date(element, "PromulgationDate", path),
        )

    def staff(self, element: etree._Element | None, path: str) -> Staff:
        return Staff(
            department=self.text(element, "Department", path),
            staff=self.text(element, "Staff", path),
            mobile=self.text(element, "Mobile", path),
            email=self.text(element, "Email", path, max_len=100),
        )

    def document_id(self, parent: etree._Element | None, path: str) -> str:
        value = self.text(parent, "DocumentId", path, required=True)
        if value and self.strict and not _DOCUMENT_ID_RE.fullmatch(value):
            self.error(
                "T", f"{path}.DocumentId", f"“{value}” phải có dạng mã định danh,yyyy/MM/dd,số/ký hiệu"
            )
        return value

    def attachment(self, element: etree._Element, path: str) -> Attachment | None:
        content_id = self.text(element, "ContentId", path, required=True).removeprefix("cid:").strip()
        name = self.text(element, "AttachmentName", path, required=True)
        encoded = _child(element, "ContentTransferEncoded")
        raw = encoded.text or "" if encoded is not None else ""
        where = f"{path}.ContentTransferEncoded"
        if not raw.strip():
            self.error("N", where, "tệp đính kèm không có nội dung (no content)")
            return None
        # Bound the encoded text before decoding: decoding allocates ~3/4 of it again.
        if len(raw) > self.max_attachment_base64:
            self.error(
                "R", where, f"{len(raw)} ký tự base64, tối đa {self.max_attachment_base64} (too large)"
            )
            return None
        try:
            zipped = base64.b64decode("".join(raw.split()), validate=True)
        except (binascii.Error, ValueError):
            self.error("T", where, "không phải base64 hợp lệ (not valid base64)")
            return None
        data = self._unzip(zipped, where)
        if data is None:
            return None
        return Attachment(
            content_id=content_id,
            name=name,
            data=data,
            description=self.text(element, "Description", path),
            content_type=self.text(element, "ContentType", path) or "application/zip",
        )

    def _unzip(self, zipped: bytes, where: str) -> bytes | None:
        try:
            with zipfile.ZipFile(io.BytesIO(zipped)) as archive:
                members = [info for info in archive.infolist() if not info.is_dir()]
                if len(members) != 1:
                    self.error(
                        "M", where, f"ZIP phải chứa đúng một tệp, có {len(members)} (one file expected)"
                    )
                    return None
                limit = self.max_attachment_bytes
                if members[0].file_size > limit:
                    self.error("R", where, f"tệp giải nén {members[0].file_size} byte, tối đa {limit}")
                    return None
                # The declared size may lie (zip bomb): read in chunks and stop past the limit.
                out = io.BytesIO()
                with archive.open(members[0]) as stream:
                    while chunk := stream.read(_READ_CHUNK):
                        out.write(chunk)
                        if out.tell() > limit:
                            self.error("R", where, f"tệp giải nén vượt quá {limit} byte (zip bomb?)")
                            return None
                return out.getvalue()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError) as exc:
            self.error("T", where, f"không phải tệp ZIP hợp lệ (not a valid ZIP: {exc})")
            return None


def _read_status(reader: _Reader, header: etree._Element) -> StatusPacket | None:
    path = "MessageHeader"
    from_ = _child(header, "From")
    if from_ is None:
        reader.error("N", f"{path}.From", "thiếu cơ quan gửi (sender missing)")
    response = _child(header, "ResponseFor")
    if response is None:
        reader.error("N", f"{path}.ResponseFor", "thiếu văn bản được phản hồi (ResponseFor missing)")
    code = reader.text(header, "StatusCode", path, required=True)
    if code and code not in STATUS_CODES:
        reader.error(
            "M", f"{path}.StatusCode", f"mã trạng thái “{code}” không hợp lệ, phải là {list(STATUS_CODES)}"
        )
    packet_sender = reader.organisation(from_, f"{path}.From")
    packet_response = reader.response_for(response, f"{path}.ResponseFor")
    staff = reader.staff(_child(header, "StaffInfo"), f"{path}.StaffInfo")
    description = reader.text(header, "Description", path)
    timestamp = reader.timestamp(header, "Timestamp", path, required=True)
    if reader.errors or timestamp is None:
        return None
    return StatusPacket(
        sender=packet_sender,
        response_for=packet_response,
        status_code=code,
        timestamp=timestamp,
        staff=staff,
        description=description,
    )


def _read_document(reader: _Reader, root: etree._Element, header: etree._Element) -> DocumentPacket | None:
    path = "MessageHeader"
    from_ = _child(header, "From")
    if from_ is None:
        reader.error("N", f"{path}.From", "thiếu cơ quan gửi (sender missing)")
    sender = reader.organisation(from_, f"{path}.From")
    recipients: list[Organisation] = []
    for index, element in enumerate(_children(header, "To"), start=1):
        recipient = reader.organisation(element, f"{path}.To[{index}]")
        if recipient.organ_id and recipient.organ_id in {r.organ_id for r in recipients}:
            reader.error("M", f"{path}.To[{index}]", f"nơi nhận “{recipient.organ_id}” bị trùng (duplicate)")
        recipients.append(recipient)
    if not recipients:
        reader.error("N", f"{path}.To", "cần ít nhất một nơi nhận (at least one recipient)")
    document_id = reader.document_id(header, path)
    code = _child(header, "Code")
    code_number = reader.text(code, "CodeNumber", f"{path}.Code", required=True, max_len=11)
    code_notation = reader.text(code, "CodeNotation", f"{path}.Code", required=True, max_len=30)
    info = _child(header, "PromulgationInfo")
    place = reader.text(info, "Place", f"{path}.PromulgationInfo", max_len=50)
    promulgation_date = reader.date(info, "PromulgationDate", f"{path}.PromulgationInfo", required=True)
    doc_type = _child(header, "DocumentType")
    type_ = reader.integer(doc_type, "Type", f"{path}.DocumentType", allowed=(1, 2), default=1)
    type_detail = reader.count(doc_type, "TypeDetail", f"{path}.DocumentType") or 0
    type_name = reader.text(doc_type, "TypeName", f"{path}.DocumentType", max_len=100)
    subject = reader.text(header, "Subject", path, required=True, max_len=500)
    content = reader.text(header, "Content", path, max_len=500)
    signer_element = _child(header, "SignerInfo")
    signer = Signer(
        competence=reader.text(signer_element, "Competence", f"{path}.SignerInfo"),
        position=reader.text(signer_element, "Position", f"{path}.SignerInfo"),
        full_name=reader.text(signer_element, "FullName", f"{path}.SignerInfo"),
    )
    due_date = reader.date(header, "DueDate", path)
    to_places = tuple(
        _clean(place_element.text) for place_element in _children(_child(header, "ToPlaces"), "Place")
    )
    for index, value in enumerate(to_places, start=1):
        if len(value) > 150:
            reader.error("R", f"{path}.ToPlaces.Place[{index}]", f"dài {len(value)} ký tự, tối đa 150")
    other = _child(header, "OtherInfo")
    other_path = f"{path}.OtherInfo"
    priority = reader.integer(other, "Priority", other_path, allowed=range(5), default=0)
    sphere = reader.text(other, "SphereOfPromulgation", other_path, max_len=100)
    typer_notation = reader.text(other, "TyperNotation", other_path, max_len=10)
    promulgation_amount = reader.count(other, "PromulgationAmount", other_path)
    page_amount = reader.count(other, "PageAmount", other_path)
    direction = reader.text(other, "Direction", other_path).lower() in ("true", "1")
    appendixes = tuple(_clean(a.text) for a in _children(_child(other, "Appendixes"), "Appendix"))
    response_for = tuple(
        reader.response_for(element, f"{path}.ResponseFor[{index}]")
        for index, element in enumerate(_children(header, "ResponseFor"), start=1)
    )
    steering_type = reader.integer(header, "SteeringType", path, allowed=(0, 1, 2), default=0)

    trace_list = _child(_child(_child(root, "edXMLEnvelope"), "edXMLHeader"), "TraceHeaderList")
    trace: list[tuple[str, datetime]] = []
    for index, element in enumerate(_children(trace_list, "TraceHeader"), start=1):
        trace_path = f"TraceHeaderList.TraceHeader[{index}]"
        organ_id = reader.organ_id(element, trace_path)
        stamp = reader.timestamp(element, "Timestamp", trace_path, required=True)
        if stamp is not None:
            trace.append((organ_id, stamp))
    business = _child(trace_list, "Bussiness")
    business_path = "TraceHeaderList.Bussiness"
    business_doc_type = reader.integer(
        business, "BussinessDocType", business_path, allowed=range(4), default=0
    )
    business_info = _child(business, "BussinessDocumentInfo")
    receivers: list[tuple[str, int]] = []
    receiver_path = f"{business_path}.BussinessDocumentInfo.ReceiverList.Receiver"
    for index, element in enumerate(_children(_child(business_info, "ReceiverList"), "Receiver"), start=1):
        organ_id = reader.organ_id(element, f"{receiver_path}[{index}]")
        kind = reader.integer(element, "ReceiverType", f"{receiver_path}[{index}]", allowed=(0, 1), default=0)
        receivers.append((organ_id, kind))
    replacements: list[ReplacementInfo] = []
    replacement_path = f"{business_path}.ReplacementInfoList.ReplacementInfo"
    for index, element in enumerate(
        _children(_child(business, "ReplacementInfoList"), "ReplacementInfo"), start=1
    ):
        ids = tuple(_clean(o.text) for o in _children(_child(element, "OrganIdList"), "OrganId"))
        replacements.append(
            ReplacementInfo(reader.text(element, "DocumentId", f"{replacement_path}[{index}]"), ids)
        )
    staff_element = _child(business, "StaffInfo")

    attachments: list[Attachment] = []
    for index, element in enumerate(_children(_child(root, "AttachmentEncoded"), "Attachment"), start=1):
        attachment = reader.attachment(element, f"AttachmentEncoded.Attachment[{index}]")
        if attachment is not None:
            attachments.append(attachment)

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
        attachments=tuple(attachments),
        trace=tuple(trace),
    )


def _read_tree(root: etree._Element, reader: _Reader) -> Packet:
    if _local(root) != "edXML":
        raise EdxmlError([f"M.edXML: phần tử gốc là “{_local(root)}”, phải là edXML (not an edXML packet)"])
    header = _child(_child(_child(root, "edXMLEnvelope"), "edXMLHeader"), "MessageHeader")
    if header is None:
        raise EdxmlError(["N.edXMLEnvelope.edXMLHeader.MessageHeader: thiếu MessageHeader (header missing)"])
    packet: Packet | None
    if _child(header, "StatusCode") is not None:
        packet = _read_status(reader, header)
    else:
        packet = _read_document(reader, root, header)
    if reader.errors or packet is None:
        raise EdxmlError(reader.errors or ["M.edXML: gói tin không đọc được (unreadable packet)"])
    return packet


def _parser() -> etree.XMLParser:
    # No DTD, no entity expansion, no network: billion laughs and XXE have nothing to work with.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        dtd_validation=False,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def parse(
    data: bytes,
    *,
    max_bytes: int = MAX_PACKET_BYTES,
    max_attachment_base64: int = MAX_ATTACHMENT_BASE64,
    max_attachment_bytes: int = MAX_ATTACHMENT_BYTES,
) -> Packet:
    """Read an edXML packet; raise ``EdxmlError`` with every problem found."""
    if len(data) > max_bytes:
        raise EdxmlError([f"R.edXML: gói tin {len(data)} byte, tối đa {max_bytes} (packet too large)"])
    body = data.removeprefix(b"\xef\xbb\xbf")
    if not body.startswith(b"<"):
        raise EdxmlError(
            [
                f"T.edXML: gói tin không bắt đầu bằng XML (bắt đầu bằng {body[:16]!r}); "
                "có byte lạ trước khai báo <?xml (stray bytes before the XML declaration)"
            ]
        )
    # Refused outright, before lxml sees it: a DTD is never legitimate in edXML.
    if re.search(rb"<!(DOCTYPE|ENTITY)", body, re.IGNORECASE):
        raise EdxmlError(["M.edXML: gói tin có khai báo DOCTYPE/ENTITY, không được phép (DTD refused)"])
    try:
        root = etree.fromstring(body, _parser())
    except etree.XMLSyntaxError as exc:
        if "limit" in str(exc).lower():
            raise EdxmlError([f"R.edXML: vượt giới hạn của bộ phân tích XML ({exc})"]) from exc
        raise EdxmlError([f"T.edXML: XML không hợp lệ (not well-formed: {exc})"]) from exc
    if root.getroottree().docinfo.doctype:
        raise EdxmlError(["M.edXML: gói tin có khai báo DOCTYPE, không được phép (DTD refused)"])
    reader = _Reader(
        strict=False, max_attachment_base64=max_attachment_base64, max_attachment_bytes=max_attachment_bytes
    )
    return _read_tree(root, reader)


# --- writing -----------------------------------------------------------------------------------


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


def _zip(attachment: Attachment) -> str:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        # A fixed timestamp keeps the output reproducible (same packet, same bytes, same hash).
        info = zipfile.ZipInfo(attachment.name, date_time=(1980, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
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
        _add(reference, "ContentType", attachment.content_type)
        _add(reference, "Description", attachment.description)
        _add(reference, "AttachmentName", attachment.name)
        element = _add(encoded, "Attachment")
        _add(element, "ContentId", f"cid:{attachment.content_id}")
        _add(element, "AttachmentName", attachment.name)
        _add(element, "Description", attachment.description)
        _add(element, "ContentType", attachment.content_type)
        _add(element, "ContentTransferEncoded", _zip(attachment))


def build(packet: Packet, *, sign: SignHook | None = None) -> bytes:
    """Write ``packet`` as canonical edXML (UTF-8, edXML namespace); raise ``EdxmlError`` if invalid.

    ``sign`` is the signing hook (e.g. ``interagency.signing.sign_packet`` with a key bound): it gets
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
    reader = _Reader(
        strict=True, max_attachment_base64=MAX_ATTACHMENT_BASE64, max_attachment_bytes=MAX_ATTACHMENT_BYTES
    )
    written = _read_tree(root, reader)
    # What we write must read back as the same data (text NFC and stripped, codes upper-case,
    # timestamps to the second): otherwise the receiver would see something else.
    differing = [f.name for f in fields(packet) if getattr(written, f.name) != getattr(packet, f.name)]
    if differing:
        raise EdxmlError(
            [f"M.{name}: giá trị không ở dạng chuẩn, đọc lại sẽ khác (not canonical)" for name in differing]
        )
    if sign is not None:
        signed = sign(root)
        if signed is not None:
            root = signed
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
