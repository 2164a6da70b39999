"""The signed-in person's own account: profile, password, second factor, login history."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash, user_login_failed
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import user_has_device

from accounts import selectors
from accounts.forms import ApiTokenForm, PasswordChangeForm, TokenForm
from accounts.models import User
from accounts.security import second_factor_mandatory
from accounts.services.credentials import password_change, second_factor_confirm, second_factor_pending_device
from accounts.services.tokens import token_create, token_revoke
from accounts.views.login import _qr_svg, _secret_of, lockout_message, lockout_response
from core.audit import Actor
from core.errors import ApplicationError, form_add_validation_errors

_ENROLLING = "tinhso_enrolling_device"


@login_required
def my_account_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    return render(
        request,
        "accounts/me.html",
        {
            "person": user,
            "has_device": user_has_device(user),
            "second_factor_mandatory": second_factor_mandatory(user),
            "events": selectors.login_events_of(user=cast(User, user))[:10],
        },
    )


@login_required
def my_logins_view(request: HttpRequest) -> HttpResponse:
    events = selectors.login_events_of(user=cast(User, request.user))[:200]
    return render(request, "accounts/my_logins.html", {"events": events})


def _guessing_locked_out(request: HttpRequest) -> bool:
    """A wrong current password counts like a wrong login: guessing from an open session signs out."""
    from accounts.security import login_wait

    username = request.user.get_username()
    credentials = {"username": username}
    user_login_failed.send(sender=__name__, credentials=credentials, request=request)
    return bool(login_wait(request, username))


@sensitive_post_parameters()
@never_cache
@login_required
def password_change_view(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        from accounts.security import login_turn

        username = request.user.get_username()
        with login_turn(request, username) as wait:
            if wait:  # the current password is not checked within the wait, as at the login page
                form.add_error(None, lockout_message(wait))
                response = render(request, "accounts/password_change.html", {"form": form}, status=429)
                response["Retry-After"] = str(wait)
                return response
            try:
                user = password_change(
                    actor=Actor.from_request(request),
                    user=request.user,  # type: ignore[arg-type]
                    old_password=form.cleaned_data["old_password"],
                    new_password=form.cleaned_data["new_password"],
                )
                failed = False
            except ValidationError as exc:
                form_add_validation_errors(form, exc)
                failed = True
                if "old_password" in exc.message_dict and _guessing_locked_out(request):
                    logout(request)
                    return lockout_response(request, credentials={"username": username})
            except ApplicationError as exc:
                form.add_error(None, exc.message)
                failed = True
        if not failed:
            device = getattr(request.user, "otp_device", None)
            update_session_auth_hash(request, user)  # this session stays; others end
            if device is not None:
                otp_login(request, device)
            messages.success(request, _("Đã đổi mật khẩu."))
            return redirect("my-account")
    return render(request, "accounts/password_change.html", {"form": form})


@never_cache
@login_required
def my_second_factor_view(request: HttpRequest) -> HttpResponse:
    """Anyone may turn TOTP on for their own account; privileged roles already have it."""
    user = request.user
    if user_has_device(user):
        messages.info(request, _("Tài khoản đã bật xác thực hai lớp."))
        return redirect("my-account")
    person = cast(User, user)
    device = second_factor_pending_device(user=person, device_id=request.session.get(_ENROLLING))
    request.session[_ENROLLING] = device.pk
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["token"]
        if second_factor_confirm(actor=Actor.from_request(request), user=person, device=device, token=token):
            request.session.pop(_ENROLLING, None)
            otp_login(request, device)
            messages.success(request, _("Đã bật xác thực hai lớp."))
            return redirect("my-account")
        form.add_error("token", _("Mã xác thực không đúng; kiểm tra giờ trên điện thoại và thử lại."))
    return render(
        request,
        "accounts/second_factor_setup.html",
        {"form": form, "qr": _qr_svg(device.config_url), "secret": _secret_of(device)},
    )


@never_cache
@login_required
def my_tokens_view(request: HttpRequest) -> HttpResponse:
    """The person's own API tokens: make one (its secret shown on this response only), list, revoke."""
    person = cast(User, request.user)
    form = ApiTokenForm(request.POST or None)
    made: tuple[object, str] | None = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            made = token_create(
                actor=Actor.from_request(request),
                user=person,
                name=data["name"],
                scope=data["scope"],
                days=data["days"],
            )
        except ValidationError as exc:
            form_add_validation_errors(form, exc)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            form = ApiTokenForm()
    return render(  # never_cache: the secret is on this response only
        request,
        "accounts/my_tokens.html",
        {
            "form": form,
            "tokens": selectors.tokens_of(user=person),
            "made": made[0] if made else None,
            "secret": made[1] if made else "",
            "now": timezone.now(),
        },
    )


@require_POST
@login_required
def token_revoke_view(request: HttpRequest, key: str) -> HttpResponse:
    """Revoke a token: one's own, or (the IT officer) anyone's they manage. Back to where it was listed."""
    token = selectors.token_get(reader=request.user, key=key)
    if token is None:
        raise Http404
    token_revoke(actor=Actor.from_request(request), token=token)
    messages.success(request, _("Đã thu hồi mã truy cập API “%(name)s”.") % {"name": token.name})
    back = request.POST.get("back")
    if back == "list":
        return redirect("token-list")
    if back == "account":
        return redirect("account-detail", key=str(token.user.uuid))
    return redirect("my-tokens")
