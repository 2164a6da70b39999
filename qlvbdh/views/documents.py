"""The document list, the document page with its timeline and what may be done next, its steps."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import can, require
from core.audit import actor_from
from core.ids import is_uuid
from core.paging import CappedPaginator
from core.responses import message_call
from qlvbdh import events
from qlvbdh.forms import (
    AttachmentForm,
    IssueForm,
    SubmitForm,
)
from qlvbdh.models import Document
from qlvbdh.selectors.attachments import attachment_list
from qlvbdh.selectors.documents import document_get_or_404, document_list, document_timeline
from qlvbdh.selectors.dossiers import dossier_list
from qlvbdh.selectors.people import heads_list
from qlvbdh.selectors.sharing import document_shares
from qlvbdh.services.attachments import attachment_add, attachment_can_add
from qlvbdh.services.documents import document_mark_read, document_revoke
from qlvbdh.services.dossiers import dossier_add_document
from qlvbdh.services.outgoing import (
    outgoing_approve,
    outgoing_issue,
    outgoing_sign,
)
from qlvbdh.signatures import signatures_shown
from qlvbdh.views.sharing import share_panel

PAGE_SIZE = 50


@login_required
def document_list_view(request: HttpRequest) -> HttpResponse:
    require(request.user, "qlvbdh.view_documents")
    q, direction = request.GET.get("q", ""), request.GET.get("direction", "")
    status = request.GET.get("status", "")  # the home page's figures link here by status
    if direction not in Document.Direction.values:
        direction = ""
    if status not in Document.Status.values:
        status = ""
    documents = document_list(reader=request.user, direction=direction, q=q, status=status)
    page = CappedPaginator(documents, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "qlvbdh/document_list.html",
        {
            "page": page,
            "q": q,
            "q_encoded": quote(q),
            "direction": direction,
            "status": status,
            "can_register": can(request.user, "qlvbdh.register_incoming"),
            "can_draft": can(request.user, "qlvbdh.draft"),
        },
    )


@login_required
def document_detail_view(request: HttpRequest, key: str) -> HttpResponse:
    require(request.user, "qlvbdh.view_documents")
    document = document_get_or_404(reader=request.user, key=key)
    document_mark_read(actor=actor_from(request), document=document)
    can_submit = can(request.user, "qlvbdh.register_incoming") and document.status in (
        "registered",
        "submitted",
    )
    return render(
        request,
        "qlvbdh/document_detail.html",
        {
            "document": document,
            "events": document_timeline(reader=request.user, document=document),
            "assignments": document.assignments.select_related("assignee", "unit"),
            "submit_form": SubmitForm(heads=heads_list()) if can_submit else None,
            "can_direct": can(request.user, "qlvbdh.direct")
            and document.status in ("registered", "submitted"),
            "panels": events.document_panels(reader=request.user, document=document),
            **share_panel(
                request, document, document_shares(document=document), f"/documents/{document.uuid}/shares/"
            ),
            **_document_actions(request, document),
        },
    )


def _document_actions(request: HttpRequest, document: Document) -> dict[str, Any]:
    """What the reader may do next on this page, by role and state."""
    user = request.user
    issued_here = document.direction in ("outgoing", "internal")
    may_revoke = (issued_here and document.status == "issued" and can(user, "qlvbdh.sign")) or (
        document.direction == "incoming"
        and document.status != "revoked"
        and can(user, "qlvbdh.register_incoming")
    )
    return {
        "can_approve": can(user, "qlvbdh.direct") and document.status == "draft",
        "can_sign": can(user, "qlvbdh.sign") and document.status == "approved",
        "issue_form": IssueForm()
        if can(user, "qlvbdh.issue_outgoing") and document.status == "signed"
        else None,
        "can_revoke": may_revoke,
        "attachments": [
            (attachment, signatures_shown(attachment.signatures))
            for attachment in attachment_list(reader=user, document=document)
        ],
        "attachment_form": AttachmentForm() if attachment_can_add(user, document) else None,
        "dossiers": dossier_list(reader=user).filter(closed_on__isnull=True)
        if can(user, "qlvbdh.process")
        else [],
    }


def _approve(request: HttpRequest, document: Document) -> None:
    outgoing_approve(actor=actor_from(request), document=document)


def _sign(request: HttpRequest, document: Document) -> None:
    outgoing_sign(actor=actor_from(request), document=document)


def _revoke(request: HttpRequest, document: Document) -> None:
    document_revoke(actor=actor_from(request), document=document, reason=request.POST.get("reason", ""))


def _issue(request: HttpRequest, document: Document) -> None:
    form = IssueForm(request.POST)
    if not form.is_valid():
        raise ValidationError(_("Nơi nhận chưa hợp lệ."))
    outgoing_issue(actor=actor_from(request), document=document, recipients=form.recipients())


def _attach(request: HttpRequest, document: Document) -> None:
    upload = request.FILES.get("file")
    if upload is None:
        raise ValidationError(_("Chưa chọn tệp."))
    attachment_add(actor=actor_from(request), document=document, upload=upload)


def _file(request: HttpRequest, document: Document) -> None:
    chosen = request.POST.get("dossier", "")
    dossier = dossier_list(reader=request.user).filter(uuid=chosen).first() if is_uuid(chosen) else None
    if dossier is None:
        raise ValidationError(_("Chưa chọn hồ sơ."))
    dossier_add_document(actor=actor_from(request), dossier=dossier, document=document)


_STEPS: dict[str, Callable[[HttpRequest, Document], None]] = {
    "approve": _approve,
    "sign": _sign,
    "revoke": _revoke,
    "issue": _issue,
    "attach": _attach,
    "file": _file,  # into a dossier
}


@require_POST
@login_required
def document_step_view(request: HttpRequest, key: str, step: str) -> HttpResponse:
    """One step from the document page (see _STEPS); the outcome comes back as a message."""
    document = document_get_or_404(reader=request.user, key=key)
    if step not in _STEPS:
        raise Http404
    status_before = document.status
    message_call(request, _STEPS[step], request, document, success=_("Đã cập nhật văn bản."))
    document.refresh_from_db(fields=["status"])
    if step == "attach" and document.status != status_before:
        messages.warning(
            request, _("Tệp đã thay đổi sau khi duyệt: văn bản trở về dự thảo, cần duyệt và ký lại.")
        )
    return redirect("document-detail", key=str(document.uuid))
