"""The provincial console (public schema)."""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from accounts.urls import manage_urlpatterns
from config.urls_common import urlpatterns as common
from core.apidocs import api_docs_urlpatterns
from oversight.views import statistics as oversight_views
from tenants import views as tenant_views

urlpatterns = [
    *common,
    *manage_urlpatterns,
    path("", tenant_views.console_home, name="home"),
    path("tenants/new/", tenant_views.tenant_create_view, name="tenant-create"),
    path("tenants/proposal/", tenant_views.tenant_host_proposal, name="tenant-host-proposal"),
    path("tenants/<str:key>/", tenant_views.tenant_detail_view, name="tenant-detail"),
    path("tenants/<str:key>/domains/add/", tenant_views.tenant_domain_add_view, name="tenant-domain-add"),
    path(
        "tenants/<str:key>/domains/remove/",
        tenant_views.tenant_domain_remove_view,
        name="tenant-domain-remove",
    ),
    path("tenants/<str:key>/<str:action>/", tenant_views.tenant_transition_view, name="tenant-transition"),
    path("statistics/", oversight_views.statistics_view, name="statistics"),
    path("statistics/export.csv", oversight_views.statistics_export_view, name="statistics-export"),
    path("oversight/", include("oversight.console_urls")),
    path("hub/", include("interagency.hub.console_urls")),
    path("backups/", include("backups.console_urls")),
    path("api/v1/statistics/", oversight_views.StatisticsApi.as_view(), name="api-statistics"),
    path("api/v1/oversight/", include("oversight.api_urls")),
    path("api/v1/", include("tenants.api.urls")),
    path("api/v1/", include("accounts.api.urls")),
    path("federation/v1/", include("interagency.hub.federation_urls")),
    path("vxp/", include("interagency.hub.vxp_urls")),
    *api_docs_urlpatterns(__name__),
    # The admin signs in through the same two-step login as everything else.
    path("admin/login/", RedirectView.as_view(url="/login/?next=/admin/"), name="admin-login"),
    path("admin/", admin.site.urls),
]

# A database or file store that is away answers 503 with a sentence (core/outages.py).
handler500 = "core.outages.server_error"
