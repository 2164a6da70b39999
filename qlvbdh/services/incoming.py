"""Incoming documents: metadata checked (Unicode, R4 secrecy), duplicates named, numbered and audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import require_actor
from core.audit import Actor, audit_record
from core.errors import ApplicationError
from core.text import fold, legacy_encoding, nfc
from interagency.edxml.codes import InvalidOrgCode, org_code_key
from qlvbdh import catalogue
from qlvbdh.models import Document, Register
from qlvbdh.services.documents import event_record
from qlvbdh.services.registers import register_for, register_next_number
from tenants.orgcode import normalize_org_code


@dataclass
class IncomingData:
    issuer_name: str
    document_type: str
    summary: str
    number: str = ""
    notation: str = ""
    issuer_code: str = ""
    signer_name: str = ""
    signing_authority: str = ""
    issued_on: date | None = None
    received_at: datetime | None = None
    urgency: str = catalogue.Urgency.NORMAL
    secrecy: str = catalogue.Secrecy.NONE
    page_count: int | None = None
    copy_count: int | None = None
    recipients: str = ""
    due_date: date | None = None
    delivery_mode: str = catalogue.DeliveryMode.PAPER
    source: str = catalogue.Source.PAPER


_TEXT_FIELDS = {
    "issuer_name": (catalogue.ISSUER_NAME_MAX, _("Cơ quan ban hành")),
    "summary": (catalogue.SUMMARY_MAX, _("Trích yếu")),
    "number": (catalogue.NUMBER_MAX, _("Số")),
    "notation": (catalogue.NOTATION_MAX, _("Ký hiệu")),
    "signer_name": (150, _("Người ký")),
    "recipients": (catalogue.RECIPIENTS_MAX, _("Nơi nhận")),
}


def metadata_clean(data: IncomingData) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The stored values and the errors per field; a state secret is refused outright (R4)."""
    if data.secrecy != catalogue.Secrecy.NONE:
        # R4: refused before anything else is looked at or stored.
        raise ApplicationError(
            _(
                "Văn bản mật (Mật, Tối mật, Tuyệt mật) không được đưa vào hệ thống; hãy xử lý theo quy định "
                "về bảo vệ bí mật nhà nước."
            ),
            code="secret_document",
        )
    errors: dict[str, list[str]] = {}
    values = _clean_texts(data, errors)
    values["issuer_code"] = _clean_issuer_code(
        data.issuer_code, errors, received=data.source == catalogue.Source.HUB
    )
    _check_choices(data, errors)
    _check_dates_and_counts(data, errors)
    return values, errors


def _clean_texts(data: IncomingData, errors: dict[str, list[str]]) -> dict[str, Any]:
    """R2: Unicode NFC, no legacy TCVN3/VNI text, within each field's length."""
    values: dict[str, Any] = {}
    for field, (limit, label) in _TEXT_FIELDS.items():
        if field == "number" and data.source == catalogue.Source.HUB:
            limit = catalogue.RECEIVED_NUMBER_MAX  # kept as the sender wrote it
        value = nfc(getattr(data, field) or "")
        encoding = legacy_encoding(value) if value else None
        if encoding:
            errors.setdefault(field, []).append(
                _("%(label)s có vẻ được gõ bằng bảng mã cũ %(enc)s; hãy chuyển sang Unicode (TCVN 6909).")
                % {"label": label, "enc": encoding}
            )
        if len(value) > limit:
            errors.setdefault(field, []).append(
                _("%(label)s dài quá %(limit)s ký tự.") % {"label": label, "limit": limit}
            )
        values[field] = value
    for field in ("issuer_name", "summary"):
        if not values[field]:
            errors.setdefault(field, []).append(_("Trường này không được để trống."))
    return values


def _clean_issuer_code(code: str, errors: dict[str, list[str]], *, received: bool) -> str:
    if not code:
        return ""
    if received:
        # What came through the hub keeps its sender's code, another scheme's verbatim.
        try:
            return org_code_key(code)[: catalogue.ISSUER_CODE_MAX]
        except InvalidOrgCode as exc:
            errors["issuer_code"] = [str(exc)]
            return ""
    try:
        return normalize_org_code(code)
    except ValidationError as exc:
        errors["issuer_code"] = list(exc.messages)
        return ""


def _check_choices(data: IncomingData, errors: dict[str, list[str]]) -> None:
    if data.document_type not in catalogue.DOCUMENT_TYPES:
        errors["document_type"] = [_("Loại văn bản không có trong danh mục.")]
    if data.signing_authority and data.signing_authority not in catalogue.SIGNING_AUTHORITIES:
        errors["signing_authority"] = [_("Thẩm quyền ký không hợp lệ.")]
    for field, choices in (
        ("urgency", catalogue.Urgency.values),
        ("delivery_mode", catalogue.DeliveryMode.values),
        ("source", catalogue.Source.values),
    ):
        if getattr(data, field) not in choices:
            errors[field] = [_("Giá trị không hợp lệ.")]


def _check_dates_and_counts(data: IncomingData, errors: dict[str, list[str]]) -> None:
    latest = timezone.localdate().year + 5
    for field, moment in (
        ("issued_on", data.issued_on),
        ("received_at", data.received_at),
        ("due_date", data.due_date),
    ):
        if moment is not None and not 1945 <= moment.year <= latest:
            errors[field] = [_("Ngày không hợp lệ.")]
    for field in ("page_count", "copy_count"):
        count = getattr(data, field)
        if count is not None and not 0 < count < 100000:
            errors[field] = [_("Số phải lớn hơn 0.")]


def incoming_possible_duplicates(
    *, number: str, notation: str, issuer_code: str, issuer_name: str
) -> list[Document]:
    """Incoming documents with the same number, notation and issuer (by code, else by folded name)."""
    if not number and not notation:
        return []
    same = Document.objects.filter(direction=Document.Direction.INCOMING, number=number, notation=notation)
    if issuer_code:
        same = same.filter(issuer_code=issuer_code)
    else:
        same = same.filter(search_text__startswith=" ".join(fold(issuer_name).split()) + " |")
    return list(same.order_by("id")[:5])


def search_text_for(values: dict[str, Any], document_type: str) -> str:
    parts = [
        values["issuer_name"],
        "|",
        values["number"],
        values["notation"],
        values["summary"],
        values["signer_name"],
    ]
    parts.append(catalogue.DOCUMENT_TYPES.get(document_type, ""))
    return " ".join(fold(" ".join(part for part in parts if part)).split())


def incoming_document_register(
    *, actor: Actor, data: IncomingData, accept_duplicate: bool = False, today: date | None = None
) -> Document:
    """The clerk registers an incoming document: validated, numbered from the year's register, audited.

    A possible duplicate (same number + notation + issuer) is refused with the existing ones
    named, unless the clerk confirms it is a different document (`accept_duplicate`).
    """
    require_actor(actor, "qlvbdh.register_incoming")
    values, errors = metadata_clean(data)
    if errors:
        raise ValidationError(errors)
    if not accept_duplicate:
        duplicates = incoming_possible_duplicates(
            number=values["number"],
            notation=values["notation"],
            issuer_code=values["issuer_code"],
            issuer_name=values["issuer_name"],
        )
        if duplicates:
            raise ApplicationError(
                _("Có thể đã vào sổ: văn bản số %(n)s/%(notation)s của %(issuer)s (số đến %(arrival)s).")
                % {
                    "n": values["number"],
                    "notation": values["notation"],
                    "issuer": values["issuer_name"],
                    "arrival": catalogue.format_number(duplicates[0].register_number or 0),
                },
                code="possible_duplicate",
                extra={"duplicates": [str(d.uuid) for d in duplicates]},
                status=409,
            )
    registered_on = today or timezone.localdate()
    now = timezone.now()
    with transaction.atomic():
        register = register_for(
            direction=Register.Direction.INCOMING, year=registered_on.year, document_type=data.document_type
        )
        document = Document(
            direction=Document.Direction.INCOMING,
            status=Document.Status.REGISTERED,
            register=register,
            register_number=register_next_number(register=register),
            registered_at=now,
            document_type=data.document_type,
            signing_authority=data.signing_authority,
            issued_on=data.issued_on,
            received_at=data.received_at or now,
            urgency=data.urgency,
            page_count=data.page_count,
            copy_count=data.copy_count,
            due_date=data.due_date,
            delivery_mode=data.delivery_mode,
            source=data.source,
            search_text=search_text_for(values, data.document_type),
            created_by=actor.name,
            **values,
        )
        document.full_clean()
        document.save()
        event_record(document, actor, "registered", arrival_number=document.register_number)
        audit_record(
            actor=actor,
            action="document.register_incoming",
            target=document,
            register=str(register.uuid),
            arrival_number=document.register_number,
        )
    return document
