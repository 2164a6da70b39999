"""Sign-in in two steps: password, then (for privileged roles or enrolled people) a TOTP code.

The session becomes authenticated only after the last step: until then it holds just the id of
the person halfway through, for a few minutes.
"""

from __future__ import annotations

import base64
import time
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, user_login_failed
from django.contrib.auth import login as auth_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import login as otp_login
from django_otp import match_token, user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.forms import LoginForm, TokenForm
from accounts.security import login_turn, login_wait, second_factor_required
from accounts.services.credentials import (
    second_factor_confirm,
    second_factor_pending_device,
    sign_in_completed,
)
from accounts.services.logins import login_event_record
from core.audit import Actor
from core.http import client_ip

_PENDING = "tinhso_pending_login"
_PENDING_SECONDS = 300
_MAX_TOKEN_FAILURES = 5


def _safe_next(request: HttpRequest, value: str | None) -> str:
    if value and url_has_allowed_host_and_scheme(value, allowed_hosts={request.get_host()}):
        return value
    return reverse(settings.LOGIN_REDIRECT_URL)


def _pending_user(request: HttpRequest) -> tuple[Any, dict[str, Any]] | tuple[None, None]:
    pending = request.session.get(_PENDING)
    if not pending or time.time() - pending.get("at", 0) > _PENDING_SECONDS:
        request.session.pop(_PENDING, None)
        return None, None
    user = get_user_model().objects.filter(pk=pending["uid"], is_active=True, locked_at__isnull=True).first()
    if user is None:
        request.session.pop(_PENDING, None)
        return None, None
    return user, pending


def _finish(request: HttpRequest, user: Any, backend: str, device: Any, next_url: str) -> HttpResponse:
    request.session.pop(_PENDING, None)
    auth_login(request, user, backend=backend)
    sign_in_completed(user=user, device=device)
    if device is not None:
        otp_login(request, device)
    return HttpResponseRedirect(next_url)


@sensitive_post_parameters()
@csrf_protect
@never_cache
def login_view(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if request.user.is_authenticated:
        return HttpResponseRedirect(next_url)
    if request.method != "POST":
        return render(request, "registration/login.html", {"form": LoginForm(request), "next": next_url})
    username = str(request.POST.get("username", ""))[:255]
    with login_turn(request, username) as wait:
        # Within the wait no password is checked, so a right one tells a guesser nothing either.
        if wait:
            return lockout_response(request, credentials={"username": username}, wait=wait)
        form = LoginForm(request, data=request.POST)
        checked = form.is_valid()
    if checked:
        user = form.get_user()
        if not second_factor_required(user):
            return _finish(request, user, user.backend, None, next_url)
        request.session[_PENDING] = {
            "uid": user.pk,
            "backend": user.backend,
            "at": time.time(),
            "next": next_url,
            "failures": 0,
        }
        step = "login-verify" if user_has_device(user) else "login-setup"
        return redirect(step)
    return render(request, "registration/login.html", {"form": form, "next": next_url})


def _token_failed(request: HttpRequest, user: Any, pending: dict[str, Any]) -> None:
    """A wrong code counts towards the same lockout as a wrong password."""
    pending["failures"] = pending.get("failures", 0) + 1
    request.session[_PENDING] = pending
    login_event_record(request, username=user.username, user=user, kind="otp_failure")
    user_login_failed.send(sender=__name__, credentials={"username": user.username}, request=request)
    if pending["failures"] >= _MAX_TOKEN_FAILURES:
        request.session.pop(_PENDING, None)


@sensitive_post_parameters()
@csrf_protect
@never_cache
def login_verify_view(request: HttpRequest) -> HttpResponse:
    user, pending = _pending_user(request)
    if user is None or pending is None:
        messages.info(request, _("Vui lòng đăng nhập lại."))
        return redirect("login")
    if not user_has_device(user):
        return redirect("login-setup")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with login_turn(request, user.username) as wait:
            if wait:
                return lockout_response(request, credentials={"username": user.username}, wait=wait)
            device = match_token(user, form.cleaned_data["token"])
            if device is None:
                _token_failed(request, user, pending)
        if device is not None:
            return _finish(request, user, pending["backend"], device, pending["next"])
        if _PENDING not in request.session:
            messages.error(request, _("Sai mã xác thực quá nhiều lần; vui lòng đăng nhập lại."))
            return redirect("login")
        form.add_error("token", _("Mã xác thực không đúng hoặc đã hết hạn."))
    return render(request, "accounts/login_verify.html", {"form": form, "person": user})


def _qr_svg(url: str) -> str:
    import segno  # only at enrolment: 0.6 MB a web worker would carry otherwise

    return str(segno.make(url, error="m").svg_inline(scale=4))


def _secret_of(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode().rstrip("=")


@sensitive_post_parameters()
@csrf_protect
@never_cache
def login_setup_view(request: HttpRequest) -> HttpResponse:
    """First sign-in of a privileged account: enrol an authenticator app, then finish signing in."""
    user, pending = _pending_user(request)
    if user is None or pending is None:
        messages.info(request, _("Vui lòng đăng nhập lại."))
        return redirect("login")
    if user_has_device(user):
        return redirect("login-verify")
    device = second_factor_pending_device(user=user, device_id=pending.get("device"))
    if pending.get("device") != device.pk:
        pending["device"] = device.pk
        request.session[_PENDING] = pending
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        actor = Actor(user=user, ip=client_ip(request))
        with login_turn(request, user.username) as wait:
            if wait:
                return lockout_response(request, credentials={"username": user.username}, wait=wait)
            token = form.cleaned_data["token"]
            confirmed = second_factor_confirm(actor=actor, user=user, device=device, token=token)
            if not confirmed:
                _token_failed(request, user, pending)
        if confirmed:
            return _finish(request, user, pending["backend"], device, pending["next"])
        if _PENDING not in request.session:
            messages.error(request, _("Sai mã xác thực quá nhiều lần; vui lòng đăng nhập lại."))
            return redirect("login")
        form.add_error("token", _("Mã xác thực không đúng; kiểm tra giờ trên điện thoại và thử lại."))
    return render(
        request,
        "accounts/login_setup.html",
        {"form": form, "person": user, "qr": _qr_svg(device.config_url), "secret": _secret_of(device)},
    )


def lockout_message(wait: int) -> str:
    return _(
        "Đăng nhập sai nhiều lần: vui lòng chờ %(s)s giây rồi thử lại. "
        "Nếu không phải bạn, hãy báo cán bộ phụ trách CNTT của đơn vị."
    ) % {"s": wait}


def lockout_response(
    request: HttpRequest, original_response: Any = None, credentials: Any = None, wait: int | None = None
) -> HttpResponse:
    """A login heard too soon after repeated failures: 429 with how many seconds to wait."""
    username = str((credentials or {}).get("username") or request.POST.get("username", ""))[:255]
    username = username.strip().lower()
    if wait is None:
        wait = login_wait(request, username) or 1
    login_event_record(
        request,
        username=username,
        user=get_user_model().objects.filter(username=username).first(),
        kind="locked_out",
    )
    message = lockout_message(wait)
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"detail": message, "code": "locked_out"}, status=429)
    else:
        form = LoginForm(request)
        response = render(request, "registration/login.html", {"form": form, "lockout": message}, status=429)
    response["Retry-After"] = str(wait)
    return response
