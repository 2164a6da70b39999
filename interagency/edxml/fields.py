"""Reading values off an edXML tree: one ``Reader`` per packet collects every problem (in the
hub's error shape, ``N.`` missing, ``R.`` too long or large, ``M.`` bad value, ``T.`` bad format)
instead of stopping at the first.

Tolerant reading: what stops routing or registering (who from, who to, which document) is an
error; any other deviation from the standard is a warning kept on the packet, or an error when
``strict`` (what tinhso writes is checked strictly). Attachments are only listed here: their
files are read by ``attachments.read_attachments`` after the signature check."""

from __future__ import annotations

import base64
import binascii
import re
import struct
from collections.abc import Iterable
from datetime import date, datetime

from lxml import etree

from interagency.edxml.codes import (
    DATE_FORMAT,
    TIMESTAMP_FORMAT,
    VIETNAM_TZ,
    InvalidOrgCode,
    is_standard_org_code,
    org_code_key,
    org_code_normal,
)
from interagency.edxml.packets import Attachment, AttachmentBudget, Organisation, ResponseFor, Staff
from interagency.edxml.tree import EncodedText, TextSink, child, clean

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
# Written by other systems; read (with a warning) when unambiguous. Day first, as in Vietnam.
_OTHER_DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y")
_OTHER_TIMESTAMP_FORMATS = (
    "%d/%m/%Y %H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%d/%m/%Y %H:%M",
)
# {sender OrganId},{yyyy/MM/dd},{number}/{notation}: checked only on what we write.
DOCUMENT_ID_RE = re.compile(r"[^,\s]+,[0-9]{4}/[0-9]{2}/[0-9]{2},[^/]+/.+")
# Enough base64 from the end of a ZIP for its central directory entry of one member.
_ZIP_TAIL_CHARS = 4096
_CENTRAL_ENTRY = b"PK\x01\x02"


class Reader:
    """Reads values off the tree, collecting errors and warnings instead of stopping at the first."""

    def __init__(
        self,
        *,
        strict: bool,
        budget: AttachmentBudget | None = None,
        encoded: dict[etree._Element, TextSink | EncodedText] | None = None,
        foreign_addressees: bool = False,
    ) -> None:
        self.errors: list[str] = []
        self.warnings: list[str] = []
        self.strict = strict
        # Strict, yet another organisation's code (To, ResponseFor) kept as it goes by: tinhso
        # writes to and answers an organisation of another scheme under its own code.
        self.foreign_addressees = foreign_addressees
        self.budget = budget or AttachmentBudget()
        # The attachments' base64 text when it was streamed aside (``tree.stream_root``).
        self.encoded = encoded or {}

    def error(self, kind: str, path: str, message: str) -> None:
        self.errors.append(f"{kind}.{path}: {message}")

    def deviation(self, kind: str, path: str, message: str) -> None:
        """Not what the standard says, but routing and registering still work: a warning when
        reading others' packets, an error when strict."""
        (self.errors if self.strict else self.warnings).append(f"{kind}.{path}: {message}")

    def text(
        self,
        parent: etree._Element | None,
        name: str,
        path: str,
        *,
        required: bool = False,
        essential: bool = False,
        max_len: int = 0,
    ) -> str:
        """``essential``: routing or registering needs it (an error even when tolerant)."""
        element = child(parent, name)
        value = clean(element.text) if element is not None else ""
        where = f"{path}.{name}"
        if (required or essential) and not value:
            report = self.error if essential else self.deviation
            report("N", where, "bắt buộc nhưng thiếu (required element missing or empty)")
        elif max_len and len(value) > max_len:
            # Kept whole: the library truncates nothing.
            self.deviation("R", where, f"dài {len(value)} ký tự, tối đa {max_len} (too long)")
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
            self.deviation(
                "M",
                f"{path}.{name}",
                f"giá trị “{raw}” không hợp lệ, phải là một trong {list(allowed)} (đọc là {default})",
            )
            return default
        return value

    def count(self, parent: etree._Element | None, name: str, path: str) -> int | None:
        raw = self.text(parent, name, path)
        if not raw:
            return None
        if not raw.isdigit():
            self.deviation("M", f"{path}.{name}", f"“{raw}” không phải số không âm (not a count)")
            return None
        return int(raw)

    def date(
        self, parent: etree._Element | None, name: str, path: str, *, essential: bool = False
    ) -> date | None:
        raw = self.text(parent, name, path, essential=essential)
        if not raw:
            return None
        if _DATE_RE.fullmatch(raw):
            try:
                return datetime.strptime(raw, DATE_FORMAT).replace(tzinfo=VIETNAM_TZ).date()
            except ValueError:
                pass
        other = (
            None
            if self.strict
            else _other_format(raw, (*_OTHER_DATE_FORMATS, TIMESTAMP_FORMAT, *_OTHER_TIMESTAMP_FORMATS))
        )
        where = f"{path}.{name}"
        if other is not None:
            self.deviation(
                "T", where, f"ngày “{raw}” không theo định dạng yyyy/MM/dd, đọc là {other:%Y/%m/%d}"
            )
            return other.date()
        report = self.error if essential else self.deviation
        report("T", where, f"ngày “{raw}” sai định dạng, phải là yyyy/MM/dd")
        return None

    def timestamp(
        self, parent: etree._Element | None, name: str, path: str, *, essential: bool = False
    ) -> datetime | None:
        raw = self.text(parent, name, path, required=True, essential=essential)
        if not raw:
            return None
        if _TIMESTAMP_RE.fullmatch(raw):
            try:
                return datetime.strptime(raw, TIMESTAMP_FORMAT).replace(tzinfo=VIETNAM_TZ)
            except ValueError:
                pass
        other = None if self.strict else _other_format(raw, _OTHER_TIMESTAMP_FORMATS)
        where = f"{path}.{name}"
        if other is not None:
            self.deviation(
                "T",
                where,
                f"thời điểm “{raw}” không theo định dạng yyyy/MM/dd HH:mm:ss, "
                f"đọc là {other:%Y/%m/%d %H:%M:%S}",
            )
            return other
        report = self.error if essential else self.deviation
        report("T", where, f"thời điểm “{raw}” sai định dạng, phải là yyyy/MM/dd HH:mm:ss")
        return None

    def organ_id(
        self, parent: etree._Element | None, path: str, *, essential: bool = True, addressee: bool = False
    ) -> str:
        """The code's key (``org_code_key``), "" when absent or unusable (an error if ``essential``,
        else a deviation). Another scheme's code is kept verbatim with a deviation. ``addressee``:
        another organisation's code (To, ResponseFor), accepted verbatim by the writer's check."""
        element = child(parent, "OrganId")
        raw = clean(element.text) if element is not None else ""
        where = f"{path}.OrganId"
        report = self.error if essential else self.deviation
        try:
            key = org_code_key(raw)
        except InvalidOrgCode as exc:
            if not raw:
                report("N", where, "bắt buộc nhưng thiếu (required element missing or empty)")
            else:
                report("M", where, str(exc))
            return ""
        if not is_standard_org_code(key):
            if not self.strict:
                self.deviation(
                    "M", where, f"mã “{key}” theo hệ thống mã khác, giữ nguyên (other scheme, kept)"
                )
            elif not (addressee and self.foreign_addressees):
                try:
                    org_code_normal(key)
                except InvalidOrgCode as exc:
                    self.error("M", where, str(exc))
        return key

    def organisation(
        self, element: etree._Element | None, path: str, *, essential: bool = True, addressee: bool = False
    ) -> Organisation:
        values = {
            name: self.text(element, name, path, max_len=limit) for name, limit in _ORGAN_LIMITS.items()
        }
        return Organisation(
            organ_id=self.organ_id(element, path, essential=essential, addressee=addressee),
            organ_name=values["OrganName"],
            organization_in_charge=values["OrganizationInCharge"],
            organ_add=values["OrganAdd"],
            email=values["Email"],
            telephone=values["Telephone"],
            fax=values["Fax"],
            website=self.text(element, "Website", path),
        )

    def response_for(
        self, element: etree._Element | None, path: str, *, essential: bool = False
    ) -> ResponseFor:
        """``essential``: a status's ResponseFor says whom it goes to and about which document."""
        organ_id = ""
        if essential or clean(getattr(child(element, "OrganId"), "text", "")):
            organ_id = self.organ_id(element, path, essential=essential, addressee=True)
        return ResponseFor(
            organ_id=organ_id,
            document_id=self.text(element, "DocumentId", path, required=True, essential=essential),
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
        value = self.text(parent, "DocumentId", path, essential=True)
        if value and self.strict and not DOCUMENT_ID_RE.fullmatch(value):
            self.error(
                "T", f"{path}.DocumentId", f"“{value}” phải có dạng mã định danh,yyyy/MM/dd,số/ký hiệu"
            )
        return value

    def attachments(self, elements: list[etree._Element], path: str) -> tuple[Attachment, ...]:
        """List the attachments without decoding them; the count and the base64 total are the
        budget's first checks (refusals)."""
        budget = self.budget
        if len(elements) > budget.max_count:
            self.error(
                "R", path, f"{len(elements)} tệp đính kèm, tối đa {budget.max_count} (too many attachments)"
            )
            return ()
        listed: list[Attachment] = []
        encoded_total = 0
        for index, element in enumerate(elements, start=1):
            where = f"{path}.Attachment[{index}]"
            content_id = self.text(element, "ContentId", where, required=True).removeprefix("cid:").strip()
            name = self.text(element, "AttachmentName", where, required=True)
            text = self._encoded(child(element, "ContentTransferEncoded"))
            encoded_total += text.length
            if text.blank:
                self.deviation(
                    "N", f"{where}.ContentTransferEncoded", "tệp đính kèm không có nội dung (no content)"
                )
            listed.append(
                Attachment(
                    content_id=content_id or str(index),
                    name=name or f"attachment-{index}",
                    description=self.text(element, "Description", where),
                    content_type=self.text(element, "ContentType", where) or "application/zip",
                    size=declared_size(text.tail),
                )
            )
        if encoded_total > budget.max_encoded_bytes:
            self.error(
                "R",
                path,
                f"tệp đính kèm {encoded_total} ký tự base64, tối đa {budget.max_encoded_bytes} (too large)",
            )
        return tuple(listed)

    def _encoded(self, element: etree._Element | None) -> EncodedText:
        if element is None:
            return EncodedText()
        streamed = self.encoded.get(element)
        if isinstance(streamed, EncodedText):
            return streamed
        return EncodedText.of(element.text or "")


def _other_format(raw: str, formats: tuple[str, ...]) -> datetime | None:
    for layout in formats:
        try:
            return datetime.strptime(raw, layout).replace(tzinfo=VIETNAM_TZ)
        except ValueError:
            continue
    return None


def declared_size(encoded_tail: str) -> int | None:
    """The unzipped size a one-member ZIP declares in its central directory, read from the end of
    its base64 text without decoding the rest; None when it cannot be told."""
    tail = "".join(encoded_tail[-_ZIP_TAIL_CHARS:].split())
    tail = tail[len(tail) % 4 :]
    try:
        decoded = base64.b64decode(tail, validate=True)
    except (binascii.Error, ValueError):
        return None
    entry = decoded.rfind(_CENTRAL_ENTRY)
    if entry < 0 or decoded.count(_CENTRAL_ENTRY) != 1 or len(decoded) < entry + 28:
        return None
    size: int = struct.unpack_from("<I", decoded, entry + 24)[0]
    return None if size == 0xFFFFFFFF else size  # ZIP64 keeps it elsewhere


def strict_reader(budget: AttachmentBudget | None = None) -> Reader:
    """The reader the writer checks its own output with: every deviation an error, plus the
    DocumentId format; only the codes of those it writes to may be of another scheme."""
    return Reader(strict=True, budget=budget, foreign_addressees=True)
