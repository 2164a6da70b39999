"""Work dossiers, as the reader may see them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from accounts.permissions import can
from qlvbdh.models import Document, Dossier


def dossier_list(*, reader: Any, year: int | None = None) -> QuerySet[Dossier]:
    if not can(reader, "qlvbdh.view_documents"):
        return Dossier.objects.none()
    dossiers = Dossier.objects.select_related("owner")
    return dossiers.filter(year=year) if year else dossiers


def dossier_documents(dossier: Dossier) -> list[Document]:
    """In date order: the document's own date, else when it was registered or made."""
    documents = list(dossier.documents.all())

    def when(document: Document) -> tuple[datetime, int]:
        if document.issued_on is not None:
            moment = datetime.combine(
                document.issued_on, datetime.min.time(), tzinfo=timezone.get_current_timezone()
            )
        else:
            moment = timezone.localtime(document.registered_at or document.created_at)
        return moment, document.pk

    return sorted(documents, key=when)
