"""Processing an incoming document: submit to the head, direction and assignments, re-assign,
report, close."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import OrgUnit
from accounts.permissions import can, require, require_actor
from core.audit import Actor, audit_record
from core.errors import ApplicationError
from core.text import legacy_encoding, nfc
from qlvbdh import events
from qlvbdh.models import Assignment, Document
from qlvbdh.services.documents import document_lock, event_record


def document_submit(*, actor: Actor, document: Document, head: Any) -> Document:
    """The clerk passes a registered document to the head (or a deputy) for direction."""
    require_actor(actor, "qlvbdh.register_incoming")
    if not can(head, "qlvbdh.direct"):
        raise ValidationError({"head": [_("Người nhận phải có quyền cho ý kiến chỉ đạo (thủ trưởng, phó).")]})
    with transaction.atomic():
        locked = document_lock(document, actor=actor)
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
        event_record(locked, actor, "submitted", to=head.get_username())
        audit_record(actor=actor, action="document.submit", target=locked, to=head.get_username())
    return locked


@dataclass
class AssignmentSpec:
    role: str
    assignee: Any = None  # a User, or
    unit: OrgUnit | None = None  # a unit
    deadline: date | None = None
    note: str = ""


def _assignment_problems(assignments: list[AssignmentSpec]) -> list[str]:
    """Each row: a known role, one person or one unit, an active account, a deadline not past, once."""
    problems: list[str] = []
    today = timezone.localdate()
    seen: set[tuple[str, int]] = set()
    for spec in assignments:
        if spec.role not in Assignment.Role.values:
            problems.append(_("Vai trò giao xử lý không hợp lệ."))
        if (spec.assignee is None) == (spec.unit is None):
            problems.append(_("Mỗi dòng giao cho một người hoặc một phòng, ban."))
            continue
        if spec.assignee is not None and not (spec.assignee.is_active and spec.assignee.locked_at is None):
            problems.append(
                _("Tài khoản %(name)s không còn hoạt động.") % {"name": spec.assignee.get_username()}
            )
        if spec.deadline is not None and spec.deadline < today:
            problems.append(_("Hạn xử lý không được trước hôm nay."))
        key = ("user", spec.assignee.pk) if spec.assignee is not None else ("unit", spec.unit.pk)  # type: ignore[union-attr]
        if key in seen:
            problems.append(_("Một người hoặc phòng, ban chỉ được giao một lần."))
        seen.add(key)
    return problems


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
    problems = _assignment_problems(assignments)
    if problems:
        errors.setdefault("assignments", []).extend(problems)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = document_lock(document, actor=actor)
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
        event_record(
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
        event_record(locked.document, actor, "reassigned", to=to.get_username(), role=locked.role)
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
        event_record(locked.document, actor, "reported", role=locked.role, report=report)
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
        document = document_lock(locked.document)
        event_record(document, actor, "closed", role=locked.role, report=locked.report)
        if locked.role == Assignment.Role.LEAD and document.status == Document.Status.ASSIGNED:
            document.status = Document.Status.DONE
            document.save(update_fields=["status"])
            event_record(document, actor, "done")
            events.publish(events.DocumentProgressed(document=document, stage=events.Stage.FINISHED))
        audit_record(actor=actor, action="assignment.close", target=document, role=locked.role)
    return locked
