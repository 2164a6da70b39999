"""Resources, bookings and calendar rows for tests, as collab's services store them.

room = ResourceFactory.create(tenant=tenant, manager=clerk)
week = CalendarWeekFactory.create(tenant=tenant, status="published")
event = CalendarEventFactory.create(tenant=tenant, week=week, host=head)
"""

from __future__ import annotations

import datetime
from typing import Any

import factory
from django.utils import timezone

from accounts.tests.factories import UserFactory
from collab.models import CalendarEvent, CalendarWeek, Resource
from core.tests.factories import InTenantFactory
from core.text import fold


def monday_of(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=timezone.get_current_timezone())


class ResourceFactory(InTenantFactory[Resource]):
    class Meta:
        model = Resource

    name = factory.Sequence(lambda n: f"Phòng họp số {n}")
    folded_name = factory.LazyAttribute(lambda o: fold(o.name))
    kind = Resource.Kind.ROOM
    manager = factory.SubFactory(UserFactory)
    needs_approval = True


class CalendarWeekFactory(InTenantFactory[CalendarWeek]):
    class Meta:
        model = CalendarWeek
        django_get_or_create = ("week_start",)

    week_start = factory.LazyFunction(lambda: monday_of(timezone.localdate()))
    status = CalendarWeek.Status.DRAFT
    drafted_by = "vanthu"


class CalendarEventFactory(InTenantFactory[CalendarEvent]):
    class Meta:
        model = CalendarEvent

    scope = CalendarEvent.Scope.AGENCY
    week = factory.SubFactory(CalendarWeekFactory)
    title = factory.Sequence(lambda n: f"Họp giao ban số {n}")
    starts_at = factory.LazyAttribute(lambda o: at(o.week.week_start if o.week else timezone.localdate(), 8))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + datetime.timedelta(hours=2))
    place = "Phòng họp tầng 2"
    created_by = "vanthu"

    @factory.post_generation
    def participants(obj: CalendarEvent, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            obj.participants.add(*extracted)
