"""An agency's QLVBĐH workspace (its tenant schema)."""

from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from accounts.urls import manage_urlpatterns
from config.urls_common import urlpatterns as common
from core.apidocs import api_docs_urlpatterns
from portal import views as portal_views

urlpatterns = [
    *common,
    *manage_urlpatterns,
    path("", include("collab.urls")),  # first: its home page replaces qlvbdh's
    path("", include("qlvbdh.urls")),
    path("hub/", include("interagency.exchange.urls")),
    path("backups/", include("backups.workspace_urls")),
    path("", include("oversight.workspace_urls")),
    path("api/v1/", include("accounts.api.urls")),
    path("api/v1/", include("interagency.exchange.api.urls")),
    path("api/v1/", include("qlvbdh.api.urls")),
    path("api/v1/", include("collab.api.urls")),
    *api_docs_urlpatterns(__name__),
    # The admin signs in through the same two-step login as everything else.
    path("admin/login/", RedirectView.as_view(url="/login/?next=/admin/"), name="admin-login"),
    path("admin/", admin.site.urls),
    # The portal's back office (Wagtail's admin) behind the workspace's own two-step login: Wagtail's
    # login, logout and password pages are not a second door.
    re_path(
        r"^cms/(login|password_reset)/", RedirectView.as_view(url="/login/?next=/cms/"), name="cms-login"
    ),
    path("cms/", include(wagtailadmin_urls)),
    path(
        "portal/publish-outgoing/<str:key>/",
        portal_views.publish_outgoing_view,
        name="portal-publish-outgoing",
    ),
    # Files in the back office's previews: board members only (portal.visibility).
    path("cms-files/documents/", include(wagtaildocs_urls)),
    re_path(
        r"^cms-files/images/([^/]*)/(\d*)/([^/]*)/[^/]*$",
        portal_views.image_serve,
        name="wagtailimages_serve",
    ),
]

# A database or file store that is away answers 503 with a sentence (core/outages.py).
handler500 = "core.outages.server_error"
