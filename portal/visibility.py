"""Visibility bound to state: an image or a document file is served on the portal host only while a
live, public page uses it (the reference index records what each page's live content uses). On the
workspace host (the back office and its previews) only signed-in members of the editorial board
see files."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.http import HttpRequest
from wagtail.models import Page, ReferenceIndex

from accounts.permissions import user_roles
from portal import selectors
from portal.services.board import BOARD_ROLES


def _on_portal_host(request: HttpRequest) -> bool:
    domain = getattr(request, "domain", None)
    return getattr(domain, "purpose", None) == "portal"


def is_board_member(user: Any) -> bool:
    return bool(user.is_authenticated and user_roles(user) & set(BOARD_ROLES))


def object_used_by_visible_page(obj: Any) -> bool:
    page_type = ContentType.objects.get_for_model(Page)
    page_ids = (
        ReferenceIndex.get_references_to(obj)
        .filter(base_content_type=page_type)
        .values_list("object_id", flat=True)
    )
    ids = [int(pk) for pk in page_ids if str(pk).isdigit()]
    return bool(ids) and selectors.pages_visible().filter(pk__in=ids).exists()


def image_visible_to(request: HttpRequest, *, image_id: int, filter_spec: str) -> bool:
    from portal.models import PortalImage

    image = PortalImage.objects.filter(pk=image_id).first()
    if image is None:
        return False
    if not _on_portal_host(request):
        return is_board_member(request.user)
    return filter_spec != "original" and object_used_by_visible_page(image)


def document_visible_to(request: HttpRequest, document: Any) -> bool:
    if not _on_portal_host(request):
        return is_board_member(request.user)
    return object_used_by_visible_page(document) or _draft_under_consultation(document)


def _draft_under_consultation(document: Any) -> bool:
    """A draft put out for comments is public from its opening day on."""
    from django.utils import timezone

    from portal.models import Consultation

    return Consultation.objects.filter(document=document, opens_on__lte=timezone.localdate()).exists()
