"""The portal's subscriptions: a new tenant gets its site, a change of roles its Wagtail groups,
and a publish or takedown empties the tenant's page cache."""

from __future__ import annotations

from typing import Any

from accounts.events import RolesChanged
from core.tenancy import current_schema, public_schema_name
from tenants.events import SpareMigrated, TenantCreated


def spare_migrated(event: SpareMigrated) -> None:
    """A spare schema gets the whole portal (pages, groups, workflow) before any tenant claims it."""
    portal_prepare()


def tenant_created(event: TenantCreated) -> None:
    """From a prepared spare only the site's host and name change (a few rows); else all is made."""
    from portal.services.site import portal_site_ensure, portal_site_rename

    if portal_site_rename() is None:
        portal_site_ensure()
        portal_prepare()


def portal_prepare() -> None:
    from portal.services.board import board_groups_ensure
    from portal.services.site import portal_site_ensure
    from portal.services.workflow import board_workflow_ensure

    portal_site_ensure()
    board_groups_ensure()
    board_workflow_ensure()


def roles_changed(event: RolesChanged) -> None:
    if current_schema() == public_schema_name():
        return  # the province's people have no portal
    from portal.services.board import board_groups_sync

    board_groups_sync(event.user)


def _page_changed(sender: Any, **kwargs: Any) -> None:
    from portal.cache import page_cache_clear
    from tenants.provisioning import SPARE_PREFIX

    if current_schema().startswith(SPARE_PREFIX):
        return  # a spare being prepared: nobody has cached any of its pages

    page_cache_clear()


def connect_page_signals() -> None:
    from wagtail.signals import page_published, page_slug_changed, page_unpublished, post_page_move

    page_published.connect(_page_changed, dispatch_uid="portal.cache.published")
    page_unpublished.connect(_page_changed, dispatch_uid="portal.cache.unpublished")
    page_slug_changed.connect(_page_changed, dispatch_uid="portal.cache.slug")
    post_page_move.connect(_page_changed, dispatch_uid="portal.cache.moved")


def outgoing_document_panel(reader: Any, document: Any) -> Any:
    """On an issued outgoing document's page: publish it on the portal (secretaries), or its link."""
    from accounts.permissions import can
    from portal.models import LegalDocumentPage
    from qlvbdh import events as document_events
    from qlvbdh.models import Document

    if document.direction != Document.Direction.OUTGOING or document.status != Document.Status.ISSUED:
        return None
    if not can(reader, "portal.publish"):
        return None
    page = LegalDocumentPage.objects.filter(source_uuid=document.uuid).first()
    return document_events.Panel(
        template="portal/_publish_outgoing_panel.html", context={"document": document, "page": page}
    )


def admin_unregister_tenant_cms() -> None:
    """Wagtail's and taggit's models live in tenant schemas only and have their own back office
    (/cms/): Django's admin (also the console's, on the public schema) does not list them."""
    from django.contrib import admin

    for model in list(admin.site._registry):
        if model._meta.app_label.startswith("wagtail") or model._meta.app_label in ("taggit", "portal"):
            admin.site.unregister(model)
