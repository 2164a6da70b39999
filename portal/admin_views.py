"""The back office's own page beside Wagtail's: the board head's takedown with a reason (P4)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.models import Page

from accounts.permissions import can
from core.audit import actor_from
from core.errors import form_add_validation_errors
from portal.services.workflow import TakedownReason, page_take_down


class TakeDownForm(forms.Form):
    reason = forms.ChoiceField(label=gettext_lazy("Lý do gỡ bài"), choices=TakedownReason.choices)
    note = forms.CharField(
        label=gettext_lazy("Ghi chú"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


def take_down_view(request: HttpRequest, page_id: int) -> HttpResponse:
    if not can(request.user, "portal.take_down"):
        raise PermissionDenied
    page = get_object_or_404(Page, pk=page_id, live=True)
    form = TakeDownForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            page_take_down(
                actor=actor_from(request),
                page=page,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            form_add_validation_errors(form, exc)
        else:
            messages.success(request, _("Đã gỡ bài “%(title)s”.") % {"title": page.title})
            return redirect("wagtailadmin_explore", page.get_parent().pk)
    return TemplateResponse(request, "portal/admin/take_down.html", {"page": page, "form": form})
