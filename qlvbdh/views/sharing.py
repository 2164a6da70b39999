"""The sharing panels of the document page and the dossier page (htmx: the panel is posted and
re-rendered in place; without JavaScript the form posts and the page comes back). Thin over
qlvbdh.services.sharing: an object the reader may not see is a 404, sharing without the right a 403."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from accounts.models import OrgUnit, User
from accounts.permissions import can
from core.audit import actor_from
from core.ids import is_uuid
from qlvbdh.forms import PersonChoiceField
from qlvbdh.selectors.documents import document_get_or_404
from qlvbdh.selectors.dossiers import dossier_documents, dossier_list
from qlvbdh.selectors.sharing import document_shares, dossier_shares, share_people, share_units
from qlvbdh.services.sharing import document_share, document_unshare, dossier_share, dossier_unshare


class ShareForm(forms.Form):
    user = PersonChoiceField(label=_("Người"), queryset=User.objects.none(), required=False)
    unit = forms.ModelChoiceField(
        label=_("Phòng, ban"), queryset=OrgUnit.objects.none(), required=False, to_field_name="uuid"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = share_people()  # type: ignore[attr-defined]
        self.fields["unit"].queryset = share_units()  # type: ignore[attr-defined]


def _removal(request: HttpRequest) -> dict[str, Any] | None:
    """The target of a "stop sharing" button, or None when the post is a share."""
    username, unit_key = request.POST.get("remove_user", ""), request.POST.get("remove_unit", "")
    if username:
        return {"user": User.objects.filter(username=username).first()}
    if unit_key:
        return {"unit": OrgUnit.objects.filter(uuid=unit_key).first() if is_uuid(unit_key) else None}
    return None


def _post(request: HttpRequest, share: Callable[..., Any], unshare: Callable[..., Any]) -> ShareForm:
    """Share or unshare as posted; the form comes back empty, or with the reason it was refused."""
    form = ShareForm(request.POST)
    removal = _removal(request)
    actor = actor_from(request)
    try:
        if removal is not None:
            if None in removal.values():
                raise Http404
            unshare(actor=actor, **removal)
            return ShareForm()
        if form.is_valid():
            share(actor=actor, user=form.cleaned_data["user"], unit=form.cleaned_data["unit"])
            return ShareForm()
    except ValidationError as exc:
        form.add_error(None, " ".join(exc.messages))
    return form


def share_panel(
    request: HttpRequest, obj: Model, shares: QuerySet[Any], url: str, form: ShareForm | None = None
) -> dict[str, Any]:
    """The panel's context, for the object's page and for the htmx answer."""
    return {
        "shares": shares,
        "share_form": (form or ShareForm()) if can(request.user, "qlvbdh.share", obj) else None,
        "share_url": url,
    }


def _answer(request: HttpRequest, context: dict[str, Any], back: str) -> HttpResponse:
    if request.method == "POST" and not getattr(request, "htmx", False):
        form = context["share_form"]
        for error in form.non_field_errors() if form is not None else []:
            messages.error(request, error)
        return redirect(back)
    return render(request, "qlvbdh/_shares.html", context)


@login_required
def document_shares_view(request: HttpRequest, key: str) -> HttpResponse:
    document = document_get_or_404(reader=request.user, key=key)
    form = None
    if request.method == "POST":
        form = _post(
            request,
            lambda **kw: document_share(document=document, **kw),
            lambda **kw: document_unshare(document=document, **kw),
        )
    url = f"/documents/{document.uuid}/shares/"
    context = share_panel(request, document, document_shares(document=document), url, form)
    return _answer(request, context, back=f"/documents/{document.uuid}/")


@login_required
def dossier_shares_view(request: HttpRequest, key: str) -> HttpResponse:
    dossier = dossier_list(reader=request.user).filter(uuid=key).first() if is_uuid(key) else None
    if dossier is None:
        raise Http404
    form = None
    if request.method == "POST":
        form = _post(
            request,
            lambda **kw: dossier_share(dossier=dossier, **kw),
            lambda **kw: dossier_unshare(dossier=dossier, **kw),
        )
    url = f"/dossiers/{dossier.uuid}/shares/"
    context = share_panel(request, dossier, dossier_shares(dossier=dossier), url, form)
    return _answer(request, context, back=f"/dossiers/{dossier.uuid}/")


@login_required
def dossier_detail_view(request: HttpRequest, key: str) -> HttpResponse:
    """A dossier with the documents in it that the reader may see, and who it is shared with."""
    dossier = (
        dossier_list(reader=request.user, with_counts=True).filter(uuid=key).first() if is_uuid(key) else None
    )
    if dossier is None:
        raise Http404
    url = f"/dossiers/{dossier.uuid}/shares/"
    return render(
        request,
        "qlvbdh/dossier_detail.html",
        {
            "dossier": dossier,
            "documents": dossier_documents(dossier, reader=request.user),
            **share_panel(request, dossier, dossier_shares(dossier=dossier), url),
        },
    )
