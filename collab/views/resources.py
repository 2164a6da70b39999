"""Resources: the week's bookings per resource, booking, the manager's decisions, cancelling."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import can, require
from collab.forms import BookingForm, ResourceForm
from collab.selectors.people import active_people
from collab.selectors.resources import (
    booking_get,
    booking_list,
    booking_mine,
    booking_waiting_decision,
    resource_list,
    week_range,
)
from collab.services.resources import booking_cancel, booking_create, booking_decide, resource_create
from core.audit import actor_from
from core.responses import form_call, message_call


def _day(value: str | None) -> date:
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        return timezone.localdate()


@login_required
def resource_home_view(request: HttpRequest) -> HttpResponse:
    require(request.user, "qlvbdh.book_resources")
    resources = resource_list(reader=request.user)
    form = BookingForm(request.POST or None, resources=resources)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        booked = form_call(
            form,
            booking_create,
            actor=actor_from(request),
            resource=data["resource"],
            title=data["title"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
        )
        if booked.ok and booked.value is not None:
            messages.success(
                request,
                _("Đã đặt.")
                if booked.value.status == "approved"
                else _("Đã gửi yêu cầu, chờ người quản lý duyệt."),
            )
            return redirect(f"/resources/?week={booked.value.during.lower.date().isoformat()}")
    day = _day(request.GET.get("week"))
    start, end = week_range(day)
    bookings = list(booking_list(reader=request.user, start=start, end=end))
    days = [(start + timedelta(days=i)).date() for i in range(7)]
    rows = [
        {
            "resource": resource,
            "days": [
                [
                    b
                    for b in bookings
                    if b.resource_id == resource.pk
                    and timezone.localtime(b.during.lower).date()
                    <= d
                    <= timezone.localtime(b.during.upper).date()
                ]
                for d in days
            ],
        }
        for resource in resources
    ]
    return render(
        request,
        "collab/resources.html",
        {
            "form": form,
            "rows": rows,
            "days": days,
            "previous_week": (start - timedelta(days=7)).date().isoformat(),
            "next_week": (start + timedelta(days=7)).date().isoformat(),
            "mine": booking_mine(reader=request.user)[:20],
            "waiting": booking_waiting_decision(reader=request.user),
            "resource_form": ResourceForm(people=active_people())
            if can(request.user, "collab.manage_resources")
            else None,
        },
    )


@login_required
@require_POST
def resource_create_view(request: HttpRequest) -> HttpResponse:
    require(request.user, "collab.manage_resources")
    form = ResourceForm(request.POST, people=active_people())
    if form.is_valid():
        message_call(
            request, resource_create, actor=actor_from(request), success=_("Đã thêm."), **form.cleaned_data
        )
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("collab-resources")


@login_required
@require_POST
def booking_action_view(request: HttpRequest, key: str, action: str) -> HttpResponse:
    require(request.user, "qlvbdh.book_resources")
    booking = booking_get(reader=request.user, key=key)
    if booking is None or action not in ("approve", "reject", "cancel"):
        raise Http404
    actor, reason = actor_from(request), request.POST.get("reason", "")
    if action == "cancel":
        message_call(
            request, booking_cancel, actor=actor, booking=booking, reason=reason, success=_("Đã hủy.")
        )
    else:
        message_call(
            request,
            booking_decide,
            actor=actor,
            booking=booking,
            approve=action == "approve",
            reason=reason,
            success=_("Đã duyệt.") if action == "approve" else _("Đã từ chối."),
        )
    return redirect("collab-resources")
