"""After authentication: end idle sessions, hold back half-signed-in privileged users, and send a
person with a temporary password to change it before anything else."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.security import second_factor_required

_OPEN_PREFIXES = ("/login/", "/logout/", "/i18n/", "/static/", "/healthz", "/media/")
_LAST_SEEN = "tinhso_last_seen"
_SIGNED_IN_AT = "tinhso_signed_in_at"


class AccountGuardMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self._guard(request)
        return response if response is not None else self.get_response(request)

    def _guard(self, request: HttpRequest) -> HttpResponse | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or request.path.startswith(_OPEN_PREFIXES):
            return None
        now = int(time.time())
        signed_in_at = request.session.setdefault(_SIGNED_IN_AT, now)
        last_seen = request.session.get(_LAST_SEEN)
        # Saving the session pushes its cookie's expiry on; the absolute limit is kept here.
        too_old = now - int(signed_in_at) > settings.SESSION_COOKIE_AGE
        if too_old or (last_seen is not None and now - int(last_seen) > settings.SESSION_IDLE_SECONDS):
            from accounts.services.logins import login_event_record

            login_event_record(request, username=user.get_username(), user=user, kind="expired")
            logout(request)
            messages.info(request, _("Phiên làm việc đã hết hạn; vui lòng đăng nhập lại."))
            return None  # the view now sees an anonymous user and asks for a login
        if last_seen is None or now - int(last_seen) > 60:
            request.session[_LAST_SEEN] = now  # at most one session write a minute
        if request.path.startswith("/api/"):
            return None  # accounts.api.authentication answers API calls with a message
        if second_factor_required(user) and not user.is_verified():
            # A role that needs a second factor was granted during this session, or the session
            # never passed it: sign in again through both steps.
            logout(request)
            messages.warning(request, _("Tài khoản cần xác thực hai lớp; vui lòng đăng nhập lại."))
            return redirect(f"{reverse('login')}?next={request.path}")
        if user.must_change_password and request.path != reverse("password-change"):
            return redirect("password-change")
        return None
