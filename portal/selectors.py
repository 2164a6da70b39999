"""Reads of the portal. The public side sees live, public pages only: every public list, search,
feed, sitemap and file check starts from `pages_visible()`."""

from __future__ import annotations

from typing import Any

from wagtail.models import Page, PageViewRestriction, Site
from wagtail.query import PageQuerySet

from accounts.selectors import staff_directory as accounts_staff_directory
from core.text import fold


def portal_site() -> Site | None:
    """This tenant's Wagtail site (one per schema, portal.services.portal_site_ensure)."""
    # Wagtail's own migration leaves a "Welcome" site in a schema nobody has prepared: not a portal.
    return (
        Site.objects.filter(
            is_default_site=True,
            root_page__content_type__app_label="portal",
            root_page__content_type__model="homepage",
        )
        .select_related("root_page")
        .first()
    )


def pages_visible(root: Page | None = None) -> PageQuerySet:
    """Live pages without a view restriction, inside this tenant's site (or under `root`)."""
    if root is None:
        site = portal_site()
        if site is None:
            return Page.objects.none()
        root = site.root_page
    restricted = PageViewRestriction.objects.values_list("page__path", flat=True)
    pages = Page.objects.live().descendant_of(root, inclusive=True)
    for path in restricted:
        pages = pages.exclude(path__startswith=path)
    return pages


def page_is_visible(page: Page) -> bool:
    return pages_visible().filter(pk=page.pk).exists()


def sections_visible(home: Page) -> PageQuerySet:
    from portal.models import SectionPage

    return pages_visible(home).type(SectionPage).child_of(home).specific().order_by("path")


def children_visible(parent: Page) -> PageQuerySet:
    return pages_visible(parent).child_of(parent).specific().order_by("-first_published_at", "-id")


def articles_latest(root: Page | None = None, *, limit: int = 20) -> list[Page]:
    """The newest published items (articles, documents, procedures) for the home page and feeds."""
    from portal.models import ArticlePage, LegalDocumentPage, PublicServicePage

    pages = pages_visible(root).type(ArticlePage, LegalDocumentPage, PublicServicePage)
    return list(pages.specific().order_by("-first_published_at", "-id")[:limit])


def articles_for_sector(root: Page | None = None, *, limit: int = 30) -> list[Page]:
    """Live, public articles marked for the sector (decision Điều 2), newest first: the sector's feed."""
    from portal.models import ArticlePage, Importance

    visible = pages_visible(root).type(ArticlePage).values("pk")
    rows = ArticlePage.objects.filter(pk__in=visible, importance=Importance.SECTOR)
    return list(rows.order_by("-first_published_at", "-id")[:limit])


def page_search(query: str, *, limit: int = 50) -> list[Page]:
    """Search that ignores diacritics: "dau tu cong" finds "đầu tư công" (the index holds folded words)."""
    folded = " ".join(fold(query).split())[:200]
    if not folded:
        return []
    results: Any = pages_visible().specific().search(folded, operator="and")
    return list(results[:limit])


def staff_directory() -> Any:
    return accounts_staff_directory()


def items_overdue(*, now: Any = None) -> list[Any]:
    """Approved items still waiting for publication past PORTAL_PUBLISH_DUE_HOURS (P3): task states of
    the publish step in progress, oldest first."""
    import datetime

    from django.conf import settings
    from django.utils import timezone
    from wagtail.models import TaskState

    from portal.models import BoardTask

    limit = (now or timezone.now()) - datetime.timedelta(hours=settings.PORTAL_PUBLISH_DUE_HOURS)
    return list(
        TaskState.objects.filter(
            status=TaskState.STATUS_IN_PROGRESS,
            task__in=BoardTask.objects.filter(step=BoardTask.Step.PUBLISH),
            started_at__lt=limit,
        ).order_by("started_at", "id")
    )
