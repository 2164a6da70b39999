"""DRF glue: every error leaves the API as a 4xx with a message, never a 500 for bad input."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, parsers
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core import paging
from core.errors import ApplicationError
from core.input import unfit_in_data


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        detail: Any = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, ApplicationError):
        return Response({"detail": exc.message, "code": exc.code, **exc.extra}, status=exc.status)
    return drf_exception_handler(exc, context)


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


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing with a 400 any string the database cannot store (a NUL, a lone
    surrogate), in a key or a value: the same rule as `core.input` for paths, queries and forms."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        data = super().parse(stream, media_type, parser_context)
        problem = unfit_in_data(data)
        if problem:
            raise exceptions.ParseError(problem)
        return data
