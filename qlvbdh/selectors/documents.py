"""Documents the reader may see: the filtered list, one by key, its timeline."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.postgres.search import SearchQuery
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.permissions import permitted
from core.ids import is_uuid
from core.text import fold_words
from qlvbdh.models import Assignment, Document, DocumentEvent

SEARCH_FILTERS = ("direction", "q", "type", "status", "urgency", "start", "end", "unit")
SEARCH_MAX_WORDS = 10


def search_words_query(q: str) -> str:
    """The tsquery text for `q`: every folded word as a prefix, all required ('' when none).
    Words are [a-z0-9] runs (core.text.fold_words), so nothing in them is tsquery syntax."""
    return " & ".join(f"{word}:*" for word in fold_words(q)[:SEARCH_MAX_WORDS])


def document_list(
    *,
    reader: Any,
    direction: str = "",
    q: str = "",
    type: str = "",
    status: str = "",
    urgency: str = "",
    start: date | None = None,
    end: date | None = None,
    unit: str = "",
) -> QuerySet[Document]:
    """Documents the reader may see (need-to-know: qlvbdh.permissions), filtered; `q` matches
    metadata and attachment text without diacritics or case (all words, in any order, each the
    start of a word: the full-text index, not the trigrams, so it stays fast at a million rows)."""
    documents = (
        permitted(reader, "qlvbdh.view_documents", Document)
        .select_related("register")
        .defer("search_text", "search_words")
    )
    if direction:
        documents = documents.filter(direction=direction)
    words = search_words_query(q)
    if words:
        # Document.search_words, GIN-indexed: each word of the query starts a word of the document
        # ("dau tu cong" finds "đầu tư công", "ubnd" finds "QĐ-UBND").
        documents = documents.filter(search_words=SearchQuery(words, config="simple", search_type="raw"))
    if type:
        documents = documents.filter(document_type=type)
    if status:
        documents = documents.filter(status=status)
    if urgency:
        documents = documents.filter(urgency=urgency)
    if start is not None:
        documents = documents.filter(registered_at__gte=_local_midnight(start))
    if end is not None:
        documents = documents.filter(registered_at__lt=_local_midnight(end + timedelta(days=1)))
    if unit and is_uuid(unit):
        # A subquery, not a join: a document assigned to the unit twice is listed once, without DISTINCT.
        documents = documents.filter(pk__in=Assignment.objects.filter(unit__uuid=unit).values("document_id"))
    return documents.order_by("-registered_at", "-id")


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def document_get(*, reader: Any, key: str) -> Document | None:
    if not is_uuid(key):
        return None
    return document_list(reader=reader).filter(uuid=key).first()


def document_get_or_404(*, reader: Any, key: str) -> Document:
    """A document the reader may see, else a 404 (no hint that it exists)."""
    document = document_get(reader=reader, key=key)
    if document is None:
        raise Http404
    return document


def document_timeline(*, reader: Any, document: Document) -> QuerySet[DocumentEvent]:
    """The document's timeline, as far as the reader may see it (all of it, or nothing)."""
    return (
        permitted(reader, "qlvbdh.view_documents", DocumentEvent)
        .filter(document=document)
        .order_by("at", "id")
    )
