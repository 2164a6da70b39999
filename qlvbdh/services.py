"""QLVBĐH writes: registers and their numbering, registering incoming documents.

Each service checks the actor's permission through accounts.permissions, owns its transaction,
writes an audit entry, and is safe to retry where a retry can happen (registering is guarded
by the duplicate check).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import OrgUnit
from accounts.permissions import can, require, require_actor
from accounts.roles import PermissionCode
from core.audit import Actor, audit_record
from core.errors import ApplicationError
from core.text import fold, legacy_encoding, nfc
from qlvbdh import catalogue, events
from qlvbdh.models import Assignment, Distribution, Document, DocumentEvent, ReadReceipt, Register
from tenants.orgcode import normalize_org_code


def _today() -> date:
    return timezone.localdate()


# --- registers -----------------------------------------------------------------------------------


def register_create(
    *,
    actor: Actor,
    year: int,
    direction: str,
    name: str,
    document_types: list[str] | None = None,
    agency_abbreviation: str = "",
) -> Register:
    require_actor(actor, "qlvbdh.manage_registers")
    errors: dict[str, list[str]] = {}
    name = nfc(name or "")
    if not name:
        errors["name"] = [_("Tên sổ không được để trống.")]
    if direction not in Register.Direction.values:
        errors["direction"] = [_("Loại sổ không hợp lệ.")]
    if not 2000 <= year <= _today().year + 1:
        errors["year"] = [_("Năm của sổ không hợp lệ.")]
    types = sorted(set(document_types or []))
    unknown = [code for code in types if code not in catalogue.DOCUMENT_TYPES]
    if unknown:
        errors["document_types"] = [
            _("Loại văn bản không có trong danh mục: %(codes)s.") % {"codes": ", ".join(unknown)}
        ]
    claimed = {
        code
        for other in Register.objects.filter(year=year, direction=direction)
        for code in other.document_types
    }
    numbered = set(
        Document.objects.filter(register__year=year, register__direction=direction, document_type__in=types)
        .values_list("document_type", flat=True)
        .distinct()
    )
    if numbered:
        errors.setdefault("document_types", []).append(
            _("Loại %(codes)s đã được đánh số trong sổ chung năm nay; sổ riêng sẽ làm trùng số.")
            % {"codes": ", ".join(sorted(numbered))}
        )
    if direction == Register.Direction.OUTGOING and not nfc(agency_abbreviation or ""):
        errors.setdefault("agency_abbreviation", []).append(
            _("Sổ văn bản đi cần ký hiệu cơ quan (ví dụ UBND).")
        )
    if set(types) & claimed:
        errors.setdefault("document_types", []).append(
            _("Loại văn bản %(codes)s đã có sổ riêng trong năm.")
            % {"codes": ", ".join(sorted(set(types) & claimed))}
        )
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            register = Register.objects.create(
                year=year,
                direction=direction,
                name=name,
                document_types=types,
                agency_abbreviation=nfc(agency_abbreviation or "")[:20],
            )
            audit_record(actor=actor, action="register.create", target=register, year=year, types=types)
    except IntegrityError as exc:
        raise ApplicationError(
            _("Đã có sổ “%(name)s” trong năm %(year)s.") % {"name": name, "year": year}
        ) from exc
    return register


def register_for(*, direction: str, year: int, document_type: str) -> Register:
    """The register that numbers this type this year. A new year's registers are made on first
    use from last year's configuration, numbering from 01 again (year rollover)."""
    registers = list(Register.objects.filter(year=year, direction=direction))
    if not registers:
        registers = _registers_roll_over(direction=direction, year=year)
    for register in registers:
        if document_type in register.document_types:
            return register
    for register in registers:
        if not register.document_types:
            return register
    raise ApplicationError(
        _("Chưa có sổ nào năm %(year)s cho loại văn bản %(type)s; hãy tạo sổ trước.")
        % {"year": year, "type": catalogue.DOCUMENT_TYPES.get(document_type, document_type)},
        code="no_register",
    )


def _registers_roll_over(*, direction: str, year: int) -> list[Register]:
    previous = Register.objects.filter(direction=direction, year__lt=year).order_by("-year").first()
    templates = (
        list(Register.objects.filter(direction=direction, year=previous.year)) if previous is not None else []
    )
    if not templates:
        label = _("Sổ văn bản đến") if direction == Register.Direction.INCOMING else _("Sổ văn bản đi")
        templates = [Register(name=str(label), document_types=[])]
    made = []
    for template in templates:
        register, _created = Register.objects.get_or_create(
            year=year,
            direction=direction,
            name=template.name,
            defaults={
                "document_types": template.document_types,
                "agency_abbreviation": template.agency_abbreviation,
            },
        )
        made.append(register)
    return made


def register_next_number(*, register: Register) -> int:
    """Inside the caller's transaction: the next number, gap-free and never reused.

    The register row stays locked until the caller commits, so concurrent clerks queue here and
    a rolled-back registration gives its number back with it.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("a number is taken inside the transaction that stores the document")
    locked = Register.objects.select_for_update().get(pk=register.pk)
    locked.last_number += 1
    locked.save(update_fields=["last_number"])
    return locked.last_number


# --- incoming documents --------------------------------------------------------------------------


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


def _clean_incoming(data: IncomingData) -> tuple[dict[str, Any], dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    if data.secrecy != catalogue.Secrecy.NONE:
        # R4: refused before anything else is looked at or stored.
        raise ApplicationError(
            _(
                "Văn bản mật (Mật, Tối mật, Tuyệt mật) không được đưa vào hệ thống; hãy xử lý theo quy định "
                "về bảo vệ bí mật nhà nước."
            ),
            code="secret_document",
        )
    for field, (limit, label) in _TEXT_FIELDS.items():
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
    if data.document_type not in catalogue.DOCUMENT_TYPES:
        errors["document_type"] = [_("Loại văn bản không có trong danh mục.")]
    if data.issuer_code:
        try:
            values["issuer_code"] = normalize_org_code(data.issuer_code)
        except ValidationError as exc:
            errors["issuer_code"] = list(exc.messages)
    else:
        values["issuer_code"] = ""
    if data.signing_authority and data.signing_authority not in catalogue.SIGNING_AUTHORITIES:
        errors["signing_authority"] = [_("Thẩm quyền ký không hợp lệ.")]
    for field, choices in (
        ("urgency", catalogue.Urgency.values),
        ("delivery_mode", catalogue.DeliveryMode.values),
        ("source", catalogue.Source.values),
    ):
        if getattr(data, field) not in choices:
            errors[field] = [_("Giá trị không hợp lệ.")]
    latest = _today().year + 5
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
    return values, errors


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


def _search_text(values: dict[str, Any], document_type: str) -> str:
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
    values, errors = _clean_incoming(data)
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
    registered_on = today or _today()
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
            search_text=_search_text(values, data.document_type),
            created_by=actor.name,
            **values,
        )
        document.full_clean()
        document.save()
        _event(document, actor, "registered", arrival_number=document.register_number)
        audit_record(
            actor=actor,
            action="document.register_incoming",
            target=document,
            register=str(register.uuid),
            arrival_number=document.register_number,
        )
    return document


# --- processing: submit, direct, assign, re-assign, report, close ---------------------------------


def _event(document: Document, actor: Actor, kind: str, **detail: Any) -> None:
    DocumentEvent.objects.create(document=document, actor=actor.name, kind=kind, detail=detail)


def _lock_document(document: Document) -> Document:
    return Document.objects.select_for_update().get(pk=document.pk)


def document_submit(*, actor: Actor, document: Document, head: Any) -> Document:
    """The clerk passes a registered document to the head (or a deputy) for direction."""
    require_actor(actor, "qlvbdh.register_incoming")
    if not can(head, "qlvbdh.direct"):
        raise ValidationError({"head": [_("Người nhận phải có quyền cho ý kiến chỉ đạo (thủ trưởng, phó).")]})
    with transaction.atomic():
        locked = _lock_document(document)
        if locked.status == Document.Status.SUBMITTED and locked.submitted_to_id == head.pk:
            return locked  # a retry
        if locked.status not in (Document.Status.REGISTERED, Document.Status.SUBMITTED):
            raise ApplicationError(
                _("Văn bản đang ở trạng thái “%(status)s”, không trình được.")
                % {"status": locked.get_status_display()},
                code="invalid_state",
            )
        locked.status = Document.Status.SUBMITTED
        locked.submitted_to = head
        locked.save(update_fields=["status", "submitted_to"])
        _event(locked, actor, "submitted", to=head.get_username())
        audit_record(actor=actor, action="document.submit", target=locked, to=head.get_username())
    return locked


@dataclass
class AssignmentSpec:
    role: str
    assignee: Any = None  # a User, or
    unit: OrgUnit | None = None  # a unit
    deadline: date | None = None
    note: str = ""


def document_direct(
    *, actor: Actor, document: Document, note: str, assignments: list[AssignmentSpec]
) -> Document:
    """The head writes a direction and assigns one lead, and any cooperating or informed units or people."""
    require_actor(actor, "qlvbdh.direct")
    errors: dict[str, list[str]] = {}
    note = nfc(note or "")
    if legacy_encoding(note):
        errors["note"] = [_("Ý kiến chỉ đạo có vẻ được gõ bằng bảng mã cũ; hãy chuyển sang Unicode.")]
    leads = [spec for spec in assignments if spec.role == Assignment.Role.LEAD]
    if len(leads) != 1:
        errors["assignments"] = [_("Cần đúng một đơn vị hoặc người chủ trì.")]
    today = _today()
    seen: set[tuple[str, int]] = set()
    for spec in assignments:
        if spec.role not in Assignment.Role.values:
            errors.setdefault("assignments", []).append(_("Vai trò giao xử lý không hợp lệ."))
        if (spec.assignee is None) == (spec.unit is None):
            errors.setdefault("assignments", []).append(_("Mỗi dòng giao cho một người hoặc một phòng, ban."))
            continue
        if spec.assignee is not None and not (spec.assignee.is_active and spec.assignee.locked_at is None):
            errors.setdefault("assignments", []).append(
                _("Tài khoản %(name)s không còn hoạt động.") % {"name": spec.assignee.get_username()}
            )
        if spec.deadline is not None and spec.deadline < today:
            errors.setdefault("assignments", []).append(_("Hạn xử lý không được trước hôm nay."))
        key = ("user", spec.assignee.pk) if spec.assignee is not None else ("unit", spec.unit.pk)  # type: ignore[union-attr]
        if key in seen:
            errors.setdefault("assignments", []).append(_("Một người hoặc phòng, ban chỉ được giao một lần."))
        seen.add(key)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = _lock_document(document)
        if locked.status not in (Document.Status.REGISTERED, Document.Status.SUBMITTED):
            raise ApplicationError(
                _("Văn bản đã được chỉ đạo hoặc không còn chờ chỉ đạo."), code="already_directed", status=409
            )
        submitted_to = locked.submitted_to_id
        if (
            locked.status == Document.Status.SUBMITTED
            and actor.user is not None
            and submitted_to != actor.user.pk
        ):
            raise ApplicationError(
                _("Văn bản được trình cho người khác; chỉ người đó cho ý kiến chỉ đạo."),
                code="not_yours",
                status=403,
            )
        locked.direction_note = note
        locked.directed_by = actor.name
        locked.directed_at = timezone.now()
        locked.status = Document.Status.ASSIGNED
        locked.due_date = locked.due_date or leads[0].deadline
        locked.save(update_fields=["direction_note", "directed_by", "directed_at", "status", "due_date"])
        made = Assignment.objects.bulk_create(
            [
                Assignment(
                    document=locked,
                    role=spec.role,
                    assignee=spec.assignee,
                    unit=spec.unit,
                    deadline=spec.deadline,
                    note=nfc(spec.note or ""),
                    assigned_by=actor.name,
                )
                for spec in assignments
            ]
        )
        who = [str(a.assignee or a.unit) for a in made]
        _event(
            locked,
            actor,
            "directed",
            note=note,
            assignments=[[a.role, str(a.assignee or a.unit)] for a in made],
        )
        audit_record(actor=actor, action="document.direct", target=locked, assignees=who)
        events.publish(events.DocumentProgressed(document=locked, stage=events.Stage.DIRECTED))
    return locked


def _lock_assignment(actor: Actor, assignment: Assignment) -> Assignment:
    if actor.user is not None:
        require(actor.user, "qlvbdh.process", assignment)
    locked = Assignment.objects.select_for_update().select_related("document").get(pk=assignment.pk)
    if locked.status != Assignment.Status.OPEN:
        raise ApplicationError(_("Việc này đã được chuyển hoặc đã xong."), code="not_open", status=409)
    if locked.document.status == Document.Status.REVOKED:
        raise ApplicationError(_("Văn bản đã bị thu hồi."), code="document_revoked", status=409)
    return locked


def assignment_reassign(
    *, actor: Actor, assignment: Assignment, to: Any, deadline: date | None = None, note: str = ""
) -> Assignment:
    """The one holding a task passes it to a colleague of the same unit; the chain is kept."""
    with transaction.atomic():
        locked = _lock_assignment(actor, assignment)
        unit_id = locked.unit_id or getattr(locked.assignee, "unit_id", None)
        if unit_id is None or getattr(to, "unit_id", None) != unit_id:
            raise ValidationError({"to": [_("Chỉ chuyển được cho người trong cùng phòng, ban.")]})
        if not (to.is_active and to.locked_at is None) or to.pk == locked.assignee_id:
            raise ValidationError({"to": [_("Người nhận không hợp lệ.")]})
        if deadline is not None and locked.deadline is not None and deadline > locked.deadline:
            raise ValidationError({"deadline": [_("Hạn mới không được muộn hơn hạn được giao.")]})
        child = Assignment.objects.create(
            document=locked.document,
            role=locked.role,
            assignee=to,
            deadline=deadline or locked.deadline,
            note=nfc(note or ""),
            parent=locked,
            assigned_by=actor.name,
        )
        locked.status = Assignment.Status.REASSIGNED
        locked.save(update_fields=["status"])
        _event(locked.document, actor, "reassigned", to=to.get_username(), role=locked.role)
        audit_record(actor=actor, action="assignment.reassign", target=locked.document, to=to.get_username())
        events.publish(events.DocumentProgressed(document=locked.document, stage=events.Stage.IN_PROGRESS))
    return child


def assignment_report(*, actor: Actor, assignment: Assignment, report: str) -> Assignment:
    """A progress note on a task; it stays open."""
    report = nfc(report or "")
    if not report:
        raise ValidationError({"report": [_("Nội dung báo cáo không được để trống.")]})
    with transaction.atomic():
        locked = _lock_assignment(actor, assignment)
        locked.report = report
        locked.save(update_fields=["report"])
        _event(locked.document, actor, "reported", role=locked.role, report=report)
        audit_record(actor=actor, action="assignment.report", target=locked.document)
        events.publish(events.DocumentProgressed(document=locked.document, stage=events.Stage.IN_PROGRESS))
    return locked


def assignment_close(*, actor: Actor, assignment: Assignment, report: str = "") -> Assignment:
    """Done. When the lead's task is done, the document is done."""
    with transaction.atomic():
        locked = _lock_assignment(actor, assignment)
        locked.status = Assignment.Status.DONE
        locked.done_at = timezone.now()
        locked.report = nfc(report or "") or locked.report
        locked.save(update_fields=["status", "done_at", "report"])
        document = _lock_document(locked.document)
        _event(document, actor, "closed", role=locked.role, report=locked.report)
        if locked.role == Assignment.Role.LEAD and document.status == Document.Status.ASSIGNED:
            document.status = Document.Status.DONE
            document.save(update_fields=["status"])
            _event(document, actor, "done")
            events.publish(events.DocumentProgressed(document=document, stage=events.Stage.FINISHED))
        audit_record(actor=actor, action="assignment.close", target=document, role=locked.role)
    return locked


def document_mark_read(*, actor: Actor, document: Document) -> None:
    """R11: every view of a document is on record (read receipt, timeline, audit trail)."""
    if actor.user is None:
        return
    with transaction.atomic():
        receipt, created = ReadReceipt.objects.get_or_create(document=document, reader=actor.user)
        if not created:
            ReadReceipt.objects.filter(pk=receipt.pk).update(
                times=F("times") + 1, last_read_at=timezone.now()
            )
        _event(document, actor, "viewed")
        audit_record(actor=actor, action="document.view", target=document)


# --- outgoing: draft -> approve -> sign -> issue; revocation and replacement ----------------------


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
    values, errors = _clean_incoming(
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
            search_text=_search_text(values, data.document_type),
            created_by=actor.name,
            **{key: values[key] for key in ("summary", "signer_name", "recipients")},
            issuer_name="",
        )
        _event(document, actor, "drafted")
        audit_record(actor=actor, action="document.draft", target=document)
    return document


def _outgoing_step(
    *, actor: Actor, document: Document, code: PermissionCode, before: str, after: str, kind: str
) -> Document:
    require_actor(actor, code)
    with transaction.atomic():
        locked = _lock_document(document)
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
        _event(locked, actor, kind)
        audit_record(actor=actor, action=f"document.{kind}", target=locked)
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


def outgoing_issue(
    *, actor: Actor, document: Document, recipients: list[Recipient], today: date | None = None
) -> Document:
    """The clerk issues a signed document: number and notation from the year's outgoing register,
    distribution to units and to other organisations (those wait for the inter-agency hub)."""
    require_actor(actor, "qlvbdh.issue_outgoing")
    errors: dict[str, list[str]] = {}
    cleaned: list[Recipient] = []
    for recipient in recipients:
        if recipient.unit is not None:
            cleaned.append(recipient)
            continue
        try:
            code = normalize_org_code(recipient.org_code)
        except ValidationError as exc:
            errors.setdefault("recipients", []).extend(exc.messages)
            continue
        cleaned.append(Recipient(org_code=code, org_name=nfc(recipient.org_name)[:200]))
    if not cleaned:
        errors.setdefault("recipients", []).append(_("Cần ít nhất một nơi nhận."))
    if errors:
        raise ValidationError(errors)
    issued_on = today or _today()
    with transaction.atomic():
        locked = _lock_document(document)
        if locked.status == Document.Status.ISSUED:
            return locked  # a retry
        if locked.status != Document.Status.SIGNED:
            raise ApplicationError(_("Chỉ ban hành được văn bản đã ký."), code="invalid_state", status=409)
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
        _event(locked, actor, "issued", number=f"{locked.number}/{locked.notation}")
        audit_record(
            actor=actor, action="document.issue", target=locked, number=f"{locked.number}/{locked.notation}"
        )
        # In this transaction: the exchange's outbox entry commits with the document or not at all.
        events.publish(events.DocumentIssued(actor=actor, document=locked))
    return locked


def _replaced(actor: Actor, new: Document) -> None:
    old = _lock_document(new.replaces)  # type: ignore[arg-type]
    if old.status == Document.Status.REVOKED:
        return
    old.status = Document.Status.REVOKED
    old.revoked_at = timezone.now()
    old.revoked_reason = _("Được thay thế bởi văn bản %(n)s/%(notation)s.") % {
        "n": new.number,
        "notation": new.notation,
    }
    old.save(update_fields=["status", "revoked_at", "revoked_reason"])
    _event(old, actor, "replaced", by=str(new.uuid))
    audit_record(actor=actor, action="document.replaced", target=old, by=str(new.uuid))
    events.publish(events.DocumentRevoked(actor=actor, document=old, reason=old.revoked_reason))


def document_revoke(*, actor: Actor, document: Document, reason: str) -> Document:
    """An issued outgoing document is revoked by its head, or an incoming one is marked revoked by
    its sender (the clerk records it): frozen, marked, kept — never deleted."""
    reason = nfc((reason or "").replace("\x00", ""))
    if not reason:
        raise ValidationError({"reason": [_("Cần ghi lý do thu hồi.")]})
    issued_here = document.direction in (Document.Direction.OUTGOING, Document.Direction.INTERNAL)
    code: PermissionCode = "qlvbdh.sign" if issued_here else "qlvbdh.register_incoming"
    require_actor(actor, code)
    with transaction.atomic():
        locked = _lock_document(document)
        if locked.status == Document.Status.REVOKED:
            return locked
        if issued_here and locked.status != Document.Status.ISSUED:
            raise ApplicationError(
                _("Chỉ thu hồi được văn bản đã ban hành."), code="invalid_state", status=409
            )
        locked.status = Document.Status.REVOKED
        locked.revoked_at = timezone.now()
        locked.revoked_reason = reason[:500]
        locked.save(update_fields=["status", "revoked_at", "revoked_reason"])
        _event(locked, actor, "revoked", reason=reason)
        audit_record(actor=actor, action="document.revoke", target=locked, reason=reason)
        if issued_here:
            events.publish(events.DocumentRevoked(actor=actor, document=locked, reason=reason))
    return locked
