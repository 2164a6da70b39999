"""Where a packet goes: one of our agencies (delivered into its schema) or another hub (pushed, or
held for it to pull), decided from the tenant table, the directory and the federation peers."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext as _

from interagency.hub.models import FederationPeer, HubDelivery
from interagency.hub.services.directory import directory_lookup
from tenants.models import Tenant


@dataclass(frozen=True)
class Route:
    code: str
    target: str
    error: str = ""
    # Never deliverable, whatever the directory says: a packet with no other recipient is refused.
    refused: bool = False


def route(code: str) -> Route:
    # The province itself lives in the public schema, which has no inbox: nothing is delivered to it.
    province = Tenant.objects.filter(org_code__iexact=code, kind=Tenant.Kind.PROVINCE).first()
    if province is not None:
        return Route(
            province.org_code,
            HubDelivery.Target.TENANT,
            _(
                "Mã định danh %(code)s là của chính tỉnh (%(name)s), không phải một đơn vị nhận văn bản; "
                "hãy gửi tới sở, ngành hoặc đơn vị cụ thể."
            )
            % {"code": province.org_code, "name": province.name},
            refused=True,
        )
    # Our own agencies first, straight from the tenant table (the directory may lag a new tenant).
    if Tenant.objects.filter(org_code=code).exclude(status=Tenant.Status.ARCHIVED).exists():
        return Route(code, HubDelivery.Target.TENANT)
    organisation = directory_lookup(code)
    if organisation is None or not organisation.is_active:
        return Route(code, HubDelivery.Target.TENANT, _("Mã định danh %s không có trong danh bạ.") % code)
    if organisation.kind == organisation.Kind.TENANT:
        return Route(organisation.org_code, HubDelivery.Target.TENANT)
    # A paused peer still routes: its deliveries wait until it is resumed (deliveries._due).
    if not FederationPeer.objects.filter(base_url__in=url_forms(organisation.hub_url)).exists():
        return Route(
            organisation.org_code,
            HubDelivery.Target.PEER,
            _("Chưa cấu hình kết nối tới trục %s.") % organisation.hub_url,
        )
    return Route(organisation.org_code, HubDelivery.Target.PEER)


def routes_for(codes: list[str], known: dict[str, Route] | None = None) -> list[Route]:
    """`route` for each code, our own agencies and the province settled in one query (the usual
    packet goes only to them); any other code goes through the directory as `route` does.
    `known`: routes found earlier in the same batch, used and added to (no query when all are)."""
    if known is not None:
        missing = [code for code in codes if code not in known]
        if missing:
            known.update(zip(missing, routes_for(missing), strict=True))
        return [known[code] for code in codes]
    rows = list(
        Tenant.objects.filter(Q(kind=Tenant.Kind.PROVINCE) | Q(org_code__in=codes)).values_list(
            "org_code", "kind", "status"
        )
    )
    provinces = {org_code.casefold() for org_code, kind, _status in rows if kind == Tenant.Kind.PROVINCE}
    ours = {org_code for org_code, _kind, status in rows if status != Tenant.Status.ARCHIVED}
    return [
        Route(code, HubDelivery.Target.TENANT)
        if code in ours and code.casefold() not in provinces
        else route(code)
        for code in codes
    ]


def url_forms(url: str) -> list[str]:
    """A directory's hub_url matches a peer's base URL with or without a trailing slash."""
    bare = url.rstrip("/")
    return [bare, f"{bare}/"]
