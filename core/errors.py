"""Errors that carry a message for the user (business rules), as opposed to PermissionDenied (who)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError


class ApplicationError(Exception):
    def __init__(
        self, message: str, *, code: str = "invalid", extra: dict[str, Any] | None = None, status: int = 400
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.extra = extra or {}
        self.status = status  # the API's answer: 400, or 409 when the request repeats a done one


def validation_sentence(exc: ValidationError) -> str:
    """A ValidationError as one line for a command's exit message: `field: message ...`."""
    if hasattr(exc, "error_dict"):
        return " ".join(f"{field}: {' '.join(messages)}" for field, messages in exc.message_dict.items())
    return " ".join(exc.messages)


def form_add_validation_errors(form: Any, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: on its field when the form has one, above the
    fields when it names none."""
    if not hasattr(exc, "error_dict"):
        for error in exc.messages:
            form.add_error(None, error)
        return
    for field, errors in exc.message_dict.items():
        for error in errors:
            form.add_error(field if field in form.fields else None, error)
