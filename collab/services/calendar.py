"""The work calendar: the leaders' week (drafted by the office, approved by the head, published to
all staff), unit and personal calendars, the week printed as PDF, and each person's iCalendar feed
at a secret, revocable address."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import can, require_actor
from collab.models import CalendarEvent, CalendarFeed, CalendarWeek, EventParticipant
from core.audit import Actor, audit_record
from core.errors import ApplicationError
from core.text import legacy_encoding, nfc

Status = CalendarWeek.Status
Scope = CalendarEvent.Scope


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=timezone.get_current_timezone())


@transaction.atomic
def week_ensure(*, actor: Actor, day: date) -> CalendarWeek:
    """The leaders' calendar of the week holding `day`, created as a draft by the office."""
    require_actor(actor, "collab.draft_calendar")
    week, created = CalendarWeek.objects.get_or_create(
        week_start=monday_of(day), defaults={"drafted_by": actor.name}
    )
    if created:
        audit_record(actor=actor, action="calendar.week_create", target=week)
    return week


def _week_locked(week: CalendarWeek) -> CalendarWeek:
    return CalendarWeek.objects.select_for_update().get(pk=week.pk)


@transaction.atomic
def week_submit(*, actor: Actor, week: CalendarWeek) -> CalendarWeek:
    require_actor(actor, "collab.draft_calendar")
    week = _week_locked(week)
    if week.status == Status.SUBMITTED:
        return week
    if week.status != Status.DRAFT:
        raise ApplicationError(_("Lịch tuần này đã được ban hành."), code="week_published")
    if not week.events.filter(cancelled_at__isnull=True).exists():
        raise ApplicationError(_("Lịch tuần chưa có sự kiện nào."), code="week_empty")
    week.status = Status.SUBMITTED
    week.save(update_fields=["status"])
    audit_record(actor=actor, action="calendar.week_submit", target=week)
    _notify(
        _approvers(),
        kind="calendar.submitted",
        message=_("Lịch công tác tuần %(week)s chờ duyệt") % {"week": week},
        link=f"/calendar/?week={week.week_start.isoformat()}",
        dedupe=f"week-submitted:{week.uuid}:{timezone.now():%Y%m%d%H%M%S%f}",
    )
    return week


@transaction.atomic
def week_approve(*, actor: Actor, week: CalendarWeek) -> CalendarWeek:
    """The head approves the submitted week: it is published to all staff at once."""
    require_actor(actor, "collab.approve_calendar")
    week = _week_locked(week)
    if week.status == Status.PUBLISHED:
        return week
    if week.status != Status.SUBMITTED:
        raise ApplicationError(_("Lịch tuần chưa được trình duyệt."), code="week_not_submitted")
    week.status = Status.PUBLISHED
    week.approved_by = actor.name
    week.published_at = timezone.now()
    week.save(update_fields=["status", "approved_by", "published_at"])
    audit_record(actor=actor, action="calendar.week_approve", target=week)
    for event in week.events.filter(cancelled_at__isnull=True).prefetch_related("participants"):
        _notify(
            _people_of(event),
            kind="calendar.published",
            message=_("Lịch công tác: %(title)s, %(when)s") % {"title": event.title, "when": _when(event)},
            link=f"/calendar/?week={week.week_start.isoformat()}",
            dedupe=f"event:{event.uuid}:{event.revision}",
        )
    return week


@transaction.atomic
def week_return(*, actor: Actor, week: CalendarWeek, note: str) -> CalendarWeek:
    """The head sends the submitted week back to the office with a note."""
    require_actor(actor, "collab.approve_calendar")
    week = _week_locked(week)
    note = nfc(note or "")[:500]
    if not note:
        raise ValidationError({"note": [_("Cần ghi chú lý do trả lại.")]})
    if week.status != Status.SUBMITTED:
        raise ApplicationError(_("Lịch tuần không ở trạng thái chờ duyệt."), code="week_not_submitted")
    week.status = Status.DRAFT
    week.note = note
    week.save(update_fields=["status", "note"])
    audit_record(actor=actor, action="calendar.week_return", target=week, note=note)
    return week


@dataclass
class EventData:
    title: str
    starts_at: datetime | None
    ends_at: datetime | None
    place: str = ""
    host: Any = None
    participants: Iterable[Any] = field(default_factory=list)
    other_participants: str = ""
    preparing_unit: Any = None
    documents: Iterable[Any] = field(default_factory=list)  # already limited to what the actor may see

    def clean(self) -> dict[str, Any]:
        errors: dict[str, list[str]] = {}
        title = nfc(self.title or "")
        if not title:
            errors["title"] = [_("Cần nội dung.")]
        elif legacy_encoding(title):
            errors["title"] = [_("Nội dung có vẻ được gõ bằng bảng mã cũ; hãy chuyển sang Unicode.")]
        if self.starts_at is None or self.ends_at is None:
            errors["starts_at"] = [_("Cần thời gian bắt đầu và kết thúc.")]
        elif self.ends_at <= self.starts_at:
            errors["ends_at"] = [_("Thời gian kết thúc phải sau thời gian bắt đầu.")]
        elif self.ends_at - self.starts_at > timedelta(days=7):
            errors["ends_at"] = [_("Một sự kiện không quá 7 ngày.")]
        if errors:
            raise ValidationError(errors)
        return {
            "title": title[:500],
            "starts_at": self.starts_at,
            "ends_at": self.ends_at,
            "place": nfc(self.place or "")[:300],
            "host": self.host,
            "other_participants": nfc(self.other_participants or "")[:500],
            "preparing_unit": self.preparing_unit,
        }


def _require_may_edit(actor: Actor, *, scope: str, week: CalendarWeek | None, unit: Any, owner: Any) -> None:
    user = actor.user
    if scope == Scope.AGENCY:
        require_actor(actor, "collab.draft_calendar")
        if week is not None and week.status == Status.SUBMITTED:
            raise ApplicationError(_("Lịch tuần đang chờ duyệt; không sửa được."), code="week_submitted")
    elif user is not None:
        require_actor(actor, "collab.view")
        if scope == Scope.UNIT and (unit is None or user.unit_id != unit.pk):
            raise PermissionDenied
        if scope == Scope.PERSONAL and (owner is None or owner.pk != user.pk):
            raise PermissionDenied


def _in_week(week: CalendarWeek, starts_at: datetime) -> bool:
    start = _local_midnight(week.week_start)
    return start <= starts_at < start + timedelta(days=7)


def event_create(
    *, actor: Actor, scope: str, data: EventData, week: CalendarWeek | None = None, unit: Any = None
) -> CalendarEvent:
    """An event in the leaders' week (the office), the actor's unit calendar, or their own."""
    if scope not in Scope.values:
        raise ValidationError({"scope": [_("Lịch không hợp lệ.")]})
    owner = actor.user if scope == Scope.PERSONAL else None
    with transaction.atomic():
        if week is not None:
            week = _week_locked(week)
        _require_may_edit(actor, scope=scope, week=week, unit=unit, owner=owner)
        fields = data.clean()
        if scope == Scope.AGENCY and (week is None or not _in_week(week, fields["starts_at"])):
            raise ValidationError({"starts_at": [_("Sự kiện phải bắt đầu trong tuần của lịch.")]})
        event = CalendarEvent.objects.create(
            scope=scope,
            week=week if scope == Scope.AGENCY else None,
            unit=unit if scope == Scope.UNIT else None,
            owner=owner,
            created_by=actor.name,
            **fields,
        )
        _set_people_and_documents(event, data)
        audit_record(actor=actor, action="calendar.event_create", target=event, scope=scope)
        if _published(event):
            _notify_change(event, created=True)
    return event


def event_update(*, actor: Actor, event: CalendarEvent, data: EventData) -> CalendarEvent:
    """Change an event; after the week is published the host and participants are told (old ones too)."""
    with transaction.atomic():
        event = CalendarEvent.objects.select_for_update().get(pk=event.pk)
        week = _week_locked(event.week) if event.week is not None else None
        _require_may_edit(actor, scope=event.scope, week=week, unit=event.unit, owner=event.owner)
        if event.cancelled_at is not None:
            raise ApplicationError(_("Sự kiện đã hủy."), code="event_cancelled")
        fields = data.clean()
        if week is not None and not _in_week(week, fields["starts_at"]):
            raise ValidationError({"starts_at": [_("Sự kiện phải bắt đầu trong tuần của lịch.")]})
        before = set(_people_of(event))
        changed = sorted(name for name, value in fields.items() if getattr(event, name) != value)
        for name, value in fields.items():
            setattr(event, name, value)
        event.revision += 1
        event.save()
        _set_people_and_documents(event, data)
        audit_record(actor=actor, action="calendar.event_update", target=event, changed=changed)
        if _published(event):
            _notify_change(event, extra=before)
    return event


@transaction.atomic
def event_cancel(*, actor: Actor, event: CalendarEvent) -> CalendarEvent:
    event = CalendarEvent.objects.select_for_update().get(pk=event.pk)
    week = _week_locked(event.week) if event.week is not None else None
    _require_may_edit(actor, scope=event.scope, week=week, unit=event.unit, owner=event.owner)
    if event.cancelled_at is not None:
        return event
    event.cancelled_at = timezone.now()
    event.revision += 1
    event.save(update_fields=["cancelled_at", "revision", "updated_at"])
    audit_record(actor=actor, action="calendar.event_cancel", target=event)
    if _published(event):
        _notify_change(event, cancelled=True)
    return event


def _set_people_and_documents(event: CalendarEvent, data: EventData) -> None:
    wanted = {person.pk for person in data.participants}
    EventParticipant.objects.filter(event=event).exclude(user_id__in=wanted).delete()
    EventParticipant.objects.bulk_create(
        [EventParticipant(event=event, user_id=pk) for pk in sorted(wanted)], ignore_conflicts=True
    )
    event.documents.set(list(data.documents))


def _published(event: CalendarEvent) -> bool:
    return event.scope != Scope.AGENCY or (event.week is not None and event.week.status == Status.PUBLISHED)


def _people_of(event: CalendarEvent) -> list[Any]:
    people = {person.pk: person for person in event.participants.all()}
    if event.host is not None:
        people[event.host.pk] = event.host
    return list(people.values())


def _when(event: CalendarEvent) -> str:
    return f"{timezone.localtime(event.starts_at):%H:%M %d/%m/%Y}"


def _notify_change(
    event: CalendarEvent, *, extra: Iterable[Any] = (), created: bool = False, cancelled: bool = False
) -> None:
    if cancelled:
        message = _("Hủy lịch: %(title)s, %(when)s")
    elif created:
        message = _("Lịch mới: %(title)s, %(when)s")
    else:
        message = _("Lịch thay đổi: %(title)s, %(when)s")
    people = {person.pk: person for person in [*extra, *_people_of(event)]}
    link = f"/calendar/?week={monday_of(timezone.localtime(event.starts_at).date()).isoformat()}"
    _notify(
        people.values(),
        kind="calendar.changed",
        message=message % {"title": event.title, "when": _when(event)},
        link=link,
        dedupe=f"event:{event.uuid}:{event.revision}",
    )


def _approvers() -> list[Any]:
    from accounts.permissions import users_with

    return list(users_with("collab.approve_calendar"))


def _notify(people: Iterable[Any], *, kind: str, message: str, link: str, dedupe: str) -> None:
    from accounts.services.notifications import notification_send

    notification_send(users=people, kind=kind, message=message, link=link, dedupe=dedupe)


# --- the iCalendar feed -----------------------------------------------------------------------


def feed_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def feed_issue(*, actor: Actor) -> str:
    """A new secret address for the actor's calendar; the old one stops working. Returns the token
    (shown once: only its digest is kept)."""
    if actor.user is None:
        raise PermissionDenied
    require_actor(actor, "collab.view")
    token = secrets.token_urlsafe(32)
    try:
        with transaction.atomic():
            CalendarFeed.objects.select_for_update().filter(user=actor.user, revoked_at__isnull=True).update(
                revoked_at=timezone.now()
            )
            feed = CalendarFeed.objects.create(user=actor.user, token_digest=feed_digest(token))
            audit_record(actor=actor, action="calendar.feed_issue", target=feed)
    except IntegrityError as exc:  # two at once: one wins, the other asks again
        raise ApplicationError(
            _("Đang tạo địa chỉ khác; hãy thử lại."), code="feed_busy", status=409
        ) from exc
    return token


@transaction.atomic
def feed_revoke(*, actor: Actor) -> int:
    if actor.user is None:
        raise PermissionDenied
    ended = CalendarFeed.objects.filter(user=actor.user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if ended:
        audit_record(actor=actor, action="calendar.feed_revoke", target=actor.user)
    return ended


def may_see_week(user: Any, week: CalendarWeek) -> bool:
    return can(user, "collab.view", week)
