"""Reading values off an edXML tree: one ``Reader`` per packet collects every problem (in the
hub's error shape, ``N.`` missing, ``R.`` too long or large, ``M.`` bad value, ``T.`` bad format)
instead of stopping at the first. Attachments are bounded before and after decoding (zip bombs)."""

from __future__ import annotations

import base64
import binascii
import io
import re
import zipfile
from collections.abc import Iterable
from datetime import date, datetime

from lxml import etree

from interagency.edxml.codes import (
    DATE_FORMAT,
    MAX_ATTACHMENT_BASE64,
    MAX_ATTACHMENT_BYTES,
    TIMESTAMP_FORMAT,
    VIETNAM_TZ,
    InvalidOrgCode,
    org_code_normal,
)
from interagency.edxml.packets import Attachment, Organisation, ResponseFor, Staff
from interagency.edxml.tree import child, clean

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
DOCUMENT_ID_RE = re.compile(r"[^,\s]+,[0-9]{4}/[0-9]{2}/[0-9]{2},[^/]+/.+")
_READ_CHUNK = 1024 * 1024


class Reader:
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
        element = child(parent, name)
        value = clean(element.text) if element is not None else ""
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
            return org_code_normal(raw)
        except InvalidOrgCode as exc:
            self.error("M", f"{path}.OrganId", str(exc))
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
        if value and self.strict and not DOCUMENT_ID_RE.fullmatch(value):
            self.error(
                "T", f"{path}.DocumentId", f"“{value}” phải có dạng mã định danh,yyyy/MM/dd,số/ký hiệu"
            )
        return value

    def attachment(self, element: etree._Element, path: str) -> Attachment | None:
        content_id = self.text(element, "ContentId", path, required=True).removeprefix("cid:").strip()
        name = self.text(element, "AttachmentName", path, required=True)
        encoded = child(element, "ContentTransferEncoded")
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


def strict_reader() -> Reader:
    """The reader the writer checks its own output with: the same rules plus the DocumentId format."""
    return Reader(
        strict=True, max_attachment_base64=MAX_ATTACHMENT_BASE64, max_attachment_bytes=MAX_ATTACHMENT_BYTES
    )
