"""Reads of resources and bookings."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.db.models import QuerySet
from django.utils import timezone

from accounts.permissions import permitted
from collab.models import Booking, Resource
from collab.permissions import bookings_decidable_by
from core.ids import is_uuid


def resource_list(*, reader: Any) -> QuerySet[Resource]:
    return permitted(reader, "qlvbdh.book_resources", Resource).select_related("manager")


def resource_get(*, reader: Any, key: str) -> Resource | None:
    if not is_uuid(key):
        return None
    return resource_list(reader=reader).filter(uuid=key).first()


def week_range(day: date) -> tuple[datetime, datetime]:
    monday = day - timedelta(days=day.weekday())
    start = datetime.combine(monday, time.min, tzinfo=timezone.get_current_timezone())
    return start, start + timedelta(days=7)


def booking_list(
    *, reader: Any, start: datetime, end: datetime, resource: Resource | None = None
) -> QuerySet[Booking]:
    """Bookings that hold (or asked for) a resource within [start, end): the calendar view."""
    bookings = (
        permitted(reader, "collab.view", Booking)
        .filter(status__in=Booking.HOLDING, during__overlap=DateTimeTZRange(start, end))
        .select_related("resource", "booked_by")
    )
    if resource is not None:
        bookings = bookings.filter(resource=resource)
    return bookings.order_by("during", "id")


def booking_mine(*, reader: Any) -> QuerySet[Booking]:
    return Booking.objects.filter(booked_by_id=reader.pk).select_related("resource").order_by("-during")


def booking_waiting_decision(*, reader: Any) -> QuerySet[Booking]:
    return (
        bookings_decidable_by(reader)
        .filter(status=Booking.Status.PENDING)
        .select_related("resource", "booked_by")
        .order_by("during")
    )


def booking_get(*, reader: Any, key: str) -> Booking | None:
    if not is_uuid(key):
        return None
    return (
        permitted(reader, "collab.view", Booking)
        .select_related("resource", "booked_by")
        .filter(uuid=key)
        .first()
    )
