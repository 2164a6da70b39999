"""The work calendar's pages: the week (the leaders', the unit's, one's own), its events, the
office's drafting and the head's approval, the printed week, and the person's feed address."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.permissions import can, require
from collab.forms import EventForm, document_keys
from collab.ical import calendar_ics
from collab.models import CalendarEvent, CalendarWeek
from collab.printing import week_pdf
from collab.selectors.calendar import (
    event_get,
    event_list,
    feed_events,
    feed_live,
    feed_owner,
    week_get,
    week_get_by_key,
)
from collab.selectors.people import active_people, active_units
from collab.services.calendar import (
    EventData,
    event_cancel,
    event_create,
    event_update,
    feed_issue,
    feed_revoke,
    monday_of,
    week_approve,
    week_ensure,
    week_return,
    week_submit,
)
from core.audit import actor_from
from core.errors import ApplicationError
from core.responses import form_call, message_call
from qlvbdh.selectors.documents import document_get


def _day(value: str | None) -> date:
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        return timezone.localdate()


def _event_form(request: HttpRequest, **kwargs: Any) -> EventForm:
    return EventForm(request.POST or None, people=active_people(), units=active_units(), **kwargs)


def _event_data(request: HttpRequest, form: EventForm) -> EventData:
    data = dict(form.cleaned_data)
    documents = []
    for key in document_keys(data.pop("documents", "")):
        document = document_get(reader=request.user, key=key)
        if document is None:
            raise ValidationError({"documents": [_("Không tìm thấy văn bản %(key)s.") % {"key": key[:40]}]})
        documents.append(document)
    return EventData(**data, documents=documents)


@login_required
def calendar_view(request: HttpRequest) -> HttpResponse:
    require(request.user, "collab.view")
    monday = monday_of(_day(request.GET.get("week")))
    week = week_get(reader=request.user, day=monday)
    events = list(event_list(reader=request.user, start=monday))
    agency = [e for e in events if e.scope == CalendarEvent.Scope.AGENCY]
    others = [e for e in events if e.scope != CalendarEvent.Scope.AGENCY]
    may_draft = can(request.user, "collab.draft_calendar")
    may_edit_week = may_draft and (week is None or week.status != CalendarWeek.Status.SUBMITTED)
    return render(
        request,
        "collab/calendar.html",
        {
            "monday": monday,
            "sunday": monday + timedelta(days=6),
            "previous_week": (monday - timedelta(days=7)).isoformat(),
            "next_week": (monday + timedelta(days=7)).isoformat(),
            "week": week,
            "agency_events": agency,
            "other_events": others,
            "may_draft": may_draft,
            "agency_form": _event_form(request, prefix="agency") if may_edit_week else None,
            "own_form": _event_form(request, prefix="own"),
            "may_submit": may_draft and week is not None and week.status == CalendarWeek.Status.DRAFT,
            "may_approve": can(request.user, "collab.approve_calendar")
            and week is not None
            and week.status == CalendarWeek.Status.SUBMITTED,
            "feed_live": feed_live(user=request.user),
            "has_unit": request.user.unit_id is not None,  # type: ignore[union-attr]
        },
    )


@login_required
@require_POST
def event_create_view(request: HttpRequest) -> HttpResponse:
    require(request.user, "collab.view")
    scope = request.POST.get("scope", "")
    monday = monday_of(_day(request.POST.get("week")))
    prefix = "agency" if scope == CalendarEvent.Scope.AGENCY else "own"
    form = _event_form(request, prefix=prefix)
    if form.is_valid():
        created = form_call(form, _create, request, form, scope=scope, monday=monday)
        if created.ok:
            messages.success(request, _("Đã thêm vào lịch."))
            return redirect(f"/calendar/?week={monday.isoformat()}")
    messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect(f"/calendar/?week={monday.isoformat()}")


@transaction.atomic  # the week is made with its first event, or not at all
def _create(request: HttpRequest, form: EventForm, *, scope: str, monday: date) -> CalendarEvent:
    actor = actor_from(request)
    week = week_ensure(actor=actor, day=monday) if scope == CalendarEvent.Scope.AGENCY else None
    unit = request.user.unit if scope == CalendarEvent.Scope.UNIT else None  # type: ignore[union-attr]
    return event_create(actor=actor, scope=scope, week=week, unit=unit, data=_event_data(request, form))


@login_required
def event_edit_view(request: HttpRequest, key: str) -> HttpResponse:
    require(request.user, "collab.view")
    event = event_get(reader=request.user, key=key)
    if event is None:
        raise Http404
    initial = {
        "title": event.title,
        "starts_at": timezone.localtime(event.starts_at),
        "ends_at": timezone.localtime(event.ends_at),
        "place": event.place,
        "host": event.host.uuid if event.host else None,
        "participants": [p.uuid for p in event.participants.all()],
        "other_participants": event.other_participants,
        "preparing_unit": event.preparing_unit.uuid if event.preparing_unit else None,
        "documents": " ".join(
            str(d.uuid) for d in event.documents.all() if document_get(reader=request.user, key=str(d.uuid))
        ),
    }
    form = _event_form(request, initial=initial)
    if request.method == "POST" and form.is_valid():
        updated = form_call(
            form,
            lambda: event_update(actor=actor_from(request), event=event, data=_event_data(request, form)),
        )
        if updated.ok:
            messages.success(request, _("Đã cập nhật lịch."))
            return redirect(
                f"/calendar/?week={monday_of(timezone.localtime(event.starts_at).date()).isoformat()}"
            )
    return render(request, "collab/event_form.html", {"form": form, "event": event})


@login_required
@require_POST
def event_cancel_view(request: HttpRequest, key: str) -> HttpResponse:
    require(request.user, "collab.view")
    event = event_get(reader=request.user, key=key)
    if event is None:
        raise Http404
    message_call(request, event_cancel, actor=actor_from(request), event=event, success=_("Đã hủy sự kiện."))
    return redirect(f"/calendar/?week={monday_of(timezone.localtime(event.starts_at).date()).isoformat()}")


@login_required
@require_POST
def week_action_view(request: HttpRequest, key: str, action: str) -> HttpResponse:
    require(request.user, "collab.view")
    week = week_get_by_key(reader=request.user, key=key)
    if week is None or action not in ("submit", "approve", "return"):
        raise Http404
    actor = actor_from(request)
    if action == "submit":
        message_call(request, week_submit, actor=actor, week=week, success=_("Đã trình lịch tuần."))
    elif action == "approve":
        message_call(
            request, week_approve, actor=actor, week=week, success=_("Đã duyệt và ban hành lịch tuần.")
        )
    else:
        message_call(
            request,
            week_return,
            actor=actor,
            week=week,
            note=request.POST.get("note", ""),
            success=_("Đã trả lại."),
        )
    return redirect(f"/calendar/?week={week.week_start.isoformat()}")


@login_required
@require_GET
def week_pdf_view(request: HttpRequest, key: str) -> HttpResponse:
    require(request.user, "collab.view")
    week = week_get_by_key(reader=request.user, key=key)
    if week is None:
        raise Http404
    events = list(event_list(reader=request.user, start=week.week_start, scope=CalendarEvent.Scope.AGENCY))
    tenant = getattr(request, "tenant", None)
    body = week_pdf(week=week, events=events, agency_name=str(getattr(tenant, "name", "")))
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="lich-tuan-{week.week_start:%Y-%m-%d}.pdf"'
    return response


@login_required
@require_POST
def feed_view(request: HttpRequest) -> HttpResponse:
    """Make a new secret feed address (the old one stops), or stop it."""
    require(request.user, "collab.view")
    if request.POST.get("action") == "revoke":
        message_call(request, feed_revoke, actor=actor_from(request), success=_("Đã thu hồi địa chỉ lịch."))
        return redirect("collab-calendar")
    try:
        token = feed_issue(actor=actor_from(request))
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("collab-calendar")
    url = request.build_absolute_uri(f"/calendar/feed/{token}.ics")
    return render(request, "collab/feed_issued.html", {"url": url})


@require_GET
def feed_ics_view(request: HttpRequest, token: str) -> HttpResponse:
    """The person's calendar for calendar apps; the token is the only key (no session)."""
    owner = feed_owner(token=token)
    if owner is None:
        raise Http404
    body = calendar_ics(
        name=f"{owner.get_full_name() or owner.get_username()} – {_('Lịch công tác')}",
        host=request.get_host(),
        events=feed_events(user=owner),
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response
