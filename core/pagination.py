"""The API's paginator, in a module of its own: DRF imports it from its settings
(DEFAULT_PAGINATION_CLASS) before rest_framework.views has finished loading, which core.api
imports."""

from __future__ import annotations

from typing import Any

from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response

from core import paging


class Pagination(LimitOffsetPagination):
    """limit/offset with caps: a huge number is a big page, never a database error.

    The count is exact up to paging.COUNT_CAP; past it the list says `"count": COUNT_CAP` and
    `"count_capped": true` ("more than"): counting a whole register costs a scan of it, which
    would make every page as slow as the register is big. `next` comes from one row read past the
    page, not from the count."""

    max_limit = 500
    count_cap: int | None = None  # None: core.paging.COUNT_CAP

    def get_offset(self, request: Any) -> int:
        return min(super().get_offset(request), 10**9)

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> list[Any] | None:
        self.request = request
        self.limit = self.get_limit(request)
        if self.limit is None:
            return None
        self.offset = self.get_offset(request)
        cap = paging.COUNT_CAP if self.count_cap is None else self.count_cap
        rows = list(queryset[self.offset : self.offset + self.limit + 1])
        self.has_more = len(rows) > self.limit
        rows = rows[: self.limit]
        if self.offset == 0 and not self.has_more:
            self.count = len(rows)  # the whole list is on this page: nothing to count
        elif self.offset + len(rows) > cap:
            self.count = cap + 1
        else:
            self.count = paging.capped_count(queryset, cap)
        self.count_capped = self.count > cap
        if self.count_capped:
            self.count = cap
        if self.template is not None and (self.has_more or self.offset):
            self.display_page_controls = True
        return rows

    def get_next_link(self) -> str | None:
        return super().get_next_link() if self.has_more else None

    def get_paginated_response(self, data: Any) -> Response:
        response = super().get_paginated_response(data)
        response.data["count_capped"] = self.count_capped
        return response

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        described = super().get_paginated_response_schema(schema)
        described["properties"]["count_capped"] = {
            "type": "boolean",
            "description": "true: there are more than `count` items (the count stops at a cap)",
        }
        return described
