"""The OpenAPI schema and its Swagger UI, per host purpose and for signed-in people only.

drf-spectacular would describe ROOT_URLCONF (the console) on every host; each host's URLconf
passes itself instead. Swagger UI comes from drf-spectacular-sidecar's static files and starts
from our own static script (core/api-docs.js): no CDN, no inline script for the CSP to refuse.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseBase
from django.urls import URLPattern, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework import exceptions


class ApiDocsView(SpectacularSwaggerView):
    template_name = "core/api_docs.html"

    def handle_exception(self, exc: Exception) -> HttpResponseBase:  # type: ignore[override]  # DRF takes any
        # A person in a browser goes to the login page rather than reading a 401.
        if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
            return redirect_to_login(self.request.get_full_path())
        return super().handle_exception(exc)


def api_docs_urlpatterns(urlconf: str) -> list[URLPattern]:
    """`/api/schema/` and `/api/docs/` describing the API of `urlconf` (the host's own URLconf)."""
    schema: Any = SpectacularAPIView.as_view(urlconf=urlconf)
    return [
        path("api/schema/", schema, name="api-schema"),
        path("api/docs/", ApiDocsView.as_view(url_name="api-schema"), name="api-docs"),
    ]
