"""Reads of the work calendar: a week and its events as the reader may see them, the person's own
events for their feed."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from accounts.models import User
from accounts.permissions import permitted
from collab.models import CalendarEvent, CalendarFeed, CalendarWeek
from collab.permissions import events_of_person
from collab.services.calendar import feed_digest, monday_of
from core.ids import is_uuid
from qlvbdh.permissions import documents_visible_to


def _local(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def week_get(*, reader: Any, day: date) -> CalendarWeek | None:
    return permitted(reader, "collab.view", CalendarWeek).filter(week_start=monday_of(day)).first()


def week_get_by_key(*, reader: Any, key: str) -> CalendarWeek | None:
    if not is_uuid(key):
        return None
    return permitted(reader, "collab.view", CalendarWeek).filter(uuid=key).first()


def event_list(*, reader: Any, start: date, days: int = 7, scope: str = "") -> QuerySet[CalendarEvent]:
    """Events the reader may see that overlap [start, start + days), with their people and the
    linked documents the reader may see (never the others)."""
    events = (
        permitted(reader, "collab.view", CalendarEvent)
        .filter(starts_at__lt=_local(start + timedelta(days=days)), ends_at__gt=_local(start))
        .select_related("host", "preparing_unit", "unit", "week")
        .prefetch_related(
            "participants",
            Prefetch(
                "documents",
                queryset=documents_visible_to(reader).only("uuid", "number", "notation", "summary"),
            ),
        )
    )
    if scope:
        events = events.filter(scope=scope)
    return events.order_by("starts_at", "id")


def event_get(*, reader: Any, key: str) -> CalendarEvent | None:
    if not is_uuid(key):
        return None
    return (
        permitted(reader, "collab.view", CalendarEvent)
        .select_related("week", "unit", "owner")
        .filter(uuid=key)
        .first()
    )


def feed_owner(*, token: str) -> User | None:
    """The person whose live feed this token opens; None when revoked, unknown, or the account
    can no longer sign in."""
    if not token or len(token) > 100:
        return None
    feed = (
        CalendarFeed.objects.filter(token_digest=feed_digest(token), revoked_at__isnull=True)
        .select_related("user")
        .first()
    )
    if feed is None:
        return None
    user = feed.user
    if not user.is_active or user.locked_at is not None or user.deactivated_at is not None:
        return None
    return user


def feed_events(*, user: Any, since: date | None = None) -> QuerySet[CalendarEvent]:
    since = since or timezone.localdate() - timedelta(days=90)
    return (
        CalendarEvent.objects.filter(events_of_person(user), ends_at__gt=_local(since))
        .select_related("host")
        .order_by("starts_at", "id")
    )


def feed_live(*, user: Any) -> bool:
    return CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).exists()
