"""One way for an HTML view to turn a service's refusal into what the person sees.

A view parses, calls one service through `form_call` (the refusal lands on the form: a
ValidationError on its fields, an ApplicationError above them) or `message_call` (an action from
a page: the outcome as a flash message), and renders or redirects. PermissionDenied is not caught:
Django answers it with the 403 page. The API's counterpart is `core.api.exception_handler`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, Generic, TypeVar

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.views.defaults import permission_denied

from core.errors import ApplicationError, form_add_validation_errors

T = TypeVar("T")


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What a service call gave: its value, or the code of the refusal ("" when it went through)."""

    value: T | None = None
    refused: str = ""

    @property
    def ok(self) -> bool:
        return not self.refused


def error_message(exc: ValidationError | ApplicationError) -> str:
    if isinstance(exc, ApplicationError):
        return exc.message
    return " ".join(exc.messages)


def form_call(form: Any, service: Callable[..., T], /, *args: Any, **kwargs: Any) -> Outcome[T]:
    """Call the service for a bound, valid form; a refusal is shown on the form."""
    try:
        return Outcome(service(*args, **kwargs))
    except ValidationError as exc:
        form_add_validation_errors(form, exc)
        return Outcome(refused="invalid")
    except ApplicationError as exc:
        form.add_error(None, exc.message)
        return Outcome(refused=exc.code)


def message_call(
    request: HttpRequest, service: Callable[..., T], /, *args: Any, success: str, **kwargs: Any
) -> Outcome[T]:
    """Call the service for an action on a page; the outcome becomes a flash message."""
    try:
        value = service(*args, **kwargs)
    except (ValidationError, ApplicationError) as exc:
        messages.error(request, error_message(exc))
        return Outcome(refused=getattr(exc, "code", None) or "invalid")
    messages.success(request, success)
    return Outcome(value)


def refusal_as_403(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """For the project's pages inside Wagtail's admin: Wagtail turns a PermissionDenied into a
    redirect to its dashboard; these answer 403, as every other page does."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied as exc:
            return permission_denied(request, exc)

    return guarded
