"""Work dossiers, as the reader may see them (need-to-know: qlvbdh.permissions)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.permissions import permitted
from qlvbdh.models import Document, Dossier, DossierDocument


def dossier_list(*, reader: Any, year: int | None = None, with_counts: bool = False) -> QuerySet[Dossier]:
    """The dossiers the reader owns or that are shared with them or their unit; `with_counts`
    adds `document_count`: the documents in it that the reader may see (one query for the page)."""
    dossiers = permitted(reader, "qlvbdh.view_documents", Dossier).select_related("owner")
    if with_counts:
        visible = permitted(reader, "qlvbdh.view_documents", Document).order_by().values("pk")
        dossiers = dossiers.annotate(
            document_count=Coalesce(
                Subquery(
                    DossierDocument.objects.filter(dossier=OuterRef("pk"), document__in=visible)
                    .order_by()
                    .values("dossier")
                    .annotate(n=Count("pk"))
                    .values("n"),
                    output_field=IntegerField(),
                ),
                0,
            )
        )
    return dossiers.filter(year=year) if year else dossiers


def dossier_documents(dossier: Dossier, *, reader: Any = None) -> list[Document]:
    """In date order: the document's own date, else when it was registered or made. With a
    reader, only the documents that person may see: sharing a dossier shares no document."""
    documents_in = dossier.documents.all()
    if reader is not None:
        documents_in = documents_in.filter(
            pk__in=permitted(reader, "qlvbdh.view_documents", Document).order_by().values("pk")
        )
    documents = list(documents_in)

    def when(document: Document) -> tuple[datetime, int]:
        if document.issued_on is not None:
            moment = datetime.combine(
                document.issued_on, datetime.min.time(), tzinfo=timezone.get_current_timezone()
            )
        else:
            moment = timezone.localtime(document.registered_at or document.created_at)
        return moment, document.pk

    return sorted(documents, key=when)
