"""An agency's or school's public portal (its tenant schema): Wagtail's pages and the portal's own
search, feeds, sitemap, files and read-only content API. Only live, public content is reachable."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.permissions import AllowAny
from wagtail.documents import urls as wagtaildocs_urls

from config.urls_common import urlpatterns as common
from portal import public_views
from portal import views as portal_views

urlpatterns = [
    *common,
    path("search/", portal_views.search_view, name="portal-search"),
    path("rss/", portal_views.feed, name="portal-rss"),
    path("rss/sector/", public_views.sector_feed, name="portal-sector-rss"),  # before a section's slug
    path("feedback/", public_views.feedback_view, name="portal-feedback"),
    path("feedback/track/", public_views.feedback_track_view, name="portal-feedback-track"),
    path("feedback/answers/", public_views.qa_view, name="portal-qa"),
    path("consultations/", public_views.consultations_view, name="portal-consultations"),
    path("consultations/<str:key>/", public_views.consultation_view, name="portal-consultation"),
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
