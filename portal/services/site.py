"""The tenant's portal site: its Wagtail site record, home page and sections (idempotent)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Collection, Locale, Page, Site

from core.tenancy import current_schema, in_public
from core.text import fold
from portal.models import HomePage, SectionPage

logger = logging.getLogger(__name__)

# The sections of P1, in the order the menu shows them: (kind, title, routine column).
SECTIONS: list[tuple[str, str, bool]] = [
    (SectionPage.Kind.INTRO, "Giới thiệu", False),
    (SectionPage.Kind.NEWS, "Tin tức, sự kiện", False),
    (SectionPage.Kind.DIRECTION, "Văn bản chỉ đạo, điều hành", False),
    (SectionPage.Kind.PLANS, "Kế hoạch, chiến lược", False),
    (SectionPage.Kind.LEGAL, "Văn bản pháp quy", False),
    (SectionPage.Kind.SERVICES, "Dịch vụ công trực tuyến", False),
    (SectionPage.Kind.DIRECTORY, "Danh bạ cán bộ", False),
    (SectionPage.Kind.COMMENDATIONS, "Thi đua, khen thưởng", False),
    (SectionPage.Kind.RESEARCH, "Nghiên cứu, sáng kiến", False),
    (SectionPage.Kind.INBOX, "Bài gửi chờ biên tập", False),
]


def _portal_hosts() -> list[str]:
    from tenants.models import Domain

    schema = current_schema()
    with in_public():
        return list(
            Domain.objects.filter(tenant__schema_name=schema, purpose=Domain.Purpose.PORTAL)
            .order_by("id")
            .values_list("domain", flat=True)
        )


def _tenant_name() -> str:
    from tenants.models import Tenant

    schema = current_schema()
    with in_public():
        return str(Tenant.objects.filter(schema_name=schema).values_list("name", flat=True).first() or "")


def _site_port() -> int:
    return 443 if settings.HTTPS_ONLY else settings.PORTAL_SITE_PORT


@transaction.atomic
def portal_site_ensure() -> Site:
    """In the current tenant schema: the root page, a home page with the sections of P1, and the one
    Wagtail site, on the tenant's portal host. Safe to run again (it completes what is missing)."""
    locale, _created = Locale.objects.get_or_create(
        language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE)
    )
    if not Collection.objects.exists():
        Collection.add_root(name="Root")
    root = Page.get_first_root_node()
    if root is None:
        root = Page.add_root(title="Root", slug="root", locale=locale)
    # Wagtail's own migration leaves a "Welcome" page and a localhost site behind: not ours.
    Site.objects.exclude(root_page__content_type__model="homepage").delete()
    for stray in Page.objects.child_of(root).exact_type(Page):
        stray.delete()
    name = _tenant_name() or _("Cổng thông tin điện tử")
    home = HomePage.objects.child_of(root).first()
    if home is None:
        home = root.add_child(instance=HomePage(title=name, slug="home", locale=locale))
        home.save_revision().publish()
    existing = set(SectionPage.objects.child_of(home).values_list("kind", flat=True))
    for kind, title, routine in SECTIONS:
        if kind not in existing:
            inbox = kind == SectionPage.Kind.INBOX  # a drafts tray, never a public page
            section = SectionPage(
                title=title,
                slug=slugify(fold(title)),
                kind=kind,
                routine=routine,
                locale=locale,
                live=not inbox,
            )
            home.add_child(instance=section)
            if not inbox:
                section.save_revision().publish()
    hosts = _portal_hosts()
    hostname = hosts[0] if hosts else f"{current_schema()}.invalid"
    site = Site.objects.filter(is_default_site=True).first() or Site(is_default_site=True)
    site.hostname, site.port, site.root_page, site.site_name = hostname, _site_port(), home, name
    site.save()
    return site


def portal_site_rename() -> Site | None:
    """A prepared schema just claimed by a tenant: its site takes the tenant's portal host and name,
    and its home page the name (three UPDATEs). None when the schema has no prepared site."""
    site = Site.objects.filter(is_default_site=True, root_page__content_type__model="homepage").first()
    if site is None:
        return None
    hosts = _portal_hosts()
    name = _tenant_name() or site.site_name
    Site.objects.filter(pk=site.pk).update(
        hostname=hosts[0] if hosts else site.hostname, port=_site_port(), site_name=name
    )
    Page.objects.filter(pk=site.root_page_id).update(title=name, draft_title=name)
    Site.clear_site_root_paths_cache()
    return site
