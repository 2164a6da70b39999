"""The workspace pages: documents, registration, the document page with its timeline, the head's
direction, my tasks. Thin: permission, form, one service call, redirect or the form again."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import User
from accounts.permissions import can, require
from core.audit import Actor
from core.errors import ApplicationError, form_add_validation_errors
from qlvbdh import selectors, services
from qlvbdh.forms import DirectionForm, IncomingForm, SubmitForm, TaskForm
from qlvbdh.models import Document


@login_required
def workspace_home(request: HttpRequest) -> HttpResponse:
    tasks = selectors.my_tasks(user=request.user)[:10] if can(request.user, "qlvbdh.process") else []
    return render(request, "qlvbdh/home.html", {"tasks": tasks})


@login_required
def document_list_view(request: HttpRequest) -> HttpResponse:
    require(request.user, "qlvbdh.view_documents")
    q, direction = request.GET.get("q", ""), request.GET.get("direction", "")
    documents = selectors.document_list(reader=request.user, direction=direction, q=q)
    page = Paginator(documents, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "qlvbdh/document_list.html",
        {
            "page": page,
            "q": q,
            "direction": direction,
            "can_register": can(request.user, "qlvbdh.register_incoming"),
        },
    )


@login_required
def incoming_create_view(request: HttpRequest) -> HttpResponse:
    require(request.user, "qlvbdh.register_incoming")
    form = IncomingForm(request.POST or None)
    duplicate = False
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        accept = data.pop("accept_duplicate")
        try:
            document = services.incoming_document_register(
                actor=Actor.from_request(request), data=services.IncomingData(**data), accept_duplicate=accept
            )
        except ValidationError as exc:
            form_add_validation_errors(form, exc)
        except ApplicationError as exc:
            duplicate = exc.code == "possible_duplicate"
            form.add_error(None, exc.message)
        else:
            messages.success(
                request, _("Đã vào sổ, số đến %(n)s.") % {"n": f"{document.register_number:02d}"}
            )
            return redirect("document-detail", key=str(document.uuid))
    return render(request, "qlvbdh/incoming_form.html", {"form": form, "duplicate": duplicate})


def _document_or_404(request: HttpRequest, key: str) -> Document:
    document = selectors.document_get(reader=request.user, key=key)
    if document is None:
        raise Http404
    return document


def _heads() -> Any:
    people = User.objects.filter(is_active=True, locked_at__isnull=True).order_by("folded_name")
    return people.filter(
        role_grants__role__in=["head", "deputy_head"], role_grants__revoked_at__isnull=True
    ).distinct()


@login_required
def document_detail_view(request: HttpRequest, key: str) -> HttpResponse:
    require(request.user, "qlvbdh.view_documents")
    document = _document_or_404(request, key)
    services.document_mark_read(actor=Actor.from_request(request), document=document)
    can_submit = can(request.user, "qlvbdh.register_incoming") and document.status in (
        "registered",
        "submitted",
    )
    return render(
        request,
        "qlvbdh/document_detail.html",
        {
            "document": document,
            "events": selectors.document_timeline(document=document),
            "assignments": document.assignments.select_related("assignee", "unit"),
            "submit_form": SubmitForm(heads=_heads()) if can_submit else None,
            "can_direct": can(request.user, "qlvbdh.direct")
            and document.status in ("registered", "submitted"),
        },
    )


@require_POST
@login_required
def document_submit_view(request: HttpRequest, key: str) -> HttpResponse:
    require(request.user, "qlvbdh.register_incoming")
    document = _document_or_404(request, key)
    form = SubmitForm(request.POST, heads=_heads())
    if form.is_valid():
        try:
            services.document_submit(
                actor=Actor.from_request(request), document=document, head=form.cleaned_data["head"]
            )
        except (ValidationError, ApplicationError) as exc:
            messages.error(request, getattr(exc, "message", None) or " ".join(getattr(exc, "messages", [])))
        else:
            messages.success(request, _("Đã trình văn bản."))
    return redirect("document-detail", key=str(document.uuid))


@login_required
def document_direct_view(request: HttpRequest, key: str) -> HttpResponse:
    require(request.user, "qlvbdh.direct")
    document = _document_or_404(request, key)
    form = DirectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        lead = services.AssignmentSpec(
            role="lead", assignee=data["lead_person"], unit=data["lead_unit"], deadline=data["deadline"]
        )
        specs = [lead]
        specs += [
            services.AssignmentSpec(role="cooperate", assignee=p, deadline=data["deadline"])
            for p in data["cooperate"]
        ]
        specs += [services.AssignmentSpec(role="inform", assignee=p) for p in data["inform"]]
        try:
            services.document_direct(
                actor=Actor.from_request(request), document=document, note=data["note"], assignments=specs
            )
        except ValidationError as exc:
            form_add_validation_errors(form, exc)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Đã giao xử lý."))
            return redirect("document-detail", key=str(document.uuid))
    return render(request, "qlvbdh/direction_form.html", {"form": form, "document": document})


@login_required
def my_tasks_view(request: HttpRequest) -> HttpResponse:
    require(request.user, "qlvbdh.process")
    return render(
        request, "qlvbdh/my_tasks.html", {"tasks": selectors.my_tasks(user=request.user), "form": TaskForm()}
    )


@require_POST
@login_required
def task_action_view(request: HttpRequest, key: str, action: str) -> HttpResponse:
    task = selectors.assignment_get(user=request.user, key=key)
    if task is None or action not in ("report", "close"):
        raise Http404
    form = TaskForm(request.POST)
    report = form.cleaned_data["report"] if form.is_valid() else ""
    service = services.assignment_close if action == "close" else services.assignment_report
    try:
        service(actor=Actor.from_request(request), assignment=task, report=report)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Đã cập nhật việc."))
    return redirect("my-tasks")
