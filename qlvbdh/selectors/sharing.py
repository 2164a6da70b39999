"""Who a document or a dossier is shared with, and whom one may share with (writes: services.sharing)."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import OrgUnit, User
from qlvbdh.models import Document, Dossier
from qlvbdh.share_models import DocumentShare, DossierShare


def document_shares(*, document: Document) -> QuerySet[DocumentShare]:
    """Who a document is shared with (the caller has resolved the document through what the
    reader may see)."""
    return DocumentShare.objects.filter(document=document).select_related("user", "unit").order_by("id")


def dossier_shares(*, dossier: Dossier) -> QuerySet[DossierShare]:
    return DossierShare.objects.filter(dossier=dossier).select_related("user", "unit").order_by("id")


def share_people() -> QuerySet[User]:
    """Whom one may share with: active, unlocked people of the agency (Vietnamese order by name)."""
    return User.objects.filter(is_active=True, locked_at__isnull=True, deactivated_at__isnull=True).order_by(
        "folded_name", "username"
    )


def share_units() -> QuerySet[OrgUnit]:
    return OrgUnit.objects.filter(is_active=True).order_by("folded_name")
