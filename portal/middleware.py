"""Wagtail's redirects, on the portal host only (the console's schema has no redirect table)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from wagtail.contrib.redirects.middleware import RedirectMiddleware


class PortalRedirectMiddleware(RedirectMiddleware):
    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        domain = getattr(request, "domain", None)
        if getattr(domain, "purpose", None) != "portal":
            return response
        return super().process_response(request, response)
