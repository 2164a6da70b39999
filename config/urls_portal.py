"""An agency's or school's public portal (its tenant schema): Wagtail's pages and the portal's own
search, feeds, sitemap, files and read-only content API. Only live, public content is reachable."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.permissions import AllowAny
from wagtail.documents import urls as wagtaildocs_urls

from config.urls_common import urlpatterns as common
from portal import views as portal_views

urlpatterns = [
    *common,
    path("search/", portal_views.search_view, name="portal-search"),
    path("rss/", portal_views.feed, name="portal-rss"),
    path("rss/<slug:slug>/", portal_views.feed, name="portal-section-rss"),
    path("sitemap.xml", portal_views.sitemap_view, name="portal-sitemap"),
    path("documents/", include(wagtaildocs_urls)),
    re_path(r"^images/([^/]*)/(\d*)/([^/]*)/[^/]*$", portal_views.image_serve, name="wagtailimages_serve"),
    path("api/v1/", include("portal.api.urls")),
    # The public API's OpenAPI schema is public too.
    path(
        "api/schema/",
        SpectacularAPIView.as_view(
            urlconf=__name__, permission_classes=[AllowAny], authentication_classes=[]
        ),
        name="api-schema",
    ),
    path("", portal_views.page_serve, name="home"),
    re_path(r"^((?:[\w\-]+/)*)$", portal_views.page_serve, name="wagtail_serve"),
]

# A database or file store that is away answers 503 with a sentence (core/outages.py).
handler500 = "core.outages.server_error"
