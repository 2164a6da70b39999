"""An agency's QLVBĐH workspace (its tenant schema)."""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from accounts.urls import manage_urlpatterns
from config.urls_common import urlpatterns as common
from core.apidocs import api_docs_urlpatterns

urlpatterns = [
    *common,
    *manage_urlpatterns,
    path("", include("qlvbdh.urls")),
    path("hub/", include("interagency.exchange.urls")),
    path("", include("oversight.workspace_urls")),
    path("api/v1/", include("accounts.api.urls")),
    path("api/v1/", include("interagency.exchange.api.urls")),
    path("api/v1/", include("qlvbdh.api.urls")),
    *api_docs_urlpatterns(__name__),
    # The admin signs in through the same two-step login as everything else.
    path("admin/login/", RedirectView.as_view(url="/login/?next=/admin/"), name="admin-login"),
    path("admin/", admin.site.urls),
]
