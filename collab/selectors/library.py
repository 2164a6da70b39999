"""Reads of the shared library: the folders and documents a person may see, search inside files."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch, QuerySet

from accounts.permissions import permitted
from collab.models import FileVersion, Folder, LibraryItem
from core.ids import is_uuid
from core.text import fold


def folder_list(*, reader: Any) -> QuerySet[Folder]:
    return (
        permitted(reader, "collab.view", Folder)
        .annotate(item_count=Count("items"))
        .order_by("folded_name", "id")
    )


def folder_get(*, reader: Any, key: str) -> Folder | None:
    if not is_uuid(key):
        return None
    return permitted(reader, "collab.view", Folder).select_related("created_by").filter(uuid=key).first()


def item_list(*, reader: Any, folder: Folder | None = None, q: str = "") -> QuerySet[LibraryItem]:
    """Documents the reader may see; `q` matches title and the current version's text, without
    diacritics or case (all words, in any order)."""
    items = permitted(reader, "collab.view", LibraryItem).select_related("folder").defer("search_text")
    if folder is not None:
        items = items.filter(folder=folder)
    for word in fold(q.replace("\x00", "")).split()[:10]:
        items = items.filter(search_text__contains=word)
    return items.prefetch_related(
        Prefetch("versions", queryset=FileVersion.objects.defer("extracted_text").order_by("-number"))
    ).order_by("title", "id")


def item_get(*, reader: Any, key: str) -> LibraryItem | None:
    if not is_uuid(key):
        return None
    return item_list(reader=reader).filter(uuid=key).first()


def version_get(*, reader: Any, key: str) -> FileVersion | None:
    if not is_uuid(key):
        return None
    visible = permitted(reader, "collab.view", LibraryItem).order_by().values("pk")
    return FileVersion.objects.select_related("item").filter(uuid=key, item_id__in=visible).first()
