"""API authentication that keeps the login rules: locked or half-signed-in accounts get a 401/403
with a sentence, and an account that needs a second factor cannot use a bare password."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from accounts.models import USERNAME_MAX_LENGTH
from accounts.security import account_throttle_clear, login_wait, second_factor_required
from core.input import unfit_text


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


class VerifiedBasicAuthentication(authentication.BasicAuthentication):
    def authenticate_credentials(self, userid: str, password: str, request: Any = None) -> tuple[Any, None]:
        # What cannot be a credential is bad input (400), refused before authentication, the
        # lockout records or the database see it; a wrong one is a 401.
        problem = unfit_text(userid, _("Tên đăng nhập")) or unfit_text(password, _("Mật khẩu"))
        if not problem and len(userid) > USERNAME_MAX_LENGTH:
            problem = _("Không có tài khoản nào có tên dài quá %(limit_value)d ký tự.") % {
                "limit_value": USERNAME_MAX_LENGTH
            }
        if problem:
            raise exceptions.ParseError(problem)
        wait = login_wait(getattr(request, "_request", request), userid) if request is not None else 0
        if wait:
            raise exceptions.Throttled(
                wait=wait, detail=_("Quá nhiều lần đăng nhập sai; hãy thử lại sau ít giây.")
            )
        user, auth = super().authenticate_credentials(userid, password, request)
        account_throttle_clear(user.get_username())
        _check(user, verified=False)
        return user, auth
