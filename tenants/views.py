"""Console pages for tenants. Thin: a form in, a service call, a redirect or the form again."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import ApplicationError, form_add_validation_errors
from core.responses import message_call
from tenants import selectors, services
from tenants.forms import DomainAddForm, TenantCreateForm, TransitionForm
from tenants.models import Domain, Tenant
from tenants.permissions import tenants_can_manage, tenants_can_view


def _actor(request: HttpRequest) -> services.Actor:
    return services.Actor.from_request(request)


@login_required
def console_home(request: HttpRequest) -> HttpResponse:
    if not tenants_can_view(request.user):
        raise PermissionDenied
    tenants = selectors.tenant_list(
        status=request.GET.get("status") or None, kind=request.GET.get("kind") or None
    )
    return render(
        request,
        "tenants/console_home.html",
        {"tenants": tenants, "can_manage": tenants_can_manage(request.user)},
    )


@login_required
def tenant_create_view(request: HttpRequest) -> HttpResponse:
    if not tenants_can_manage(request.user):
        raise PermissionDenied
    form = TenantCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        hosts: dict[str, str] = {
            purpose: data[field]
            for purpose, field in (
                (Domain.Purpose.WORKSPACE, "workspace_host"),
                (Domain.Purpose.PORTAL, "portal_host"),
            )
            if data[field]
        }
        try:
            tenant = services.tenant_create(
                actor=_actor(request),
                name=data["name"],
                kind=data["kind"],
                org_code=data["org_code"],
                parent=data["parent"],
                hosts=hosts,
            )
        except ValidationError as exc:
            form_add_validation_errors(form, exc)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Đã tạo đơn vị %(name)s.") % {"name": tenant.name})
            return redirect("tenant-detail", key=str(tenant.uuid))
    return render(request, "tenants/tenant_create.html", {"form": form})


@login_required
def tenant_host_proposal(request: HttpRequest) -> HttpResponse:
    """htmx fragment: the hosts R7 proposes for the name and kind typed so far."""
    if not tenants_can_manage(request.user):
        raise PermissionDenied
    hosts: dict[str, str] = {}
    error = ""
    name, kind = request.GET.get("name", ""), request.GET.get("kind", "")
    if name.strip():
        try:
            hosts = services.tenant_propose_hosts(name=name, kind=kind)
        except ValidationError as exc:
            error = " ".join(exc.messages)
    return render(request, "tenants/_host_proposal.html", {"hosts": hosts, "error": error})


def _tenant_or_404(request: HttpRequest, key: str, allowed: Callable[[Any], bool]) -> Tenant:
    if not allowed(request.user):
        raise PermissionDenied
    tenant = selectors.tenant_get(key=key)
    if tenant is None:
        raise Http404
    return tenant


@login_required
def tenant_detail_view(request: HttpRequest, key: str) -> HttpResponse:
    tenant = _tenant_or_404(request, key, tenants_can_view)
    return render(
        request,
        "tenants/tenant_detail.html",
        {
            "tenant": tenant,
            "events": tenant.events.all()[:50],
            "can_manage": tenants_can_manage(request.user),
            "form": TransitionForm(),
            "domain_form": DomainAddForm(),
        },
    )


_TRANSITIONS = {
    "suspend": services.tenant_suspend,
    "resume": services.tenant_resume,
    "archive": services.tenant_archive,
}


@require_POST
@login_required
def tenant_transition_view(request: HttpRequest, key: str, action: str) -> HttpResponse:
    service = _TRANSITIONS.get(action)
    tenant = selectors.tenant_get(key=key)
    if service is None or tenant is None:
        raise Http404
    form = TransitionForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        service(actor=_actor(request), tenant=tenant, reason=reason)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Đã cập nhật trạng thái của %(name)s.") % {"name": tenant.name})
    return redirect("tenant-detail", key=str(tenant.uuid))


@require_POST
@login_required
def tenant_domain_add_view(request: HttpRequest, key: str) -> HttpResponse:
    tenant = _tenant_or_404(request, key, tenants_can_manage)
    form = DomainAddForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        message_call(
            request,
            services.tenant_domain_add,
            actor=_actor(request),
            tenant=tenant,
            purpose=data["purpose"],
            host=data["host"],
            success=_("Đã thêm tên miền cho %(name)s.") % {"name": tenant.name},
        )
    else:
        messages.error(request, " ".join(str(m) for errors in form.errors.values() for m in errors))
    return redirect("tenant-detail", key=str(tenant.uuid))


@require_POST
@login_required
def tenant_domain_remove_view(request: HttpRequest, key: str) -> HttpResponse:
    tenant = _tenant_or_404(request, key, tenants_can_manage)
    host = request.POST.get("host", "")
    message_call(
        request,
        services.tenant_domain_remove,
        actor=_actor(request),
        tenant=tenant,
        host=host,
        success=_("Đã gỡ tên miền %(host)s.") % {"host": host},
    )
    return redirect("tenant-detail", key=str(tenant.uuid))
