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
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import User
from accounts.permissions import can, require
from core.audit import Actor
from core.errors import ApplicationError, form_add_validation_errors
from core.ids import is_uuid
from qlvbdh import attachments, dossiers, events, selectors, services, sharing, sharing_views
from qlvbdh.forms import (
    AttachmentForm,
    DirectionForm,
    DossierForm,
    IncomingForm,
    IssueForm,
    OutgoingForm,
    RegisterForm,
    SubmitForm,
    TaskForm,
)
from qlvbdh.models import Document


@login_required
def workspace_home(request: HttpRequest) -> HttpResponse:
    tasks = selectors.my_tasks(user=request.user)[:10] if can(request.user, "qlvbdh.process") else []
    return render(request, "qlvbdh/home.html", {"tasks": tasks})


@login_required
def document_list_view(request: HttpRequest) -> HttpResponse:
    require(request.user, "qlvbdh.view_documents")
    q, direction = request.GET.get("q", ""), request.GET.get("direction", "")
    if direction not in Document.Direction.values:
        direction = ""
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
            "can_draft": can(request.user, "qlvbdh.draft"),
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
            "events": selectors.document_timeline(reader=request.user, document=document),
            "assignments": document.assignments.select_related("assignee", "unit"),
            "submit_form": SubmitForm(heads=_heads()) if can_submit else None,
            "can_direct": can(request.user, "qlvbdh.direct")
            and document.status in ("registered", "submitted"),
            "panels": events.document_panels(reader=request.user, document=document),
            **sharing_views.share_panel(
                request,
                document,
                sharing.document_shares(document=document),
                f"/documents/{document.uuid}/shares/",
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
        "attachments": attachments.attachment_list(reader=user, document=document),
        "attachment_form": AttachmentForm() if attachments.attachment_can_add(user, document) else None,
        "dossiers": dossiers.dossier_list(reader=user).filter(closed_on__isnull=True)
        if can(user, "qlvbdh.process")
        else [],
    }


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
    if request.method == "GET":
        services.document_mark_read(actor=Actor.from_request(request), document=document)
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
    page = Paginator(selectors.my_tasks(user=request.user), 50).get_page(request.GET.get("page"))
    return render(request, "qlvbdh/my_tasks.html", {"tasks": page, "page": page, "form": TaskForm()})


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
            document = services.outgoing_draft_create(
                actor=Actor.from_request(request), data=services.OutgoingData(**form.cleaned_data)
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
    document = _document_or_404(request, key)
    actor = Actor.from_request(request)
    try:
        if step == "approve":
            services.outgoing_approve(actor=actor, document=document)
        elif step == "sign":
            services.outgoing_sign(actor=actor, document=document)
        elif step == "revoke":
            services.document_revoke(actor=actor, document=document, reason=request.POST.get("reason", ""))
        elif step == "issue":
            form = IssueForm(request.POST)
            if not form.is_valid():
                raise ValidationError(_("Nơi nhận chưa hợp lệ."))
            recipients = [services.Recipient(unit=unit) for unit in form.cleaned_data["units"]]
            for line in form.cleaned_data["org_codes"].splitlines():
                code, _sep, name = line.partition(";")
                if code.strip():
                    recipients.append(services.Recipient(org_code=code.strip(), org_name=name.strip()))
            services.outgoing_issue(actor=actor, document=document, recipients=recipients)
        elif step == "attach":
            upload = request.FILES.get("file")
            if upload is None:
                raise ValidationError(_("Chưa chọn tệp."))
            attachments.attachment_add(actor=actor, document=document, upload=upload)
        elif step == "file":
            chosen = request.POST.get("dossier", "")
            found = dossiers.dossier_list(reader=request.user)
            dossier = found.filter(uuid=chosen).first() if is_uuid(chosen) else None
            if dossier is None:
                raise ValidationError(_("Chưa chọn hồ sơ."))
            dossiers.dossier_add_document(actor=actor, dossier=dossier, document=document)
        else:
            raise Http404
    except (ApplicationError, ValidationError) as exc:
        _message_from(request, exc)
    else:
        messages.success(request, _("Đã cập nhật văn bản."))
    return redirect("document-detail", key=str(document.uuid))


@login_required
def register_list_view(request: HttpRequest) -> HttpResponse:
    require(request.user, "qlvbdh.view_documents")
    year = timezone.localdate().year
    form = RegisterForm(request.POST or None)
    if request.method == "POST":
        require(request.user, "qlvbdh.manage_registers")
        if form.is_valid():
            try:
                services.register_create(actor=Actor.from_request(request), year=year, **form.cleaned_data)
            except ValidationError as exc:
                form_add_validation_errors(form, exc)
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Đã tạo sổ."))
                return redirect("register-list")
    return render(
        request,
        "qlvbdh/register_list.html",
        {
            "registers": selectors.register_list(reader=request.user, year=year),
            "form": form,
            "today": timezone.localdate(),
            "can_manage": can(request.user, "qlvbdh.manage_registers"),
        },
    )


@login_required
def dossier_list_view(request: HttpRequest) -> HttpResponse:
    require(request.user, "qlvbdh.view_documents")
    form = DossierForm(request.POST or None)
    if request.method == "POST":
        require(request.user, "qlvbdh.process")
        if form.is_valid():
            try:
                dossiers.dossier_create(
                    actor=Actor.from_request(request),
                    owner=request.user,
                    year=timezone.localdate().year,
                    **form.cleaned_data,
                )
            except ValidationError as exc:
                form_add_validation_errors(form, exc)
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Đã tạo hồ sơ."))
                return redirect("dossier-list")
    found = dossiers.dossier_list(reader=request.user, with_counts=True)
    return render(
        request,
        "qlvbdh/dossier_list.html",
        {"dossiers": found, "form": form, "can_create": can(request.user, "qlvbdh.process")},
    )
