"""Patterns every host purpose serves: sign-in, own account, language switch.

(`/healthz`, `/readyz` and `/metrics` are answered before any routing: core/probes.py.)"""

from django.urls import include, path

from accounts.urls import auth_urlpatterns

urlpatterns = [
    *auth_urlpatterns,
    path("i18n/", include("django.conf.urls.i18n")),
]
