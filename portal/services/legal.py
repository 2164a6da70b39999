"""An issued outgoing document of the workspace, published on the portal in one step with its
metadata (number, notation, date, issuer, summary, file). Idempotent: one page per document."""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.db import transaction
from django.http import Http404
from django.utils.text import slugify
from django.utils.translation import gettext as _
from wagtail.documents.models import Document as PortalDocument
from wagtail.models import Site

from accounts.permissions import require_actor
from core.audit import Actor, audit_record
from core.errors import ApplicationError
from core.text import fold
from portal.models import LegalDocumentPage, SectionPage
from qlvbdh.models import Document
from qlvbdh.selectors.attachments import attachment_list, attachment_open
from qlvbdh.selectors.documents import document_get


def _own_name() -> str:
    """An outgoing document's issuer is the agency itself: the name its portal carries."""
    site = Site.objects.filter(is_default_site=True).first()
    return str(site.site_name) if site is not None and site.site_name else str(_("Cơ quan ban hành"))


def _slug(parent: SectionPage, base: str, key: str) -> str:
    slug = slugify(fold(base))[:60] or key[:8]
    if parent.get_children().filter(slug=slug).exists():
        slug = f"{slug}-{key[:8]}"
    return slug


@transaction.atomic
def legal_document_publish_from_outgoing(*, actor: Actor, document_key: str) -> LegalDocumentPage:
    """Only someone who publishes on the portal (P3: a secretary) and may see the document."""
    require_actor(actor, "portal.publish")
    document = document_get(reader=actor.user, key=document_key)
    if document is None:
        raise Http404
    if document.direction != Document.Direction.OUTGOING or document.status != Document.Status.ISSUED:
        raise ApplicationError(_("Chỉ văn bản đi đã ban hành mới được đăng lên cổng thông tin."))
    existing = LegalDocumentPage.objects.filter(source_uuid=document.uuid).first()
    if existing is not None:
        return existing
    section = SectionPage.objects.filter(kind=SectionPage.Kind.LEGAL).first()
    if section is None:
        raise ApplicationError(_("Cổng thông tin chưa có chuyên mục văn bản."))
    file = None
    attachment = attachment_list(reader=actor.user, document=document).first()
    if attachment is not None:
        with attachment_open(attachment=attachment) as handle:
            content = ContentFile(handle.read(), name=attachment.original_name)
        file = PortalDocument.objects.create(title=f"{document.number}/{document.notation}", file=content)
    page = LegalDocumentPage(
        title=document.summary[:255],
        slug=_slug(section, f"{document.number}-{document.notation}", document.uuid.hex),
        number=document.number,
        notation=document.notation,
        issued_on=document.issued_on or document.created_at.date(),
        issuer=document.issuer_name or _own_name(),
        summary=document.summary,
        file=file,
        source_uuid=document.uuid,
        live=False,
    )
    section.add_child(instance=page)
    page.save_revision(user=actor.user).publish(user=actor.user, skip_permission_checks=True)
    audit_record(actor=actor, action="portal.publish_outgoing", target=page, document=str(document.uuid))
    return page
