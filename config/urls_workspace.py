"""An agency's QLVBĐH workspace (its tenant schema)."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from config.urls_common import urlpatterns as common
from qlvbdh import views as qlvbdh_views

urlpatterns = [
    *common,
    path("", qlvbdh_views.workspace_home, name="home"),
    path("api/v1/", include("accounts.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("admin/", admin.site.urls),
]
