"""Host -> tenant -> URLconf by the domain's purpose.

An unknown or archived host gets a plain 404 page and the public schema is never served in
its place; a suspended tenant gets a "suspended" page, one being restored in place a maintenance
page. None of them touches any tenant data.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import set_urlconf
from django_tenants.middleware.main import TenantMainMiddleware

from core.maintenance import maintenance_reason
from core.tenancy import activate_public, activate_tenant
from tenants.models import Domain, Tenant


def _page(template: str, status: int, context: dict[str, object] | None = None) -> HttpResponse:
    body = render_to_string(template, context or {}, request=None)
    response = HttpResponse(body, status=status, content_type="text/html; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return response


class TenantRoutingMiddleware(TenantMainMiddleware):
    def process_request(self, request: HttpRequest) -> HttpResponse | None:
        activate_public()
        try:
            hostname = request.get_host().split(":")[0].lower().rstrip(".")
        except DisallowedHost:
            return _page("errors/unknown_host.html", 404)

        domain = Domain.objects.select_related("tenant").filter(domain=hostname).first()
        if domain is None:
            return _page("errors/unknown_host.html", 404)
        tenant: Tenant = domain.tenant
        purpose_is_console = domain.purpose == Domain.Purpose.CONSOLE
        if purpose_is_console != tenant.is_public or tenant.status == Tenant.Status.ARCHIVED:
            return _page("errors/unknown_host.html", 404)
        if tenant.status == Tenant.Status.SUSPENDED:
            return _page("errors/suspended.html", 503, {"tenant_name": tenant.name})
        if maintenance_reason(tenant.schema_name) is not None:  # a restore in place is running
            response = _page("errors/maintenance.html", 503, {"tenant_name": tenant.name})
            response["Retry-After"] = "300"
            return response

        tenant.domain_url = hostname
        request.tenant = tenant  # type: ignore[attr-defined]
        request.domain = domain  # type: ignore[attr-defined]
        activate_tenant(tenant)
        request.urlconf = settings.PURPOSE_URLCONFS[domain.purpose]
        set_urlconf(request.urlconf)
        return None
