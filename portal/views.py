"""The public portal's own views around Wagtail's page serving: search, feeds, sitemap, files.

Everything here starts from portal.selectors' live-and-public pages; nothing else is reachable.
"""

from __future__ import annotations

from typing import Any

from django.contrib.syndication.views import Feed
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.feedgenerator import Rss201rev2Feed
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe
from wagtail import views as wagtail_views
from wagtail.contrib.sitemaps.views import sitemap as wagtail_sitemap
from wagtail.images.views.serve import ServeView
from wagtail.models import Page

from portal import selectors
from portal.cache import cached_public_page


@require_safe
@cached_public_page
def page_serve(request: HttpRequest, path: str = "") -> HttpResponse:
    if not path and selectors.portal_site() is None:
        # A tenant whose portal is not made yet (manage.py portal ensure-sites): its name only.
        return render(request, "portal/unprepared.html")
    return wagtail_views.serve(request, path)


@require_safe
def search_view(request: HttpRequest) -> HttpResponse:
    query = (request.GET.get("q") or "")[:200]
    results = selectors.page_search(query) if query.strip() else []
    page = Paginator(results, 20).get_page(request.GET.get("page"))
    return render(
        request,
        "portal/search.html",
        {"query": query, "results": page, "site_root": _home(request)},
    )


def _home(request: HttpRequest) -> Page | None:
    site = selectors.portal_site()
    return site.root_page.specific if site is not None else None


class _PortalFeed(Feed):  # type: ignore[type-arg]
    feed_type = Rss201rev2Feed

    def get_object(self, request: HttpRequest, slug: str | None = None) -> Page:
        self.request = request
        home = _home(request)
        if home is None:
            raise Http404
        if slug is None:
            return home
        section = selectors.sections_visible(home).filter(slug=slug).first()
        if section is None:
            raise Http404
        return section

    def title(self, obj: Page) -> str:
        return str(obj.title)

    def link(self, obj: Page) -> str:
        return str(obj.get_url(self.request) or "/")

    def description(self, obj: Page) -> str:
        return _("Tin mới của %(name)s") % {"name": obj.title}

    def items(self, obj: Page) -> list[Page]:
        return selectors.articles_latest(obj, limit=30)

    def item_title(self, item: Page) -> str:
        return str(item.title)

    def item_description(self, item: Page) -> str:
        return str(getattr(item, "summary", "") or "")

    def item_link(self, item: Page) -> str:
        return str(item.get_url(self.request))

    def item_pubdate(self, item: Page) -> Any:
        return item.first_published_at


feed = require_safe(cached_public_page(_PortalFeed()))


@require_safe
@cached_public_page
def sitemap_view(request: HttpRequest) -> HttpResponse:
    # Wagtail's sitemap lists the site's live, public pages only; the drafts tray is never live.
    return wagtail_sitemap(request)


class PortalImageServeView(ServeView):
    """Renditions of images that a live, public page uses; never an original on the portal host.
    On the workspace host (previews in the back office) a signed-in board member sees any."""

    action = "serve"

    def get(
        self,
        request: HttpRequest,
        signature: str,
        image_id: int,
        filter_spec: str,
        filename: str | None = None,
    ) -> HttpResponse:
        from portal.visibility import image_visible_to

        if not image_visible_to(request, image_id=int(image_id), filter_spec=filter_spec):
            raise Http404
        return super().get(request, signature, image_id, filter_spec, filename)


image_serve = PortalImageServeView.as_view()


@require_POST
def publish_outgoing_view(request: HttpRequest, key: str) -> HttpResponse:
    """Workspace host: the button on an issued outgoing document's page (portal.services.legal)."""
    from core.audit import actor_from
    from core.responses import message_call
    from portal.services.legal import legal_document_publish_from_outgoing

    message_call(
        request,
        legal_document_publish_from_outgoing,
        actor=actor_from(request),
        document_key=key,
        success=_("Đã đăng văn bản lên cổng thông tin."),
    )
    return redirect("document-detail", key)
