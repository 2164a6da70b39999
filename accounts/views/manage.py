"""The IT officer's pages (and the operator's, on the console): accounts, units, import, audit.

Thin: permission, form, one service call, then a redirect or the form again. A one-time password
is shown once on the response page and never stored in a message or the session.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts import importing, selectors
from accounts.forms import (
    AccountCreateForm,
    AccountUpdateForm,
    ImportUploadForm,
    ReasonForm,
    RoleForm,
    UnitCreateForm,
    UnitUpdateForm,
    birth_year_of,
)
from accounts.models import User
from accounts.permissions import can, in_province_scope, require
from accounts.roles import Role, roles_for_scope
from accounts.services.credentials import second_factor_reset, user_reset_password
from accounts.services.imports import import_cancel, import_confirm, import_preview
from accounts.services.logins import throttle_clear
from accounts.services.roles import role_grant, role_revoke
from accounts.services.units import unit_create, unit_update
from accounts.services.users import (
    AccountData,
    user_create,
    user_deactivate,
    user_lock,
    user_propose_username,
    user_reactivate,
    user_unlock,
    user_update,
)
from core.audit import Actor
from core.errors import ApplicationError, form_add_validation_errors


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


@login_required
def account_list_view(request: HttpRequest) -> HttpResponse:
    require(request.user, "accounts.view_accounts")
    params = {key: request.GET.get(key, "") for key in ("q", "status", "role", "unit")}
    page = Paginator(selectors.account_list(reader=request.user, **params), 50).get_page(
        request.GET.get("page")
    )
    context = {
        "page": page,
        "params": params,
        "roles": [(code, Role(code).label) for code in roles_for_scope(province=in_province_scope())],
        "units": selectors.unit_list(reader=request.user),
        "can_manage": can(request.user, "accounts.manage_accounts"),
    }
    template = "accounts/_account_rows.html" if request.htmx else "accounts/account_list.html"  # type: ignore[attr-defined]
    return render(request, template, context)


@never_cache
@login_required
def account_create_view(request: HttpRequest) -> HttpResponse:
    require(request.user, "accounts.manage_accounts")
    form = AccountCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user, password = user_create(
                actor=Actor.from_request(request),
                data=AccountData(
                    full_name=data["full_name"],
                    username=data["username"],
                    birth_year=data["birth_year"],
                    unit=data["unit"],
                    position=data["position"],
                    email=data["email"],
                    phone=data["phone"],
                    roles=list(data["roles"]),
                    request_key=data["request_key"],
                ),
            )
        except ValidationError as exc:
            form_add_validation_errors(form, exc)
        except ApplicationError as exc:
            if exc.code == "already_created":
                messages.info(request, exc.message)
                return redirect("account-detail", key=exc.extra["uuid"])
            form.add_error(None, exc.message)
        else:
            return _no_store(
                render(
                    request,
                    "accounts/password_issued.html",
                    {
                        "person": user,
                        "password": password,
                        "created": True,
                        "hours": settings.TEMPORARY_PASSWORD_HOURS,
                    },
                )
            )
    return render(request, "accounts/account_create.html", {"form": form})


@login_required
def account_propose_view(request: HttpRequest) -> HttpResponse:
    """htmx fragment: the account name rule R8 proposes for the name typed so far."""
    require(request.user, "accounts.manage_accounts")
    full_name = request.GET.get("full_name", "")
    year = request.GET.get("birth_year", "").strip()
    proposal, error = "", ""
    if full_name.strip():
        try:
            proposal = user_propose_username(full_name=full_name, birth_year=birth_year_of(year))
        except ApplicationError as exc:
            error = exc.message
    return render(request, "accounts/_username_proposal.html", {"proposal": proposal, "error": error})


def _account_or_404(request: HttpRequest, key: str) -> User:
    user = selectors.account_get(reader=request.user, key=key)
    if user is None:
        raise Http404
    return user


@login_required
def account_detail_view(request: HttpRequest, key: str) -> HttpResponse:
    require(request.user, "accounts.view_accounts")
    person = _account_or_404(request, key)
    can_manage = can(request.user, "accounts.manage_accounts", person)
    held = {grant.role for grant in selectors.account_roles(user=person)}
    return render(
        request,
        "accounts/account_detail.html",
        {
            "person": person,
            "grants": selectors.account_roles(user=person),
            "grantable": [
                (c, Role(c).label) for c in roles_for_scope(province=in_province_scope()) if c not in held
            ],
            "can_manage": can_manage,
            "update_form": AccountUpdateForm(
                initial={
                    "unit": person.unit,
                    "position": person.position.name if person.position else "",
                    "email": person.email,
                    "phone": person.phone,
                }
            ),
            "events": selectors.login_events_of(user=person)[:20] if can_manage else [],
            "tokens": selectors.tokens_of(user=person) if can_manage else [],
            "now": timezone.now(),
            "audit": selectors.audit_list(reader=request.user, target=str(person.uuid))[:20],
        },
    )


_ACTIONS = {
    "lock": lambda actor, user, reason: user_lock(actor=actor, user=user, reason=reason),
    "unlock": lambda actor, user, reason: user_unlock(actor=actor, user=user, reason=reason),
    "deactivate": lambda actor, user, reason: user_deactivate(actor=actor, user=user, reason=reason),
    "reactivate": lambda actor, user, reason: user_reactivate(actor=actor, user=user),
    "reset-second-factor": lambda actor, user, reason: second_factor_reset(actor=actor, user=user),
}
_DONE = {
    "lock": gettext_lazy("Đã khoá tài khoản %(name)s; các phiên đang mở đã kết thúc."),
    "unlock": gettext_lazy("Đã mở khoá tài khoản %(name)s."),
    "deactivate": gettext_lazy("Đã ngừng sử dụng tài khoản %(name)s; lịch sử được giữ nguyên."),
    "reactivate": gettext_lazy("Đã cho phép tài khoản %(name)s hoạt động trở lại."),
    "reset-second-factor": gettext_lazy(
        "Đã gỡ thiết bị xác thực của %(name)s; lần đăng nhập tới sẽ đăng ký lại."
    ),
}


@require_POST
@never_cache
@login_required
def account_action_view(request: HttpRequest, key: str, action: str) -> HttpResponse:
    person = _account_or_404(request, key)
    actor = Actor.from_request(request)
    if action == "reset-password":
        try:
            person, password = user_reset_password(actor=actor, user=person)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect("account-detail", key=str(person.uuid))
        return _no_store(
            render(
                request,
                "accounts/password_issued.html",
                {"person": person, "password": password, "hours": settings.TEMPORARY_PASSWORD_HOURS},
            )
        )
    if action in ("grant", "revoke"):
        form = RoleForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Vai trò không hợp lệ."))
            return redirect("account-detail", key=str(person.uuid))
        try:
            if action == "grant":
                role_grant(actor=actor, user=person, role=form.cleaned_data["role"])
            else:
                role_revoke(actor=actor, user=person, role=form.cleaned_data["role"])
        except ApplicationError as exc:
            messages.error(request, exc.message)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Đã cập nhật vai trò của %(name)s.") % {"name": person.username})
        return redirect("account-detail", key=str(person.uuid))
    if action == "update":
        update = AccountUpdateForm(request.POST)
        if update.is_valid():
            data = update.cleaned_data
            try:
                user_update(
                    actor=actor,
                    user=person,
                    unit=data["unit"],
                    position_name=data["position"],
                    email=data["email"],
                    phone=data["phone"],
                )
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(request, _("Đã lưu thông tin của %(name)s.") % {"name": person.username})
        else:
            messages.error(request, _("Thông tin chưa hợp lệ."))
        return redirect("account-detail", key=str(person.uuid))
    service = _ACTIONS.get(action)
    if service is None:
        raise Http404
    reason_form = ReasonForm(request.POST)
    reason = reason_form.cleaned_data["reason"] if reason_form.is_valid() else ""
    try:
        service(actor, person, reason)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, str(_DONE[action]) % {"name": person.username})
    return redirect("account-detail", key=str(person.uuid))


@login_required
def import_upload_view(request: HttpRequest) -> HttpResponse:
    require(request.user, "accounts.manage_accounts")
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > importing.MAX_BYTES:
            form.add_error("file", _("Tệp quá lớn (tối đa 5 MB)."))
        else:
            try:
                batch = import_preview(
                    actor=Actor.from_request(request), filename=upload.name, content=upload.read()
                )
            except ApplicationError as exc:
                form.add_error("file", exc.message)
            else:
                return redirect("account-import-detail", key=str(batch.uuid))
    return render(request, "accounts/import_upload.html", {"form": form})


@login_required
def import_detail_view(request: HttpRequest, key: str) -> HttpResponse:
    batch = selectors.import_batch_get(reader=request.user, key=key)
    if batch is None:
        raise Http404
    if request.method == "POST":
        actor = Actor.from_request(request)
        try:
            if request.POST.get("action") == "cancel":
                import_cancel(actor=actor, batch=batch)
                messages.info(request, _("Đã huỷ đợt nhập; không tài khoản nào được tạo."))
            else:
                batch = import_confirm(actor=actor, batch=batch)
                messages.success(request, _("Đã tạo %(n)s tài khoản.") % {"n": batch.created_count})
        except ApplicationError as exc:
            messages.error(request, exc.message)
        return redirect("account-import-detail", key=str(batch.uuid))
    return render(request, "accounts/import_detail.html", {"batch": batch})


@login_required
def import_template_view(request: HttpRequest) -> HttpResponse:
    require(request.user, "accounts.manage_accounts")
    response = HttpResponse(
        importing.staff_template_xlsx(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="danh-sach-can-bo.xlsx"'
    return response


@login_required
def unit_list_view(request: HttpRequest) -> HttpResponse:
    require(request.user, "accounts.view_units")
    can_manage = can(request.user, "accounts.manage_units")
    form = UnitCreateForm(request.POST or None)
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        if form.is_valid():
            try:
                unit_create(
                    actor=Actor.from_request(request),
                    name=form.cleaned_data["name"],
                    kind=form.cleaned_data["kind"],
                    parent=form.cleaned_data["parent"],
                )
            except ValidationError as exc:
                form_add_validation_errors(form, exc)
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Đã thêm phòng, ban."))
                return redirect("unit-list")
    return render(
        request,
        "accounts/unit_list.html",
        {"tree": selectors.unit_tree(reader=request.user), "form": form, "can_manage": can_manage},
    )


@login_required
def unit_edit_view(request: HttpRequest, key: str) -> HttpResponse:
    require(request.user, "accounts.manage_units")
    unit = selectors.unit_get(reader=request.user, key=key)
    if unit is None:
        raise Http404
    initial = {"name": unit.name, "kind": unit.kind, "parent": unit.parent, "is_active": unit.is_active}
    form = UnitUpdateForm(request.POST or None, initial=initial, unit=unit)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            unit_update(
                actor=Actor.from_request(request),
                unit=unit,
                name=data["name"],
                kind=data["kind"],
                parent=data["parent"],
                is_active=data["is_active"],
            )
        except ValidationError as exc:
            form_add_validation_errors(form, exc)
        else:
            messages.success(request, _("Đã lưu phòng, ban."))
            return redirect("unit-list")
    return render(request, "accounts/unit_edit.html", {"form": form, "unit": unit})


@login_required
def audit_list_view(request: HttpRequest) -> HttpResponse:
    require(request.user, "accounts.view_audit")
    entries = selectors.audit_list(reader=request.user, action=request.GET.get("action", ""))
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(
        request, "accounts/audit_list.html", {"page": page, "action": request.GET.get("action", "")}
    )


@login_required
def token_list_view(request: HttpRequest) -> HttpResponse:
    """The IT officer's list of everyone's API tokens in the agency, each revocable."""
    require(request.user, "accounts.manage_accounts")
    live_only = request.GET.get("all") != "1"
    tokens = selectors.token_list(reader=request.user, live_only=live_only)
    page = Paginator(tokens, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/token_list.html",
        {"page": page, "live_only": live_only, "now": timezone.now()},
    )


@never_cache
@login_required
def throttle_list_view(request: HttpRequest) -> HttpResponse:
    """Account names and addresses the login throttle is counting in this tenant, with their delay."""
    require(request.user, "accounts.manage_accounts")
    rows = selectors.throttle_rows(reader=request.user)
    return render(
        request, "accounts/throttle_list.html", {"rows": rows, "max": settings.LOGIN_DELAY_MAX_SECONDS}
    )


@require_POST
@login_required
def throttle_clear_view(request: HttpRequest) -> HttpResponse:
    require(request.user, "accounts.manage_accounts")
    cleared = throttle_clear(
        actor=Actor.from_request(request),
        kind=request.POST.get("kind", ""),
        ident=request.POST.get("ident", ""),
    )
    if cleared is None:
        messages.info(request, _("Mục này không còn bị tính lần đăng nhập sai."))
    else:
        messages.success(
            request,
            _("Đã xoá %(n)d lần đăng nhập sai của %(label)s.")
            % {"n": cleared.failures, "label": cleared.label},
        )
    return redirect("throttle-list")
