"""Lists that do not count the whole table: an exact count up to a cap, "more than" past it.

A `COUNT(*)` over a register of a million documents reads all of them, however few rows a page
shows; counting at most COUNT_CAP + 1 rows reads at most that many, from the list's own index."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property

COUNT_CAP = 1000


def capped_count(queryset: Any, cap: int) -> int:
    """The number of rows, counting at most `cap` + 1 of them (more than `cap`: `cap` + 1).

    The list's order is kept: with it PostgreSQL may walk the order's index and stop after `cap`
    + 1 matches, where without it a frequent search word would have it collect every match."""
    if isinstance(queryset, list):
        return min(len(queryset), cap + 1)
    if isinstance(queryset, OrderedUnion):
        return queryset.capped_count(cap)
    return int(queryset[: cap + 1].count())


class OrderedUnion:
    """The rows of disjoint querysets as one list in one order, read a slice at a time.

    `WHERE a = 1 OR b = 2 ORDER BY x` has no index in the list's order, so PostgreSQL joins and
    sorts every matching row to return the first page. `(... WHERE a = 1 ORDER BY x LIMIT n) UNION
    ALL (... WHERE b = 2 ORDER BY x LIMIT n) ORDER BY x LIMIT n` reads at most n rows of each part
    from its own `(a, x)` / `(b, x)` index, already in order, and merges them (Merge Append:
    PostgreSQL 15 merges a UNION ALL in order only when its parts are cut like this); the slice's
    rows are then loaded by
    primary key through `load` (its joins, annotations), in the keys' order. The parts must not
    overlap (a row in two parts would be listed twice), and `order` must end with a unique field.
    Slicing gives a list (what the paginators read); `capped_count` counts at most cap + 1 keys."""

    ordered = True  # for Paginator's warning about unordered lists

    def __init__(
        self, parts: Sequence[QuerySet[Any]], order: Sequence[str], load: Callable[[], QuerySet[Any]]
    ) -> None:
        if not parts:
            raise ValueError("an OrderedUnion needs at least one part")
        self.parts = list(parts)
        self.order = list(order)
        self.load = load

    def _keys(self, stop: int | None) -> QuerySet[Any]:
        """The parts' keys, each part cut at `stop` rows in the list's order (an index walk that
        stops there), as one UNION ALL."""
        fields = [name.lstrip("-") for name in self.order]
        parts = [part.values_list("pk", *fields).order_by(*self.order) for part in self.parts]
        if len(parts) == 1:
            return parts[0]  # the caller orders and cuts it
        if stop is not None:
            parts = [part[:stop] for part in parts]
        first, *rest = parts
        return first.union(*rest, all=True)

    def capped_count(self, cap: int) -> int:
        return int(self._keys(cap + 1)[: cap + 1].count())

    def __getitem__(self, item: slice) -> list[Any]:
        if not isinstance(item, slice) or item.step is not None:
            raise TypeError("an OrderedUnion is read by slices")
        keys = [row[0] for row in self._keys(item.stop).order_by(*self.order)[item]]
        if not keys:
            return []
        rows = self.load().in_bulk(keys)
        return [rows[key] for key in keys if key in rows]


class CappedPage(Page[Any]):
    """A page that knows whether another follows from one row read past it, not from the count."""

    more = False

    def has_next(self) -> bool:
        return self.more

    def end_index(self) -> int:
        return int(self.start_index()) + len(self.object_list) - 1 if self.object_list else 0


class CappedPaginator(Paginator[Any]):
    """Django's paginator with the count capped: past COUNT_CAP rows the last page is unknown, so
    every page number is accepted and an empty page past the end is a 404 (`page`) or the first
    page (`get_page`). Templates show `paginator.count` with `paginator.capped` ("hơn 1.000")."""

    def __init__(self, object_list: Any, per_page: int, cap: int | None = None) -> None:
        super().__init__(object_list, per_page)
        self.cap = COUNT_CAP if cap is None else cap

    @cached_property
    def count(self) -> int:
        return capped_count(self.object_list, self.cap)

    @property
    def capped(self) -> bool:
        return self.count > self.cap

    @cached_property
    def num_pages(self) -> int:
        if self.capped:
            return 10**9 // self.per_page  # unknown: as many as a page number may name
        return int(super().num_pages)

    def page(self, number: Any) -> Any:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
        if not rows and number > 1:
            raise EmptyPage(self.error_messages["no_results"])
        page = CappedPage(rows[: self.per_page], number, self)
        page.more = len(rows) > self.per_page
        return page

    def get_page(self, number: Any) -> Any:
        try:
            return self.page(number)
        except (PageNotAnInteger, EmptyPage):
            return self.page(1)
