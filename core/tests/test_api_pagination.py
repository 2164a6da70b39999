"""A list view that names no paginator of its own still pages with the caps (core.api.Pagination):
`?limit=` in the millions is a page of 500, never the whole table."""

from __future__ import annotations

from typing import Any

from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from core.pagination import Pagination


class _PlainList(ListAPIView[Any]):
    pass


def test_a_list_view_without_a_paginator_of_its_own_gets_the_capped_one():
    paginator = _PlainList().paginator
    request = Request(APIRequestFactory().get("/anything/", {"limit": "100000000", "offset": "9" * 30}))

    assert isinstance(paginator, Pagination)
    assert paginator.get_limit(request) == Pagination.max_limit
    assert paginator.get_offset(request) == 10**9
