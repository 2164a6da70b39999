"""The provincial console (public schema)."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from config.urls_common import urlpatterns as common
from tenants import views as tenant_views

urlpatterns = [
    *common,
    path("", tenant_views.console_home, name="home"),
    path("tenants/new/", tenant_views.tenant_create_view, name="tenant-create"),
    path("tenants/proposal/", tenant_views.tenant_host_proposal, name="tenant-host-proposal"),
    path("tenants/<str:key>/", tenant_views.tenant_detail_view, name="tenant-detail"),
    path("tenants/<str:key>/<str:action>/", tenant_views.tenant_transition_view, name="tenant-transition"),
    path("api/v1/", include("tenants.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("admin/", admin.site.urls),
]
