"""The dossier catalogue."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import can, require
from core.audit import actor_from
from core.responses import form_call
from qlvbdh.forms import (
    DossierForm,
)
from qlvbdh.selectors.dossiers import dossier_list
from qlvbdh.services.dossiers import dossier_create


@login_required
def dossier_list_view(request: HttpRequest) -> HttpResponse:
    require(request.user, "qlvbdh.view_documents")
    form = DossierForm(request.POST or None)
    if request.method == "POST":
        require(request.user, "qlvbdh.process")
        if form.is_valid():
            created = form_call(
                form,
                dossier_create,
                actor=actor_from(request),
                owner=request.user,
                year=timezone.localdate().year,
                **form.cleaned_data,
            )
            if created.ok:
                messages.success(request, _("Đã tạo hồ sơ."))
                return redirect("dossier-list")
    found = dossier_list(reader=request.user, with_counts=True)
    return render(
        request,
        "qlvbdh/dossier_list.html",
        {"dossiers": found, "form": form, "can_create": can(request.user, "qlvbdh.process")},
    )
