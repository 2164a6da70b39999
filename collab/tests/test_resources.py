"""Resources and bookings: no double booking under concurrency (the exclusion constraint), the
manager's approval, cancellation, and conflicts as a message, never a 500."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import timezone

from accounts.tests.factories import UserFactory
from collab.models import Booking
from collab.services.resources import booking_cancel, booking_create, booking_decide
from collab.tests.factories import ResourceFactory, at
from core.audit import Actor
from core.errors import ApplicationError
from core.models import AuditEntry
from core.tenancy import in_tenant

pytestmark = pytest.mark.django_db


def _slot(days: int = 1, hour: int = 9, hours: int = 2) -> tuple[Any, Any]:
    day = timezone.localdate() + timedelta(days=days)
    return at(day, hour), at(day, hour + hours)


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_bookings_of_one_room_and_slot_give_exactly_one(tenant: Any) -> None:
    with in_tenant(tenant):
        manager = UserFactory.create(roles=["clerk"])
        room = ResourceFactory.create(manager=manager, needs_approval=False)
        people = [UserFactory.create(roles=["official"]) for _ in range(20)]
    start, end = _slot()
    barrier, outcomes, lock = threading.Barrier(20), [], threading.Lock()

    def book(person: Any, index: int) -> None:
        try:
            barrier.wait(timeout=20)
            with in_tenant(tenant):
                # overlapping, not identical ranges: the constraint is about overlap
                booking_create(
                    actor=Actor(user=person),
                    resource=room,
                    title=f"Họp {index}",
                    starts_at=start + timedelta(minutes=index),
                    ends_at=end,
                )
            result = "booked"
        except ApplicationError as exc:
            result = exc.code
        except Exception as exc:
            result = repr(exc)
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=book, args=(person, i)) for i, person in enumerate(people)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes) == ["booked"] + ["booking_conflict"] * 19
    with in_tenant(tenant):
        assert Booking.objects.filter(resource=room).count() == 1
        assert AuditEntry.objects.filter(action="booking.create").count() == 1


def test_booking_waits_for_the_manager_who_approves_it(tenant: Any, clerk: Any, official: Any) -> None:
    start, end = _slot()
    with in_tenant(tenant):
        room = ResourceFactory.create(manager=clerk)
        booking = booking_create(
            actor=Actor(user=official), resource=room, title="Họp tổ", starts_at=start, ends_at=end
        )
        assert booking.status == "pending"
        # a pending booking holds its slot too
        other = UserFactory.create(roles=["official"])
        with pytest.raises(ApplicationError) as refused:
            booking_create(actor=Actor(user=other), resource=room, title="Khác", starts_at=start, ends_at=end)
        assert "Phòng họp" in refused.value.message
        assert "đã được đặt" in refused.value.message
        # only the manager decides
        with pytest.raises(PermissionDenied):
            booking_decide(actor=Actor(user=official), booking=booking, approve=True)
        decided = booking_decide(actor=Actor(user=clerk), booking=booking, approve=True)
        assert decided.status == "approved"
        assert (
            booking_decide(actor=Actor(user=clerk), booking=booking, approve=True).status == "approved"
        )  # a retry
        assert AuditEntry.objects.filter(action="booking.approve").count() == 1


def test_cancelling_frees_the_slot_and_only_the_booker_or_manager_may(
    tenant: Any, clerk: Any, official: Any, colleague: Any
) -> None:

    start, end = _slot(hour=14)
    with in_tenant(tenant):
        room = ResourceFactory.create(manager=clerk, needs_approval=False)
        booking = booking_create(
            actor=Actor(user=official), resource=room, title="Họp", starts_at=start, ends_at=end
        )
        with pytest.raises(PermissionDenied):
            booking_cancel(actor=Actor(user=colleague), booking=booking)
        booking_cancel(actor=Actor(user=official), booking=booking, reason="Hoãn họp")
        again = booking_create(
            actor=Actor(user=colleague), resource=room, title="Họp khác", starts_at=start, ends_at=end
        )
        assert again.status == "approved"


def test_rejection_needs_a_reason_and_frees_the_slot(
    tenant: Any, clerk: Any, official: Any, colleague: Any
) -> None:
    from django.core.exceptions import ValidationError

    start, end = _slot(hour=8)
    with in_tenant(tenant):
        room = ResourceFactory.create(manager=clerk)
        booking = booking_create(
            actor=Actor(user=official), resource=room, title="Họp", starts_at=start, ends_at=end
        )
        with pytest.raises(ValidationError):
            booking_decide(actor=Actor(user=clerk), booking=booking, approve=False)
        booking_decide(actor=Actor(user=clerk), booking=booking, approve=False, reason="Phòng sửa chữa")
        assert booking_create(
            actor=Actor(user=colleague), resource=room, title="B", starts_at=start, ends_at=end
        )


def test_back_to_back_bookings_do_not_conflict_and_a_retry_books_nothing_more(
    tenant: Any, clerk: Any, official: Any
) -> None:
    start, end = _slot(hour=8)
    with in_tenant(tenant):
        room = ResourceFactory.create(manager=clerk, needs_approval=False)
        first = booking_create(
            actor=Actor(user=official), resource=room, title="A", starts_at=start, ends_at=end
        )
        assert (
            booking_create(actor=Actor(user=official), resource=room, title="A", starts_at=start, ends_at=end)
            == first
        )
        booking_create(
            actor=Actor(user=official),
            resource=room,
            title="B",
            starts_at=end,
            ends_at=end + timedelta(hours=1),
        )
        assert Booking.objects.count() == 2


def test_conflict_on_the_page_is_a_form_error_and_bad_input_is_not_a_500(
    tenant: Any, clerk: Any, official: Any, colleague: Any, signed_in: Any, client: Any
) -> None:
    start, end = _slot(hour=10)
    with in_tenant(tenant):
        room = ResourceFactory.create(name="Phòng họp lớn", manager=clerk, needs_approval=False)
        booking_create(
            actor=Actor(user=official), resource=room, title="Giao ban", starts_at=start, ends_at=end
        )
    browser = signed_in(client, colleague)
    form = {
        "resource": str(room.uuid),
        "title": "Họp chi bộ",
        "starts_at": timezone.localtime(start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": timezone.localtime(end + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
    }
    page = browser.post("/resources/", form)
    assert page.status_code == 200
    assert "Phòng họp lớn đã được đặt từ" in page.content.decode()
    for bad in (
        {**form, "ends_at": form["starts_at"]},
        {**form, "starts_at": "hôm qua"},
        {**form, "resource": "x"},
    ):
        assert browser.post("/resources/", bad).status_code == 200
    api = browser.post(
        "/api/v1/bookings/",
        {
            "resource": str(room.uuid),
            "title": "Họp",
            "starts_at": start.isoformat(),
            "ends_at": end.isoformat(),
        },
        content_type="application/json",
    )
    assert api.status_code == 409
    assert "đã được đặt" in api.json()["detail"]
    with in_tenant(tenant):
        assert Booking.objects.count() == 1


def test_another_agency_cannot_see_or_book_our_rooms(
    tenant: Any, other_tenant: Any, clerk: Any, signed_in: Any, client: Any
) -> None:
    with in_tenant(tenant):
        room = ResourceFactory.create(manager=clerk)
    with in_tenant(other_tenant):
        stranger = UserFactory.create(roles=["official"])
    browser = signed_in(client, stranger)
    assert browser.get("/api/v1/resources/").json() == []
    start, end = _slot()
    answer = browser.post(
        "/api/v1/bookings/",
        {
            "resource": str(room.uuid),
            "title": "X",
            "starts_at": start.isoformat(),
            "ends_at": end.isoformat(),
        },
        content_type="application/json",
    )
    assert answer.status_code == 404
