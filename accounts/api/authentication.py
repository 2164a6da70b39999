"""API authentication that keeps the login rules. Programs use personal tokens
(`Authorization: Bearer tinhso_…`, accounts.services.tokens); a browser its verified session.
A password is never taken by the API: Basic auth would let anyone test passwords (and tell a right
one from a wrong one for a two-factor account) outside the login pages' history and second factor.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request

from accounts.models import ApiToken
from accounts.security import second_factor_required
from accounts.services.tokens import Refusal, token_check, token_use_record


def _check(user: Any, *, verified: bool) -> None:
    if second_factor_required(user) and not verified:
        raise exceptions.AuthenticationFailed(
            _("Tài khoản này cần xác thực hai lớp: hãy đăng nhập qua trang web để dùng API.")
        )
    if user.must_change_password:
        raise exceptions.PermissionDenied(_("Hãy đổi mật khẩu tạm trước khi dùng hệ thống."))


class VerifiedSessionAuthentication(authentication.SessionAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, None] | None:
        result = super().authenticate(request)
        if result is not None:
            user = result[0]
            verified = bool(getattr(user, "is_verified", lambda: False)())
            _check(user, verified=verified)
        return result


class TokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer <token>`. A token lives in one tenant's schema, so it is only ever
    looked up on that tenant's hosts. A read token may only read (GET, HEAD, OPTIONS).
    `Authorization: Basic` is refused with a sentence saying what to use instead, not ignored."""

    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        parts = authentication.get_authorization_header(request).split()
        if parts and parts[0].lower() == b"basic":
            raise exceptions.AuthenticationFailed(
                _(
                    "API không nhận mật khẩu. Hãy tạo mã truy cập API ở trang “Tài khoản của tôi” → "
                    "“Mã truy cập API” và gửi tiêu đề Authorization: Bearer <mã>."
                )
            )
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                _("Tiêu đề Authorization phải có dạng: Bearer <mã truy cập API>.")
            )
        try:
            raw = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raw = ""
        found = token_check(raw)
        if isinstance(found, Refusal):
            raise exceptions.AuthenticationFailed(found.message)
        user = found.user
        # The token was made in a session that passed the second factor, when one is needed.
        _check(user, verified=True)
        if found.scope != ApiToken.Scope.WRITE and request.method not in SAFE_METHODS:
            raise exceptions.PermissionDenied(
                _("Mã truy cập API này chỉ được đọc; hãy dùng mã có quyền đọc và ghi.")
            )
        token_use_record(getattr(request, "_request", request), found)
        return user, found

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class TokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    """How the OpenAPI schema (and Swagger UI's Authorize button) describes the token."""

    target_class = "accounts.api.authentication.TokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token (tinhso_…), made at /account/tokens/.",
        }
