"""Outgoing documents: draft -> approve -> sign -> issue (numbered, distributed), and replacement."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import OrgUnit
from accounts.permissions import require_actor
from accounts.roles import PermissionCode
from core.audit import Actor, audit_record
from core.errors import ApplicationError
from core.text import fold, nfc
from qlvbdh import catalogue, events
from qlvbdh.models import Distribution, Document, Register
from qlvbdh.services.documents import document_lock, event_record
from qlvbdh.services.incoming import IncomingData, metadata_clean, search_text_for
from qlvbdh.services.registers import register_for, register_next_number
from qlvbdh.services.signing import signed_files_record, signed_files_verify
from tenants.orgcode import normalize_org_code


def _today() -> date:
    return timezone.localdate()


@dataclass
class OutgoingData:
    document_type: str
    summary: str
    recipients: str = ""
    signer_name: str = ""
    signing_authority: str = ""
    drafting_unit: str = ""
    urgency: str = catalogue.Urgency.NORMAL
    secrecy: str = catalogue.Secrecy.NONE
    page_count: int | None = None
    copy_count: int | None = None
    delivery_mode: str = catalogue.DeliveryMode.ELECTRONIC
    replaces: Document | None = None
    internal: bool = False  # an internal document: the same steps, distributed to units only


@dataclass
class Recipient:
    unit: OrgUnit | None = None
    org_code: str = ""
    org_name: str = ""


def outgoing_draft_create(*, actor: Actor, data: OutgoingData) -> Document:
    """An official drafts an outgoing document (optionally replacing an issued one)."""
    require_actor(actor, "qlvbdh.draft")
    values, errors = metadata_clean(
        IncomingData(
            issuer_name="-",  # the agency itself; filled at issue
            document_type=data.document_type,
            summary=data.summary,
            signer_name=data.signer_name,
            signing_authority=data.signing_authority,
            recipients=data.recipients,
            urgency=data.urgency,
            secrecy=data.secrecy,
            page_count=data.page_count,
            copy_count=data.copy_count,
            delivery_mode=data.delivery_mode,
        )
    )
    unit = nfc(data.drafting_unit or "")
    if len(unit) > 20 or (unit and not unit.replace("-", "").isalnum()):
        errors["drafting_unit"] = [_("Ký hiệu đơn vị soạn thảo chỉ gồm chữ và số (tối đa 20).")]
    if data.replaces is not None and data.replaces.status != Document.Status.ISSUED:
        errors["replaces"] = [_("Chỉ thay thế được văn bản đã ban hành.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        document = Document.objects.create(
            direction=Document.Direction.INTERNAL if data.internal else Document.Direction.OUTGOING,
            status=Document.Status.DRAFT,
            document_type=data.document_type,
            urgency=data.urgency,
            page_count=data.page_count,
            copy_count=data.copy_count,
            delivery_mode=data.delivery_mode,
            drafting_unit=unit,
            signing_authority=data.signing_authority,
            replaces=data.replaces,
            search_text=search_text_for(values, data.document_type),
            created_by=actor.name,
            **{key: values[key] for key in ("summary", "signer_name", "recipients")},
            issuer_name="",
        )
        event_record(document, actor, "drafted")
        audit_record(actor=actor, action="document.draft", target=document)
    return document


def _outgoing_step(
    *, actor: Actor, document: Document, code: PermissionCode, before: str, after: str, kind: str
) -> Document:
    require_actor(actor, code)
    with transaction.atomic():
        locked = document_lock(document, actor=actor)
        if locked.direction not in (Document.Direction.OUTGOING, Document.Direction.INTERNAL):
            raise ApplicationError(_("Đây không phải văn bản đi."), code="not_outgoing")
        if locked.status == after:
            return locked  # a retry
        if locked.status != before:
            raise ApplicationError(
                _("Văn bản đang ở trạng thái “%(status)s”.") % {"status": locked.get_status_display()},
                code="invalid_state",
                status=409,
            )
        locked.status = after
        fields = ["status"]
        if kind == "approved":
            locked.approved_by = actor.name
            fields.append("approved_by")
        if kind == "signed":
            locked.signed_by, locked.signed_at = actor.name, timezone.now()
            if not locked.signer_name and actor.user is not None:
                locked.signer_name = actor.user.get_full_name()
            fields += ["signed_by", "signed_at", "signer_name"]
        locked.save(update_fields=fields)
        detail: dict[str, Any] = {}
        if kind == "signed":
            signed = signed_files_record(document=locked)
            detail["files"] = {row.attachment.original_name: row.sha256 for row in signed}
        event_record(locked, actor, kind, **detail)
        audit_record(actor=actor, action=f"document.{kind}", target=locked, **detail)
    return locked


def outgoing_approve(*, actor: Actor, document: Document) -> Document:
    """The head or a deputy approves the draft's content."""
    return _outgoing_step(
        actor=actor,
        document=document,
        code="qlvbdh.direct",
        before="draft",
        after="approved",
        kind="approved",
    )


def outgoing_sign(*, actor: Actor, document: Document) -> Document:
    """The head signs (the PDF signature itself comes with the attachment)."""
    return _outgoing_step(
        actor=actor, document=document, code="qlvbdh.sign", before="approved", after="signed", kind="signed"
    )


def notation_for(*, document_type: str, agency: str, drafting_unit: str) -> str:
    """`{type}-{agency}[-{unit}]`; an official letter (công văn) has no type: `{agency}-{unit}`."""
    parts = [] if document_type in catalogue.TYPES_WITHOUT_ABBREVIATION else [document_type]
    parts.append(agency)
    if drafting_unit:
        parts.append(drafting_unit)
    return "-".join(part for part in parts if part)


def _recipients_clean(recipients: list[Recipient]) -> list[Recipient]:
    """Units as they are, organisations by their normalised code; at least one; else a ValidationError."""
    problems: list[str] = []
    cleaned: list[Recipient] = []
    for recipient in recipients:
        if recipient.unit is not None:
            cleaned.append(recipient)
            continue
        try:
            code = normalize_org_code(recipient.org_code)
        except ValidationError as exc:
            problems.extend(exc.messages)
            continue
        cleaned.append(Recipient(org_code=code, org_name=nfc(recipient.org_name)[:200]))
    if not cleaned:
        problems.append(_("Cần ít nhất một nơi nhận."))
    if problems:
        raise ValidationError({"recipients": problems})
    return cleaned


def outgoing_issue(
    *, actor: Actor, document: Document, recipients: list[Recipient], today: date | None = None
) -> Document:
    """The clerk issues a signed document: number and notation from the year's outgoing register,
    distribution to units and to other organisations (those wait for the inter-agency hub)."""
    require_actor(actor, "qlvbdh.issue_outgoing")
    cleaned = _recipients_clean(recipients)
    issued_on = today or _today()
    with transaction.atomic():
        locked = document_lock(document, actor=actor)
        if locked.status == Document.Status.ISSUED:
            return locked  # a retry
        if locked.status != Document.Status.SIGNED:
            raise ApplicationError(_("Chỉ ban hành được văn bản đã ký."), code="invalid_state", status=409)
        signed_files_verify(document=locked)  # before a number is taken: a refusal leaves no trace
        if locked.direction == Document.Direction.INTERNAL and any(r.unit is None for r in cleaned):
            raise ValidationError({"recipients": [_("Văn bản nội bộ chỉ gửi các phòng, ban của cơ quan.")]})
        register = register_for(
            direction=Register.Direction.OUTGOING, year=issued_on.year, document_type=locked.document_type
        )
        notation = notation_for(
            document_type=locked.document_type,
            agency=register.agency_abbreviation,
            drafting_unit=locked.drafting_unit,
        )
        if not register.agency_abbreviation:
            raise ApplicationError(
                _("Sổ %(name)s chưa có ký hiệu cơ quan; hãy bổ sung trước khi ban hành.")
                % {"name": register.name},
                code="no_abbreviation",
                status=409,
            )
        if len(notation) > catalogue.NOTATION_MAX:
            raise ValidationError({"drafting_unit": [_("Ký hiệu văn bản dài quá 30 ký tự.")]})
        number = register_next_number(register=register)
        locked.register, locked.register_number = register, number
        locked.number = catalogue.format_number(number)
        locked.notation = notation_for(
            document_type=locked.document_type,
            agency=register.agency_abbreviation,
            drafting_unit=locked.drafting_unit,
        )
        locked.issued_on = issued_on
        locked.registered_at = timezone.now()
        locked.status = Document.Status.ISSUED
        locked.search_text = f"{locked.search_text} {fold(locked.number + ' ' + locked.notation)}"
        locked.save()
        Distribution.objects.bulk_create(
            [
                Distribution(
                    document=locked,
                    unit=recipient.unit,
                    org_code=recipient.org_code,
                    org_name=recipient.org_name,
                    status=Distribution.Status.DELIVERED if recipient.unit else Distribution.Status.PENDING,
                )
                for recipient in cleaned
            ]
        )
        if locked.replaces_id is not None:
            _replaced(actor, locked)
        event_record(locked, actor, "issued", number=f"{locked.number}/{locked.notation}")
        audit_record(
            actor=actor, action="document.issue", target=locked, number=f"{locked.number}/{locked.notation}"
        )
        # In this transaction: the exchange's outbox entry commits with the document or not at all.
        events.publish(events.DocumentIssued(actor=actor, document=locked))
    return locked


def _replaced(actor: Actor, new: Document) -> None:
    old = document_lock(new.replaces)  # type: ignore[arg-type]
    if old.status == Document.Status.REVOKED:
        return
    old.status = Document.Status.REVOKED
    old.revoked_at = timezone.now()
    old.revoked_reason = _("Được thay thế bởi văn bản %(n)s/%(notation)s.") % {
        "n": new.number,
        "notation": new.notation,
    }
    old.save(update_fields=["status", "revoked_at", "revoked_reason"])
    event_record(old, actor, "replaced", by=str(new.uuid))
    audit_record(actor=actor, action="document.replaced", target=old, by=str(new.uuid))
    events.publish(events.DocumentRevoked(actor=actor, document=old, reason=old.revoked_reason))
