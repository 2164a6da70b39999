"""The year's registers."""

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
    RegisterForm,
)
from qlvbdh.selectors.registers import register_list
from qlvbdh.services.registers import register_create


@login_required
def register_list_view(request: HttpRequest) -> HttpResponse:
    require(request.user, "qlvbdh.view_documents")
    year = timezone.localdate().year
    form = RegisterForm(request.POST or None)
    if request.method == "POST":
        require(request.user, "qlvbdh.manage_registers")
        created = form.is_valid() and form_call(
            form, register_create, actor=actor_from(request), year=year, **form.cleaned_data
        )
        if created and created.ok:
            messages.success(request, _("Đã tạo sổ."))
            return redirect("register-list")
    return render(
        request,
        "qlvbdh/register_list.html",
        {
            "registers": register_list(reader=request.user, year=year),
            "form": form,
            "today": timezone.localdate(),
            "can_manage": can(request.user, "qlvbdh.manage_registers"),
        },
    )
