"""Resources (rooms, cars, equipment) and their bookings. No double booking: the database's
exclusion constraint decides between concurrent requests, not a check in Python."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import require_actor
from collab.models import Booking, Resource
from collab.permissions import booking_can_cancel, booking_can_decide
from core.audit import Actor, audit_record
from core.errors import ApplicationError
from core.locks import lock_for_transaction
from core.text import fold, legacy_encoding, nfc

MAX_BOOKING = timedelta(days=14)


def _clean_name(value: str, field: str, max_length: int, errors: dict[str, list[str]]) -> str:
    value = nfc(value or "")
    if not value:
        errors[field] = [_("Trường này không được để trống.")]
    elif len(value) > max_length:
        errors[field] = [_("Quá dài (tối đa %(n)s ký tự).") % {"n": max_length}]
    elif legacy_encoding(value):
        errors[field] = [_("Nội dung có vẻ được gõ bằng bảng mã cũ; hãy chuyển sang Unicode.")]
    return value


@transaction.atomic
def resource_create(
    *, actor: Actor, name: str, kind: str, manager: Any, location: str = "", needs_approval: bool = True
) -> Resource:
    require_actor(actor, "collab.manage_resources")
    errors: dict[str, list[str]] = {}
    name = _clean_name(name, "name", 150, errors)
    location = nfc(location or "")[:200]
    if kind not in Resource.Kind.values:
        errors["kind"] = [_("Loại không hợp lệ.")]
    if manager is None or not manager.is_active:
        errors["manager"] = [_("Cần người quản lý đang làm việc.")]
    if errors:
        raise ValidationError(errors)
    existing = Resource.objects.filter(kind=kind, folded_name=fold(name)).first()
    if existing is not None:
        raise ValidationError({"name": [_("Đã có tài nguyên cùng tên.")]})
    resource = Resource.objects.create(
        name=name,
        folded_name=fold(name),
        kind=kind,
        location=location,
        manager=manager,
        needs_approval=needs_approval,
    )
    audit_record(actor=actor, action="resource.create", target=resource, manager=manager.get_username())
    return resource


def _range_errors(starts_at: datetime | None, ends_at: datetime | None) -> dict[str, list[str]]:
    if starts_at is None or ends_at is None:
        return {"starts_at": [_("Cần thời gian bắt đầu và kết thúc.")]}
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        return {"starts_at": [_("Thời gian phải có múi giờ.")]}
    if ends_at <= starts_at:
        return {"ends_at": [_("Thời gian kết thúc phải sau thời gian bắt đầu.")]}
    if ends_at - starts_at > MAX_BOOKING:
        return {"ends_at": [_("Một lần đặt không quá 14 ngày.")]}
    if ends_at < timezone.now():
        return {"ends_at": [_("Không đặt cho thời gian đã qua.")]}
    return {}


def _conflict_message(resource: Resource, starts_at: datetime, ends_at: datetime) -> str:
    holder = (
        Booking.objects.filter(
            resource=resource, status__in=Booking.HOLDING, during__overlap=DateTimeTZRange(starts_at, ends_at)
        )
        .select_related("booked_by")
        .first()
    )
    if holder is None:
        return _("%(resource)s đã có người đặt trùng thời gian này.") % {"resource": resource.name}
    local = timezone.localtime
    return _("%(resource)s đã được đặt từ %(start)s đến %(end)s (%(who)s); hãy chọn thời gian khác.") % {
        "resource": resource.name,
        "start": f"{local(holder.during.lower):%H:%M %d/%m/%Y}",
        "end": f"{local(holder.during.upper):%H:%M %d/%m/%Y}",
        "who": holder.booked_by.get_full_name() or holder.booked_by.get_username(),
    }


def booking_create(
    *, actor: Actor, resource: Resource, title: str, starts_at: datetime | None, ends_at: datetime | None
) -> Booking:
    """Book `resource` for [starts_at, ends_at). A resource without approval, or booked by its own
    manager, is approved at once; otherwise it waits for the manager. Repeating the same request
    returns the booking already made."""
    require_actor(actor, "qlvbdh.book_resources")
    if actor.user is None:
        raise PermissionDenied
    errors = _range_errors(starts_at, ends_at)
    title = _clean_name(title, "title", 300, errors)
    if not resource.is_active:
        errors["resource"] = [_("Tài nguyên này đã ngừng sử dụng.")]
    if errors:
        raise ValidationError(errors)
    if starts_at is None or ends_at is None:  # _range_errors refused it; said again for the type checker
        raise ValidationError({"starts_at": [_("Cần thời gian bắt đầu và kết thúc.")]})
    during = DateTimeTZRange(starts_at, ends_at)
    same = Booking.objects.filter(
        resource=resource, booked_by=actor.user, during=during, status__in=Booking.HOLDING
    ).first()
    if same is not None:
        return same  # a retried request (double click, lost answer) books nothing more
    approved = not resource.needs_approval or resource.manager_id == actor.user.pk
    try:
        with transaction.atomic():
            # One booking of this resource at a time: concurrent inserts checked against each other
            # by the exclusion constraint can deadlock (each waits on another's transaction).
            lock_for_transaction("collab.booking", str(resource.uuid))
            booking = Booking.objects.create(
                resource=resource,
                during=during,
                title=title,
                booked_by=actor.user,
                status=Booking.Status.APPROVED if approved else Booking.Status.PENDING,
                decided_by=actor.name if approved else "",
                decided_at=timezone.now() if approved else None,
            )
            audit_record(
                actor=actor,
                action="booking.create",
                target=booking,
                resource=str(resource.uuid),
                start=starts_at.isoformat(),
                end=ends_at.isoformat(),
                status=booking.status,
            )
    except IntegrityError as exc:
        if "collab_booking_no_overlap" not in str(exc):
            raise
        raise ApplicationError(
            _conflict_message(resource, starts_at, ends_at), code="booking_conflict", status=409
        ) from exc
    if not approved:
        _notify_manager(booking)
    return booking


def _notify_manager(booking: Booking) -> None:
    from accounts.services.notifications import notification_send

    with transaction.atomic():
        notification_send(
            users=[booking.resource.manager],
            kind="booking.pending",
            message=_("Yêu cầu đặt %(resource)s: %(title)s")
            % {"resource": booking.resource.name, "title": booking.title},
            link="/resources/",
            dedupe=f"booking:{booking.uuid}",
        )


def _locked(booking: Booking) -> Booking:
    return Booking.objects.select_for_update().select_related("resource", "booked_by").get(pk=booking.pk)


@transaction.atomic
def booking_decide(*, actor: Actor, booking: Booking, approve: bool, reason: str = "") -> Booking:
    """The resource's manager approves or rejects a pending booking (a repeat changes nothing)."""
    if actor.user is not None and not booking_can_decide(actor.user, booking):
        raise PermissionDenied
    booking = _locked(booking)
    wanted = Booking.Status.APPROVED if approve else Booking.Status.REJECTED
    if booking.status == wanted:
        return booking
    if booking.status != Booking.Status.PENDING:
        raise ApplicationError(_("Yêu cầu này đã được xử lý."), code="booking_decided")
    reason = nfc(reason or "")[:500]
    if not approve and not reason:
        raise ValidationError({"reason": [_("Cần lý do từ chối.")]})
    booking.status = wanted
    booking.decided_by = actor.name
    booking.decided_at = timezone.now()
    booking.reason = reason
    booking.save(update_fields=["status", "decided_by", "decided_at", "reason"])
    audit_record(
        actor=actor, action="booking.approve" if approve else "booking.reject", target=booking, reason=reason
    )
    from accounts.services.notifications import notification_send

    notification_send(
        users=[booking.booked_by],
        kind="booking.decided",
        message=(_("Đã duyệt: %(title)s") if approve else _("Từ chối: %(title)s")) % {"title": booking.title},
        link="/resources/",
        dedupe=f"booking-decided:{booking.uuid}",
    )
    return booking


@transaction.atomic
def booking_cancel(*, actor: Actor, booking: Booking, reason: str = "") -> Booking:
    """Whoever booked it, or the resource's manager, cancels; the range is free again."""
    if actor.user is not None and not booking_can_cancel(actor.user, booking):
        raise PermissionDenied
    booking = _locked(booking)
    if booking.status == Booking.Status.CANCELLED:
        return booking
    if booking.status == Booking.Status.REJECTED:
        raise ApplicationError(_("Yêu cầu này đã bị từ chối."), code="booking_decided")
    booking.status = Booking.Status.CANCELLED
    booking.reason = nfc(reason or "")[:500]
    booking.save(update_fields=["status", "reason"])
    audit_record(actor=actor, action="booking.cancel", target=booking, reason=booking.reason)
    return booking
