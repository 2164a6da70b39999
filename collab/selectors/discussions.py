"""Reads of discussions: the threads a person may see with their unread counts, a thread's messages."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from accounts.permissions import permitted
from collab.models import Message, Thread, ThreadRead
from core.ids import is_uuid

PAGE = 100


def _read_marker(reader: Any) -> Any:
    return Coalesce(
        Subquery(
            ThreadRead.objects.filter(thread_id=OuterRef("pk"), user_id=reader.pk).values("last_message_id")[
                :1
            ],
            output_field=IntegerField(),
        ),
        Value(0),
    )


def thread_list(*, reader: Any) -> QuerySet[Thread]:
    """Threads the reader may see that have messages, or that they are a member of; newest first,
    each with `unread`: others' messages after the reader's marker."""
    threads = permitted(reader, "collab.view", Thread).annotate(read_upto=_read_marker(reader))
    return (
        threads.annotate(
            unread=Count(
                "messages",
                filter=Q(messages__id__gt=F("read_upto")) & ~Q(messages__author_id=reader.pk),
            )
        )
        .filter(Q(last_message_at__isnull=False) | Q(kind__in=["channel", "direct"]))
        .select_related("document", "dossier")
        .prefetch_related("members")
        .order_by("-last_message_at", "-id")
    )


def unread_thread_count(*, reader: Any) -> int:
    """How many threads the reader may see hold messages they have not read (the home page)."""
    unread = Message.objects.filter(thread_id=OuterRef("pk"), id__gt=OuterRef("read_upto")).exclude(
        author_id=reader.pk
    )
    return (
        permitted(reader, "collab.view", Thread)
        .filter(last_message_at__isnull=False)
        .annotate(read_upto=_read_marker(reader))
        .filter(Exists(unread))
        .count()
    )


def thread_get(*, reader: Any, key: str) -> Thread | None:
    if not is_uuid(key):
        return None
    return (
        permitted(reader, "collab.view", Thread)
        .select_related("document", "dossier")
        .filter(uuid=key)
        .first()
    )


def thread_of_document(*, reader: Any, document: Any) -> Thread | None:
    return permitted(reader, "collab.view", Thread).filter(document=document).first()


def thread_of_dossier(*, reader: Any, dossier: Any) -> Thread | None:
    return permitted(reader, "collab.view", Thread).filter(dossier=dossier).first()


def message_list(*, reader: Any, thread: Thread, after: int = 0) -> list[Message]:
    """The thread's messages after id `after` (the last PAGE of them), oldest first, with revisions."""
    messages = (
        permitted(reader, "collab.view", Message)
        .filter(thread=thread, id__gt=after)
        .select_related("author")
        .prefetch_related("revisions")
        .order_by("-id")[:PAGE]
    )
    return list(reversed(list(messages)))


def message_get(*, reader: Any, key: str) -> Message | None:
    if not is_uuid(key):
        return None
    return (
        permitted(reader, "collab.view", Message).select_related("thread", "author").filter(uuid=key).first()
    )
