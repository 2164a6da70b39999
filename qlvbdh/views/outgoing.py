"""Drafting an outgoing document."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.permissions import require
from core.audit import actor_from
from core.responses import form_call
from qlvbdh.forms import (
    OutgoingForm,
)
from qlvbdh.services.outgoing import (
    OutgoingData,
    outgoing_draft_create,
)


@login_required
def outgoing_create_view(request: HttpRequest) -> HttpResponse:
    require(request.user, "qlvbdh.draft")
    form = OutgoingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        outcome = form_call(
            form, outgoing_draft_create, actor=actor_from(request), data=OutgoingData(**form.cleaned_data)
        )
        if (document := outcome.value) is not None:
            messages.success(request, _("Đã lưu dự thảo."))
            return redirect("document-detail", key=str(document.uuid))
    return render(request, "qlvbdh/outgoing_form.html", {"form": form})
