"""What a request may carry, checked before any view reads it.

- Its body's size, by route, from Content-Length before a byte of the body is read or written to
  disk (`REQUEST_BODY_LIMITS`, the first pattern matching the path; `REQUEST_MAX_BYTES` otherwise):
  the login pages take a few kilobytes, uploads the configured maximum. Beyond it: 413.
- Text the database can store: no NUL (PostgreSQL refuses it in text and JSON) and no lone
  surrogate (it has no UTF-8 form) in the path, the query string or a form. Otherwise: 400.
  JSON bodies are held to the same rule by the API's parser (`core.api.JSONParser`).

Both answers carry a sentence: JSON `{"detail", "code"}` for the API, a page otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

# A surrogate code point left in a str is a lone one: decoders pair the others into one character.
_UNFIT = re.compile("[\x00\ud800-\udfff]")
_MACHINE_PREFIXES = ("/api/", "/federation/", "/vxp/")


def _shown(name: str) -> str:
    """A field name fit to print back: unfit characters replaced, at most 40 characters."""
    return _UNFIT.sub("\ufffd", name)[:40]


def unfit_text(value: str, where: str) -> str:
    """Why `value` cannot be stored as text, as a sentence naming `where`; "" when it can."""
    found = _UNFIT.search(value)
    if found is None:
        return ""
    if found.group() == "\x00":
        return _("%(where)s có ký tự NUL (mã 0), không lưu được: hãy bỏ ký tự đó rồi gửi lại.") % {
            "where": where
        }
    return _(
        "%(where)s có ký tự Unicode không hợp lệ (nửa cặp surrogate), không lưu được: "
        "hãy gửi văn bản Unicode đúng chuẩn."
    ) % {"where": where}


def unfit_in_data(data: Any, path: str = "") -> str:
    """The first string (key or value) in parsed JSON that cannot be stored, as a sentence."""
    if isinstance(data, str):
        return unfit_text(data, _("Trường “%(name)s”") % {"name": _shown(path or "$")})
    if isinstance(data, dict):
        for key, value in data.items():
            where = f"{path}.{key}" if path else str(key)
            problem = unfit_text(str(key), _("Tên trường “%(name)s”") % {"name": _shown(where)})
            problem = problem or unfit_in_data(value, where)
            if problem:
                return problem
    elif isinstance(data, list):
        for index, value in enumerate(data):
            problem = unfit_in_data(value, f"{path}[{index}]")
            if problem:
                return problem
    return ""


def _unfit_in_pairs(pairs: Iterable[tuple[str, list[str]]], label: str) -> str:
    for key, values in pairs:
        where = label % {"name": _shown(key)}
        for text in (key, *values):
            problem = unfit_text(text, where)
            if problem:
                return problem
    return ""


def body_limit(path: str) -> int:
    for pattern, limit in settings.REQUEST_BODY_LIMITS:
        if re.match(pattern, path):
            return int(limit)
    return int(settings.REQUEST_MAX_BYTES)


def _declared_length(request: HttpRequest) -> int:
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0  # Django reads no body without a length it understands


def refusal_response(request: HttpRequest, *, status: int, code: str, message: str) -> HttpResponse:
    if request.path_info.startswith(_MACHINE_PREFIXES) or "json" in request.headers.get("Accept", ""):
        response: HttpResponse = JsonResponse({"detail": message, "code": code}, status=status)
    else:
        body = render_to_string("errors/bad_request.html", {"status": status, "message": message})
        response = HttpResponse(body, status=status, content_type="text/html; charset=utf-8")
    response["Cache-Control"] = "no-store"
    # Said here: the middleware that would add it runs after this one, and a client still sending
    # the refused body needs to know where the answer ends.
    response["Content-Length"] = str(len(response.content))
    return response


class RequestInputMiddleware:
    """Refuse an over-long body, then unstorable text, before any middleware or view reads them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = body_limit(request.path_info)
        length = _declared_length(request)
        if length > limit:
            return refusal_response(
                request,
                status=413,
                code="request_too_large",
                message=_("Dữ liệu gửi lên quá lớn: %(size)s byte, địa chỉ này nhận tối đa %(limit)s byte.")
                % {"size": length, "limit": limit},
            )
        problem = unfit_text(request.path_info, _("Đường dẫn")) or _unfit_in_pairs(
            request.GET.lists(), _("Tham số “%(name)s”")
        )
        if (
            not problem
            and request.method == "POST"
            and request.content_type == "application/x-www-form-urlencoded"
        ):
            problem = _unfit_in_pairs(request.POST.lists(), _("Trường “%(name)s”"))
        if problem:
            return refusal_response(request, status=400, code="unfit_text", message=problem)
        return self.get_response(request)
