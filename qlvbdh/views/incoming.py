"""Registering an incoming document, submitting it to the head, the head's direction."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import require
from core.audit import actor_from
from core.responses import form_call, message_call
from qlvbdh.forms import (
    DirectionForm,
    IncomingForm,
    SubmitForm,
)
from qlvbdh.selectors.documents import document_get_or_404
from qlvbdh.selectors.people import heads_list
from qlvbdh.services.documents import document_mark_read
from qlvbdh.services.incoming import IncomingData, incoming_document_register
from qlvbdh.services.processing import (
    AssignmentSpec,
    document_direct,
    document_submit,
)


@login_required
def incoming_create_view(request: HttpRequest) -> HttpResponse:
    require(request.user, "qlvbdh.register_incoming")
    form = IncomingForm(request.POST or None)
    duplicate = False
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        accept = data.pop("accept_duplicate")
        outcome = form_call(
            form,
            incoming_document_register,
            actor=actor_from(request),
            data=IncomingData(**data),
            accept_duplicate=accept,
        )
        duplicate = outcome.refused == "possible_duplicate"
        if (document := outcome.value) is not None:
            messages.success(
                request, _("Đã vào sổ, số đến %(n)s.") % {"n": f"{document.register_number:02d}"}
            )
            return redirect("document-detail", key=str(document.uuid))
    return render(request, "qlvbdh/incoming_form.html", {"form": form, "duplicate": duplicate})


@require_POST
@login_required
def document_submit_view(request: HttpRequest, key: str) -> HttpResponse:
    require(request.user, "qlvbdh.register_incoming")
    document = document_get_or_404(reader=request.user, key=key)
    form = SubmitForm(request.POST, heads=heads_list())
    if form.is_valid():
        message_call(
            request,
            document_submit,
            success=_("Đã trình văn bản."),
            actor=actor_from(request),
            document=document,
            head=form.cleaned_data["head"],
        )
    return redirect("document-detail", key=str(document.uuid))


@login_required
def document_direct_view(request: HttpRequest, key: str) -> HttpResponse:
    require(request.user, "qlvbdh.direct")
    document = document_get_or_404(reader=request.user, key=key)
    if request.method == "GET":
        document_mark_read(actor=actor_from(request), document=document)
    form = DirectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        lead = AssignmentSpec(
            role="lead", assignee=data["lead_person"], unit=data["lead_unit"], deadline=data["deadline"]
        )
        specs = [lead]
        specs += [
            AssignmentSpec(role="cooperate", assignee=p, deadline=data["deadline"]) for p in data["cooperate"]
        ]
        specs += [AssignmentSpec(role="inform", assignee=p) for p in data["inform"]]
        outcome = form_call(
            form,
            document_direct,
            actor=actor_from(request),
            document=document,
            note=data["note"],
            assignments=specs,
        )
        if outcome.ok:
            messages.success(request, _("Đã giao xử lý."))
            return redirect("document-detail", key=str(document.uuid))
    return render(request, "qlvbdh/direction_form.html", {"form": form, "document": document})
