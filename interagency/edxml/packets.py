"""The packets of QCVN 102:2016 as plain data: a document packet (new, revoke, update, replace) or a
status packet, and the error both the reader and the writer raise."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from lxml import etree

from interagency.edxml.codes import (
    BUSINESS_KINDS,
    MAX_ATTACHMENT_TOTAL_BYTES,
    MAX_ATTACHMENTS,
    MAX_COMPRESSION_RATIO,
    MAX_PACKET_BYTES,
)


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
    """An attachment to write (``data`` is the file), or one listed by ``parse`` (``data`` empty:
    files are read by ``read_attachments`` once the signature is checked)."""

    content_id: str  # without the "cid:" prefix
    name: str
    data: bytes = b""  # the file itself, unzipped
    description: str = ""
    # As read: the ContentType the sender wrote. Not written: every file goes zipped, so the writer
    # writes ATTACHMENT_CONTENT_TYPE (the reference parser unzips only what says so).
    content_type: str = "application/zip"
    # Listed attachments: the unzipped size the ZIP declares (unverified; None if it does not say).
    size: int | None = None


@dataclass(frozen=True)
class ReadAttachment:
    """An attachment as read by ``read_attachments``: ``broken == ""`` means ``data`` is the file;
    otherwise ``data`` holds the raw decoded bytes (or the raw text if not even base64) and
    ``broken`` says why it is not the file."""

    content_id: str
    name: str
    description: str
    content_type: str
    data: bytes
    broken: str = ""


@dataclass(frozen=True)
class AttachmentBudget:
    """What one packet's attachments may cost: exceeding it is a refusal, not a warning.
    ``max_encoded_bytes``: their base64 text in total; ``max_total_bytes``: decompressed in total;
    ``max_ratio``: decompressed/compressed for one ZIP member (only stored and deflate members)."""

    max_count: int = MAX_ATTACHMENTS
    max_encoded_bytes: int = MAX_PACKET_BYTES
    max_total_bytes: int = MAX_ATTACHMENT_TOTAL_BYTES
    max_ratio: int = MAX_COMPRESSION_RATIO


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
    # What the tolerant reader accepted that the standard does not, in the error shape.
    warnings: tuple[str, ...] = ()

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
    warnings: tuple[str, ...] = ()

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
