"""The public's feedback and petitions (P8): a visitor sends one and gets a tracking code; the board
assigns it, answers it, and may publish the question and answer on the Q&A page when the sender
agreed (never their name or contact). Audited; a repeated sending or action changes nothing."""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import can, require_actor
from core.audit import Actor, audit_record
from core.errors import ApplicationError
from core.text import nfc
from portal.models import Feedback

_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud over the phone
_MAGIC = {
    "pdf": (b"%PDF-",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "docx": (b"PK\x03\x04",),
}


def clean_text(value: Any, *, field: str, limit: int, required: bool = True) -> str:
    text = nfc(str(value or "")).strip()
    if required and not text:
        raise ValidationError({field: [_("Hãy điền mục này.")]})
    if len(text) > limit:
        raise ValidationError({field: [_("Tối đa %(n)s ký tự.") % {"n": limit}]})
    return text


def check_attachment(upload: Any) -> Any:
    """Type by extension and by the file's first bytes (a renamed .exe is no PDF); size bounded."""
    if upload is None:
        return None
    if upload.size is None or upload.size > settings.PORTAL_FEEDBACK_ATTACHMENT_MAX_BYTES:
        limit = settings.PORTAL_FEEDBACK_ATTACHMENT_MAX_BYTES // (1024 * 1024)
        raise ValidationError({"attachment": [_("Tệp đính kèm tối đa %(n)s MB.") % {"n": limit}]})
    name = upload.name or ""
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix not in settings.PORTAL_FEEDBACK_ATTACHMENT_TYPES:
        raise ValidationError(
            {
                "attachment": [
                    _("Chỉ nhận tệp %(types)s.")
                    % {"types": ", ".join(settings.PORTAL_FEEDBACK_ATTACHMENT_TYPES)}
                ]
            }
        )
    head = upload.read(16)
    upload.seek(0)
    if not head.startswith(_MAGIC.get(suffix, (b"",))):
        raise ValidationError(
            {"attachment": [_("Nội dung tệp không đúng với loại tệp .%(s)s.") % {"s": suffix}]}
        )
    return upload


def _tracking_code() -> str:
    while True:
        code = "".join(secrets.choice(_CODE_ALPHABET) for _i in range(10))
        if not Feedback.objects.filter(tracking_code=code).exists():
            return code


@transaction.atomic
def feedback_submit(*, data: dict[str, Any], attachment: Any, key: str, ip: str | None = None) -> Feedback:
    """A visitor's feedback (anonymous: the spam guard ran before). The form's key makes a second
    sending of the same form return the first item."""
    existing = Feedback.objects.filter(submission_key=key).first()
    if existing is not None:
        return existing
    feedback = Feedback(
        name=clean_text(data.get("name"), field="name", limit=120),
        contact=clean_text(data.get("contact"), field="contact", limit=120),
        subject=clean_text(data.get("subject"), field="subject", limit=200),
        text=clean_text(data.get("text"), field="text", limit=settings.PORTAL_FEEDBACK_MAX_CHARS),
        consent_publish=bool(data.get("consent_publish")),
        tracking_code=_tracking_code(),
        submission_key=key,
    )
    upload = check_attachment(attachment)
    if upload is not None:
        feedback.attachment_name = nfc(upload.name or "")[-120:]
        feedback.attachment.save(upload.name or "tep", upload, save=False)
    feedback.save()
    audit_record(actor=Actor(ip=ip, label="public"), action="portal.feedback_submit", target=feedback)
    return feedback


def feedback_by_code(code: str) -> Feedback | None:
    """The one item a tracking code names (codes are compared upper case, spaces ignored)."""
    normal = "".join(str(code or "").split()).upper()[:16]
    if len(normal) != 10:
        return None
    return Feedback.objects.filter(tracking_code=normal).first()


def _locked(feedback: Feedback) -> Feedback:
    return Feedback.objects.select_for_update().get(pk=feedback.pk)


@transaction.atomic
def feedback_assign(*, actor: Actor, feedback: Feedback, assignee: User) -> Feedback:
    require_actor(actor, "portal.handle_feedback")
    if not can(assignee, "portal.answer_feedback"):
        raise ValidationError({"assignee": [_("Người được giao phải thuộc Ban biên tập.")]})
    locked = _locked(feedback)
    if locked.assignee_id == assignee.pk:
        return locked
    locked.assignee = assignee
    if locked.status == Feedback.Status.NEW:
        locked.status = Feedback.Status.ASSIGNED
    locked.save(update_fields=["assignee", "status"])
    audit_record(actor=actor, action="portal.feedback_assign", target=locked, assignee=str(assignee.uuid))
    return locked


@transaction.atomic
def feedback_answer(*, actor: Actor, feedback: Feedback, answer: str) -> Feedback:
    """The handlers answer any item; an editor only the one assigned to them (portal.permissions)."""
    require_actor(actor, "portal.answer_feedback", feedback)
    text = clean_text(answer, field="answer", limit=10000)
    locked = _locked(feedback)
    if locked.answer == text and locked.status == Feedback.Status.ANSWERED:
        return locked
    locked.answer, locked.status = text, Feedback.Status.ANSWERED
    locked.answered_at, locked.answered_by = timezone.now(), actor.user
    locked.save(update_fields=["answer", "status", "answered_at", "answered_by"])
    audit_record(actor=actor, action="portal.feedback_answer", target=locked)
    return locked


@transaction.atomic
def feedback_publish(*, actor: Actor, feedback: Feedback, publish: bool) -> Feedback:
    """Put the question and its answer on the Q&A page (or take them off). Only when answered and
    the sender agreed; the page never shows the sender's name or contact."""
    require_actor(actor, "portal.handle_feedback")
    locked = _locked(feedback)
    if publish and not locked.consent_publish:
        raise ApplicationError(_("Người gửi không đồng ý công khai: không thể đăng lên trang hỏi đáp."))
    if publish and locked.status != Feedback.Status.ANSWERED:
        raise ApplicationError(_("Hãy trả lời trước khi công khai."))
    if bool(locked.published_at) == publish:
        return locked
    locked.published_at = timezone.now() if publish else None
    locked.save(update_fields=["published_at"])
    audit_record(
        actor=actor,
        action="portal.feedback_publish" if publish else "portal.feedback_unpublish",
        target=locked,
    )
    return locked


def feedback_get_for(user: Any, pk: int) -> Feedback:
    """An item the person may answer, else 404 (an item one may not see does not exist)."""
    from django.http import Http404

    from accounts.permissions import permitted

    item = (
        permitted(user, "portal.answer_feedback", Feedback).filter(pk=pk).select_related("assignee").first()
    )
    if item is None:
        raise Http404
    return item
