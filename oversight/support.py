"""Support requests (Điều 8.2.c, 9.2.c, 16): an agency's IT officer reports an incident or asks for
help from the workspace; the province's operators answer and close it on the console.

The rows live in the public schema, keyed by the agency's UUID; each side's action is audited in its
own trail (the agency's schema, or the province's). A form's `submission_key` makes a retried
submission find what it made instead of making it twice."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import in_province_scope, require_actor
from core.audit import Actor, audit_record
from core.errors import ApplicationError
from core.tenancy import in_public
from core.text import nfc
from oversight.models import SupportMessage, SupportRequest

if TYPE_CHECKING:
    from tenants.models import Tenant

SUBJECT_MAX = 200
BODY_MAX = 10_000


def _text(value: str, *, limit: int, empty: str) -> str:
    text = nfc(value or "").strip()
    if not text:
        raise ApplicationError(empty)
    if len(text) > limit:
        raise ApplicationError(_("Nội dung dài quá %(n)s ký tự.") % {"n": limit})
    return text


def _full_name(actor: Actor) -> str:
    user: Any = actor.user
    return str(getattr(user, "full_name", "") or "")[:150] if user is not None else ""


def support_request_open(
    *, actor: Actor, tenant: Tenant, kind: str, subject: str, body: str, submission_key: UUID
) -> SupportRequest:
    require_actor(actor, "oversight.request_support")
    if in_province_scope():
        raise ApplicationError(_("Yêu cầu hỗ trợ được gửi từ hệ thống của đơn vị."))
    if kind not in SupportRequest.Kind.values:
        raise ApplicationError(_("Loại yêu cầu không hợp lệ."))
    subject = _text(subject, limit=SUBJECT_MAX, empty=_("Hãy ghi tiêu đề."))
    body = _text(body, limit=BODY_MAX, empty=_("Hãy mô tả sự cố hoặc nội dung cần hỗ trợ."))
    with transaction.atomic():
        with in_public():
            existing = SupportRequest.objects.filter(submission_key=submission_key).first()
            if existing is not None:
                if existing.tenant_uuid != tenant.uuid:
                    raise Http404  # another agency's key: nothing of theirs is shown
                return existing
            request = SupportRequest.objects.create(
                submission_key=submission_key,
                tenant_uuid=tenant.uuid,
                kind=kind,
                subject=subject,
                reporter=actor.name,
                reporter_name=_full_name(actor),
            )
            SupportMessage.objects.create(
                request=request,
                submission_key=submission_key,
                side=SupportMessage.Side.AGENCY,
                author=actor.name,
                author_name=_full_name(actor),
                body=body,
            )
        audit_record(actor=actor, action="support.open", target=request, kind=kind)
    return request


def support_message_add(
    *, actor: Actor, request: SupportRequest, body: str, submission_key: UUID, tenant: Tenant | None = None
) -> SupportMessage:
    """A follow-up from the agency (`tenant`: its own requests only) or an answer from an operator."""
    province = in_province_scope()
    require_actor(actor, "oversight.manage" if province else "oversight.request_support")
    if not province and (tenant is None or request.tenant_uuid != tenant.uuid):
        raise Http404  # another agency's request: as if it did not exist
    body = _text(body, limit=BODY_MAX, empty=_("Hãy viết nội dung."))
    with transaction.atomic():
        with in_public():
            locked = SupportRequest.objects.select_for_update().get(pk=request.pk)
            existing = SupportMessage.objects.filter(submission_key=submission_key).first()
            if existing is not None:
                if existing.request_id != locked.pk:
                    raise Http404
                return existing
            if locked.status == SupportRequest.Status.CLOSED:
                raise ApplicationError(_("Yêu cầu đã đóng."), code="closed", status=409)
            message = SupportMessage.objects.create(
                request=locked,
                submission_key=submission_key,
                side=SupportMessage.Side.PROVINCE if province else SupportMessage.Side.AGENCY,
                author=actor.name,
                author_name=_full_name(actor),
                body=body,
            )
            locked.status = SupportRequest.Status.ANSWERED if province else SupportRequest.Status.OPEN
            locked.save(update_fields=["status"])
        audit_record(actor=actor, action="support.answer" if province else "support.follow_up", target=locked)
    return message


def support_request_close(*, actor: Actor, request: SupportRequest) -> SupportRequest:
    """The operator closes a request; closing a closed one changes nothing."""
    require_actor(actor, "oversight.manage")
    with transaction.atomic(), in_public():
        locked = SupportRequest.objects.select_for_update().get(pk=request.pk)
        if locked.status == SupportRequest.Status.CLOSED:
            return locked
        locked.status = SupportRequest.Status.CLOSED
        locked.closed_at = timezone.now()
        locked.closed_by = actor.name
        locked.save(update_fields=["status", "closed_at", "closed_by"])
        audit_record(actor=actor, action="support.close", target=locked)
    return locked


def support_requests_of_agency(tenant_uuid: UUID) -> QuerySet[SupportRequest]:
    return SupportRequest.objects.filter(tenant_uuid=tenant_uuid)


def support_request_of_agency_or_404(tenant_uuid: UUID, key: str) -> SupportRequest:
    try:
        return support_requests_of_agency(tenant_uuid).get(uuid=UUID(key))
    except (ValueError, SupportRequest.DoesNotExist):
        raise Http404 from None


def support_requests_all(status: str = "") -> QuerySet[SupportRequest]:
    found = SupportRequest.objects.all()
    return found.filter(status=status) if status in SupportRequest.Status.values else found


def support_request_or_404(key: str) -> SupportRequest:
    try:
        return SupportRequest.objects.get(uuid=UUID(key))
    except (ValueError, SupportRequest.DoesNotExist):
        raise Http404 from None
