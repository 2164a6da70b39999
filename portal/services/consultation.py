"""Public consultation (regulation Điều 3.3, 14.2): the board posts a draft document for comments
between an opening and a closing day; a visitor's comment shows only once the board approved it;
the drafting unit gets the summary of comments as a spreadsheet."""

from __future__ import annotations

import io
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import require_actor
from core.audit import Actor, audit_record
from core.errors import ApplicationError
from portal.models import Consultation, ConsultationComment
from portal.services.feedback import clean_text


@transaction.atomic
def consultation_create(*, actor: Actor, data: dict[str, Any]) -> Consultation:
    require_actor(actor, "portal.manage_duties")
    opens_on, closes_on = data.get("opens_on"), data.get("closes_on")
    if opens_on is None or closes_on is None or closes_on < opens_on:
        raise ValidationError({"closes_on": [_("Ngày kết thúc phải từ ngày mở trở đi.")]})
    if data.get("drafting_unit") is None:
        raise ValidationError({"drafting_unit": [_("Hãy chọn đơn vị soạn thảo.")]})
    consultation = Consultation.objects.create(
        title=clean_text(data.get("title"), field="title", limit=255),
        summary=clean_text(data.get("summary"), field="summary", limit=20000),
        document=data.get("document"),
        drafting_unit=data["drafting_unit"],
        opens_on=opens_on,
        closes_on=closes_on,
        created_by=actor.user,
    )
    audit_record(actor=actor, action="portal.consultation_create", target=consultation)
    return consultation


def consultation_is_open(consultation: Consultation) -> bool:
    return consultation.opens_on <= timezone.localdate() <= consultation.closes_on


@transaction.atomic
def comment_submit(
    *, consultation: Consultation, data: dict[str, Any], key: str, ip: str | None = None
) -> ConsultationComment:
    """A visitor's comment, waiting for moderation; only while the draft is open."""
    existing = ConsultationComment.objects.filter(submission_key=key).first()
    if existing is not None:
        return existing
    if not consultation_is_open(consultation):
        raise ApplicationError(_("Dự thảo này không còn (hoặc chưa) mở lấy ý kiến."))
    comment = ConsultationComment.objects.create(
        consultation=consultation,
        name=clean_text(data.get("name"), field="name", limit=120),
        contact=clean_text(data.get("contact"), field="contact", limit=120, required=False),
        text=clean_text(data.get("text"), field="text", limit=5000),
        submission_key=key,
    )
    audit_record(actor=Actor(ip=ip, label="public"), action="portal.comment_submit", target=comment)
    return comment


@transaction.atomic
def comment_moderate(*, actor: Actor, comment: ConsultationComment, approve: bool) -> ConsultationComment:
    require_actor(actor, "portal.manage_duties")
    locked = ConsultationComment.objects.select_for_update().get(pk=comment.pk)
    status = ConsultationComment.Status.APPROVED if approve else ConsultationComment.Status.REJECTED
    if locked.status == status:
        return locked
    locked.status, locked.moderated_by, locked.moderated_at = status, actor.user, timezone.now()
    locked.save(update_fields=["status", "moderated_by", "moderated_at"])
    audit_record(actor=actor, action="portal.comment_moderate", target=locked, status=status)
    return locked


def _cell(value: str) -> str:
    # a comment that would start a formula stays text
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


@transaction.atomic
def consultation_summary_xlsx(*, actor: Actor, consultation: Consultation) -> bytes:
    """For the drafting unit: every comment (approved first), with who sent it and the board's
    decision. Contact details stay: the unit may need to ask back. Audited."""
    require_actor(actor, "portal.manage_duties")
    from openpyxl import Workbook  # imported by the export, not with the module (core.pdf's why)
    from openpyxl.styles import Alignment, Font

    comments = consultation.comments.order_by("status", "created_at", "id")
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # noqa: S101  (a new workbook has one sheet)
    sheet.title = str(_("Tổng hợp ý kiến"))
    sheet.append([_("TỔNG HỢP Ý KIẾN GÓP Ý DỰ THẢO: %(t)s") % {"t": consultation.title}])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append(
        [
            _("Đơn vị soạn thảo: %(u)s; thời gian lấy ý kiến: %(a)s - %(b)s")
            % {
                "u": consultation.drafting_unit,
                "a": f"{consultation.opens_on:%d/%m/%Y}",
                "b": f"{consultation.closes_on:%d/%m/%Y}",
            }
        ]
    )
    counts = {status: 0 for status in ConsultationComment.Status.values}
    for comment in comments:
        counts[comment.status] += 1
    sheet.append(
        [
            _("Tổng số: %(n)s ý kiến (đã duyệt %(a)s, chờ duyệt %(p)s, không đăng %(r)s)")
            % {
                "n": sum(counts.values()),
                "a": counts["approved"],
                "p": counts["pending"],
                "r": counts["rejected"],
            }
        ]
    )
    sheet.append([])
    sheet.append([_("STT"), _("Thời gian"), _("Người góp ý"), _("Liên hệ"), _("Ý kiến"), _("Tình trạng")])
    for cell in sheet[5]:
        cell.font = Font(bold=True)
    for number, comment in enumerate(comments, start=1):
        sheet.append(
            [
                number,
                f"{timezone.localtime(comment.created_at):%d/%m/%Y %H:%M}",
                _cell(comment.name),
                _cell(comment.contact),
                _cell(comment.text),
                str(comment.get_status_display()),
            ]
        )
        sheet.cell(row=sheet.max_row, column=5).alignment = Alignment(wrap_text=True, vertical="top")
    for column, width in zip("ABCDEF", (6, 18, 25, 25, 80, 14), strict=True):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    audit_record(actor=actor, action="portal.consultation_export", target=consultation)
    return buffer.getvalue()
