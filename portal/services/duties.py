"""The board's duty writes (P6): its settings, the kind -> unit mapping, events and their articles,
the professional groups under the quota, and the reminders of event deadlines.

Every write is the board's (`portal.manage_duties`), audited, and safe to repeat.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import OrgUnit, User
from accounts.permissions import require_actor
from core.audit import Actor, audit_record
from core.text import nfc
from portal.deadlines import due_day_of, duty_settings, event_deadline, event_status
from portal.models import (
    ArticlePage,
    DutySettings,
    Event,
    EventKind,
    EventKindUnit,
    EventReminder,
    QuotaGroup,
)

# Events from the year 2000 up to ten years ahead.
_EVENT_YEARS = (2000, 10)

_SETTING_FIELDS = (
    "year_start_month",
    "year_start_day",
    "semester_two_month",
    "semester_two_day",
    "deadline_days",
    "monthly_quota",
    "remind_hours_before",
)


@transaction.atomic
def duty_settings_update(*, actor: Actor, data: dict[str, Any]) -> DutySettings:
    require_actor(actor, "portal.manage_duties")
    current = duty_settings()
    for name in _SETTING_FIELDS:
        if name in data:
            setattr(current, name, int(data[name]))
    current.full_clean()
    try:
        date(2025, current.year_start_month, current.year_start_day)
        date(2025, current.semester_two_month, current.semester_two_day)
    except ValueError as exc:
        raise ValidationError(
            {"year_start_day": [_("Ngày bắt đầu năm học hoặc học kỳ II không có thật.")]}
        ) from exc
    current.save()
    audit_record(
        actor=actor,
        action="portal.duty_settings",
        detail_values={n: getattr(current, n) for n in _SETTING_FIELDS},
    )
    return current


@transaction.atomic
def event_kind_unit_set(*, actor: Actor, kind: str, unit: OrgUnit) -> EventKindUnit:
    """The unit responsible for the articles of a kind of event (idempotent)."""
    require_actor(actor, "portal.manage_duties")
    if kind not in EventKind.values:
        raise ValidationError({"kind": [_("Loại sự kiện không hợp lệ.")]})
    row, _created = EventKindUnit.objects.update_or_create(kind=kind, defaults={"unit": unit})
    audit_record(actor=actor, action="portal.event_kind_unit", target=row, kind=kind, unit=str(unit.uuid))
    return row


def responsible_unit(kind: str) -> OrgUnit | None:
    row = EventKindUnit.objects.filter(kind=kind).select_related("unit").first()
    return row.unit if row is not None else None


def _check_event(data: dict[str, Any]) -> dict[str, Any]:
    title = nfc(str(data.get("title") or "")).strip()
    if not title:
        raise ValidationError({"title": [_("Hãy ghi tên sự kiện.")]})
    starts_at, ends_at = data.get("starts_at"), data.get("ends_at")
    if not isinstance(starts_at, datetime) or not isinstance(ends_at, datetime):
        raise ValidationError({"ends_at": [_("Hãy ghi thời gian bắt đầu và kết thúc.")]})
    if timezone.is_naive(starts_at):
        starts_at = timezone.make_aware(starts_at)
    if timezone.is_naive(ends_at):
        ends_at = timezone.make_aware(ends_at)
    # A typing slip (year 0001 or 9999) would overflow the deadline's arithmetic.
    first, last = _EVENT_YEARS[0], timezone.localdate().year + _EVENT_YEARS[1]
    for name, moment in (("starts_at", starts_at), ("ends_at", ends_at)):
        if not first <= moment.year <= last:
            raise ValidationError(
                {name: [_("Năm phải từ %(first)s đến %(last)s.") % {"first": first, "last": last}]}
            )
    if ends_at < starts_at:
        raise ValidationError({"ends_at": [_("Sự kiện phải kết thúc sau khi bắt đầu.")]})
    kind = data.get("kind")
    if kind not in EventKind.values:
        raise ValidationError({"kind": [_("Loại sự kiện không hợp lệ.")]})
    unit = data.get("unit") or responsible_unit(kind)
    if unit is None:
        raise ValidationError(
            {
                "unit": [
                    _("Chưa có đơn vị phụ trách loại sự kiện này: hãy chọn đơn vị hoặc lập bảng phân công.")
                ]
            }
        )
    return {
        "title": title[:255],
        "kind": kind,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "place": nfc(str(data.get("place") or "")).strip()[:255],
        "unit": unit,
    }


@transaction.atomic
def event_create(*, actor: Actor, data: dict[str, Any]) -> Event:
    """The responsible unit follows the kind (the board's mapping) unless the board names another."""
    require_actor(actor, "portal.manage_duties")
    fields = _check_event(data)
    event = Event(**fields, created_by=actor.user)
    event.deadline = event_deadline(event.ends_at, duty_settings().deadline_days)
    event.full_clean(exclude=["article", "created_by"])
    event.save()
    audit_record(actor=actor, action="portal.event_create", target=event, due_on=due_day_of(event.deadline))
    return event


@transaction.atomic
def event_update(*, actor: Actor, event: Event, data: dict[str, Any]) -> Event:
    require_actor(actor, "portal.manage_duties")
    fields = _check_event(data)
    locked = Event.objects.select_for_update().get(pk=event.pk)
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.deadline = event_deadline(locked.ends_at, duty_settings().deadline_days)
    locked.save()
    # A moved deadline may call for its reminders again.
    locked.reminders.all().delete()
    audit_record(actor=actor, action="portal.event_update", target=locked, due_on=due_day_of(locked.deadline))
    return locked


@transaction.atomic
def event_link_article(*, actor: Actor, event: Event, article: ArticlePage | None) -> Event:
    """The article that reports the event (or none). Idempotent."""
    require_actor(actor, "portal.manage_duties")
    locked = Event.objects.select_for_update().get(pk=event.pk)
    if locked.article_id == (article.pk if article else None):
        return locked
    locked.article = article
    locked.save(update_fields=["article"])
    audit_record(
        actor=actor, action="portal.event_article", target=locked, article=article.pk if article else None
    )
    return locked


@transaction.atomic
def quota_group_set(*, actor: Actor, unit: OrgUnit, leader: User | None, active: bool = True) -> QuotaGroup:
    require_actor(actor, "portal.manage_duties")
    if leader is not None and leader.unit_id != unit.pk:
        raise ValidationError({"leader": [_("Tổ trưởng phải là thành viên của tổ.")]})
    group, _created = QuotaGroup.objects.update_or_create(
        unit=unit, defaults={"leader": leader, "active": active}
    )
    audit_record(actor=actor, action="portal.quota_group", target=group, active=active)
    return group


# --- reminders -----------------------------------------------------------------------------------


def _recipients(event: Event) -> list[User]:
    """The responsible unit's people, its group leader, and the board's secretaries."""
    from accounts.models import RoleGrant
    from accounts.roles import Role

    leaders = QuotaGroup.objects.filter(unit=event.unit, leader__isnull=False).values("leader_id")
    secretaries = RoleGrant.objects.filter(role=Role.BOARD_SECRETARY, revoked_at__isnull=True).values(
        "user_id"
    )
    return list(
        User.objects.filter(
            Q(unit=event.unit) | Q(pk__in=leaders) | Q(pk__in=secretaries),
            is_active=True,
            locked_at__isnull=True,
            deactivated_at__isnull=True,
        ).order_by("pk")
    )


def _stage(event: Event, now: datetime, hours_before: int) -> str | None:
    if event_status(event, now=now) not in ("due", "overdue"):
        return None
    if now >= event.deadline:
        return EventReminder.Stage.DUE
    if now >= event.deadline - timedelta(hours=hours_before):
        return EventReminder.Stage.BEFORE
    return None


def event_reminders_send(*, now: datetime | None = None) -> int:
    """In the current schema: one reminder per event per stage (before the deadline, at it), in the
    app and by e-mail. A re-run, a retried task or a second beat finds the reminder row and sends
    nothing. Returns how many reminders were made."""
    from accounts.services.notifications import notification_send

    now = now or timezone.now()
    hours = duty_settings().remind_hours_before
    # Deadlines passed more than a week ago are history, not reminders.
    candidates = Event.objects.filter(
        deadline__gt=now - timedelta(days=7), deadline__lte=now + timedelta(hours=hours)
    ).select_related("unit", "article")
    made = 0
    for event in candidates.order_by("deadline", "pk"):
        stage = _stage(event, now, hours)
        if stage is None:
            continue
        try:
            with transaction.atomic():
                reminder = EventReminder.objects.create(event=event, stage=stage)
                people = _recipients(event)
                due = due_day_of(event.deadline)
                message = (
                    _("Đến hạn đưa tin sự kiện “%(title)s” (hết ngày %(date)s).")
                    if stage == EventReminder.Stage.DUE
                    else _("Sắp đến hạn đưa tin sự kiện “%(title)s” (hết ngày %(date)s).")
                ) % {"title": event.title, "date": f"{due:%d/%m/%Y}"}
                notification_send(
                    users=people,
                    kind="portal_event_due",
                    message=message,
                    link="/cms/portal/duties/",
                    dedupe=f"portal-event:{event.uuid}:{stage}",
                )
                reminder.recipients = len(people)
                reminder.save(update_fields=["recipients"])
                addresses = sorted({p.email for p in people if p.email})
                if addresses:
                    transaction.on_commit(partial(_mail, message, addresses))
        except IntegrityError:
            continue  # another run made this reminder first
        made += 1
    return made


def _mail(message: str, addresses: list[str]) -> None:
    send_mail(
        subject=_("Nhắc hạn đưa tin sự kiện"),
        message=message,
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=addresses,
        fail_silently=True,  # the in-app reminder is already there; a mail outage must not undo it
    )
