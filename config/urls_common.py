"""Patterns every host purpose serves: sign-in, own account, language switch, health."""

from django.http import HttpRequest, JsonResponse
from django.urls import include, path

from accounts.urls import auth_urlpatterns


def healthz(request: HttpRequest) -> JsonResponse:
    tenant = getattr(request, "tenant", None)
    return JsonResponse({"ok": True, "schema": tenant.schema_name if tenant else None})


urlpatterns = [
    *auth_urlpatterns,
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", healthz, name="healthz"),
]
