"""The calendar and booking figures the province's nightly rollup counts (core.figures provider)."""

from __future__ import annotations

import datetime
from io import StringIO
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.utils import timezone
from psycopg.types.range import Range

from accounts.tests.factories import UserFactory
from collab.models import Booking
from collab.tests.factories import CalendarEventFactory, ResourceFactory, at
from core.tenancy import in_tenant

pytestmark = pytest.mark.django_db


def test_events_and_bookings_of_a_day_are_rolled_up_per_tenant(tenant: Any, other_tenant: Any) -> None:
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    person = UserFactory.create(tenant=tenant)
    CalendarEventFactory.create(
        tenant=tenant,
        week=None,
        scope="personal",
        owner=person,
        starts_at=at(yesterday, 8),
        ends_at=at(yesterday, 10),
    )
    CalendarEventFactory.create(
        tenant=tenant,
        week=None,
        scope="personal",
        owner=person,
        starts_at=at(yesterday, 14),
        ends_at=at(yesterday, 15),
    )
    CalendarEventFactory.create(
        tenant=tenant,
        week=None,
        scope="personal",
        owner=person,
        starts_at=at(yesterday, 23, 59) + datetime.timedelta(minutes=2),
    )
    with in_tenant(tenant):
        room = ResourceFactory.create()
        booking = Booking.objects.create(
            resource=room,
            during=Range(at(yesterday, 9), at(yesterday, 11)),
            title="Họp",
            booked_by=person,
            status=Booking.Status.APPROVED,
        )
        Booking.objects.filter(pk=booking.pk).update(created_at=at(yesterday, 7))

    call_command(
        "oversight",
        "rollup",
        "--date",
        yesterday.isoformat(),
        "--since",
        yesterday.isoformat(),
        stdout=StringIO(),
    )

    figure = apps.get_model("oversight", "UsageFigure")  # collab imports no oversight module
    mine = dict(figure.objects.filter(tenant_uuid=tenant.uuid, day=yesterday).values_list("figure", "value"))
    assert (mine["calendar_events"], mine["bookings"]) == (2, 1)  # the third starts today
    theirs = dict(
        figure.objects.filter(tenant_uuid=other_tenant.uuid, day=yesterday).values_list("figure", "value")
    )
    assert (theirs["calendar_events"], theirs["bookings"]) == (0, 0)
