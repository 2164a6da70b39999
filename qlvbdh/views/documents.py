"""The document list, the document page with its timeline and what may be done next, its steps."""

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

from accounts.permissions import can, require
from core.audit import actor_from
from core.errors import ApplicationError, form_add_validation_errors
from core.ids import is_uuid
from qlvbdh import events
from qlvbdh.forms import (
    AttachmentForm,
    IssueForm,
    OutgoingForm,
    SubmitForm,
)
from qlvbdh.models import Document
from qlvbdh.selectors.assignments import my_tasks
from qlvbdh.selectors.attachments import attachment_list
from qlvbdh.selectors.documents import document_get_or_404, document_list, document_timeline
from qlvbdh.selectors.dossiers import dossier_list
from qlvbdh.selectors.people import heads_list
from qlvbdh.selectors.sharing import document_shares
from qlvbdh.services.attachments import attachment_add, attachment_can_add
from qlvbdh.services.documents import document_mark_read, document_revoke
from qlvbdh.services.dossiers import dossier_add_document
from qlvbdh.services.outgoing import (
    OutgoingData,
    Recipient,
    outgoing_approve,
    outgoing_draft_create,
    outgoing_issue,
    outgoing_sign,
)
from qlvbdh.views.sharing import share_panel


@login_required
def workspace_home(request: HttpRequest) -> HttpResponse:
    tasks = my_tasks(user=request.user)[:10] if can(request.user, "qlvbdh.process") else []
    return render(request, "qlvbdh/home.html", {"tasks": tasks})


@login_required
def document_list_view(request: HttpRequest) -> HttpResponse:
    require(request.user, "qlvbdh.view_documents")
    q, direction = request.GET.get("q", ""), request.GET.get("direction", "")
    if direction not in Document.Direction.values:
        direction = ""
    documents = document_list(reader=request.user, direction=direction, q=q)
    page = Paginator(documents, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "qlvbdh/document_list.html",
        {
            "page": page,
            "q": q,
            "direction": direction,
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
        "attachments": attachment_list(reader=user, document=document),
        "attachment_form": AttachmentForm() if attachment_can_add(user, document) else None,
        "dossiers": dossier_list(reader=user).filter(closed_on__isnull=True)
        if can(user, "qlvbdh.process")
        else [],
    }


def _message_from(request: HttpRequest, exc: Exception) -> None:
    if isinstance(exc, ApplicationError):
        messages.error(request, exc.message)
    elif isinstance(exc, ValidationError):
        messages.error(request, " ".join(exc.messages))


@login_required
def outgoing_create_view(request: HttpRequest) -> HttpResponse:
    require(request.user, "qlvbdh.draft")
    form = OutgoingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            document = outgoing_draft_create(
                actor=actor_from(request), data=OutgoingData(**form.cleaned_data)
            )
        except ValidationError as exc:
            form_add_validation_errors(form, exc)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Đã lưu dự thảo."))
            return redirect("document-detail", key=str(document.uuid))
    return render(request, "qlvbdh/outgoing_form.html", {"form": form})


@require_POST
@login_required
def document_step_view(request: HttpRequest, key: str, step: str) -> HttpResponse:
    """approve / sign / issue / revoke / attach / file (into a dossier) from the document page."""
    document = document_get_or_404(reader=request.user, key=key)
    actor = actor_from(request)
    try:
        if step == "approve":
            outgoing_approve(actor=actor, document=document)
        elif step == "sign":
            outgoing_sign(actor=actor, document=document)
        elif step == "revoke":
            document_revoke(actor=actor, document=document, reason=request.POST.get("reason", ""))
        elif step == "issue":
            form = IssueForm(request.POST)
            if not form.is_valid():
                raise ValidationError(_("Nơi nhận chưa hợp lệ."))
            recipients = [Recipient(unit=unit) for unit in form.cleaned_data["units"]]
            for line in form.cleaned_data["org_codes"].splitlines():
                code, _sep, name = line.partition(";")
                if code.strip():
                    recipients.append(Recipient(org_code=code.strip(), org_name=name.strip()))
            outgoing_issue(actor=actor, document=document, recipients=recipients)
        elif step == "attach":
            upload = request.FILES.get("file")
            if upload is None:
                raise ValidationError(_("Chưa chọn tệp."))
            attachment_add(actor=actor, document=document, upload=upload)
        elif step == "file":
            chosen = request.POST.get("dossier", "")
            found = dossier_list(reader=request.user)
            dossier = found.filter(uuid=chosen).first() if is_uuid(chosen) else None
            if dossier is None:
                raise ValidationError(_("Chưa chọn hồ sơ."))
            dossier_add_document(actor=actor, dossier=dossier, document=document)
        else:
            raise Http404
    except (ApplicationError, ValidationError) as exc:
        _message_from(request, exc)
    else:
        messages.success(request, _("Đã cập nhật văn bản."))
    return redirect("document-detail", key=str(document.uuid))
