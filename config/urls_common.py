"""Patterns every host purpose serves: sign-in, own account, language switch, health."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path

from accounts.urls import auth_urlpatterns


def healthz(request: HttpRequest) -> HttpResponse:
    # Only that it answers: which schema or tenant serves a host is nobody's business.
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


urlpatterns = [
    *auth_urlpatterns,
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", healthz, name="healthz"),
]
