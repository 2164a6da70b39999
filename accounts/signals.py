"""Library hooks only: Django's login signals feed the login history each person can read."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver


@receiver(user_logged_in, dispatch_uid="accounts.login_history.success")
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    from accounts.security import account_throttle_clear
    from accounts.services.logins import login_event_record

    account_throttle_clear(user.get_username())
    login_event_record(request, username=user.get_username(), user=user, kind="success")


@receiver(user_logged_out, dispatch_uid="accounts.login_history.logout")
def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    from accounts.services.logins import login_event_record

    if user is not None and getattr(user, "pk", None):
        login_event_record(request, username=user.get_username(), user=user, kind="logout")


@receiver(user_login_failed, dispatch_uid="accounts.login_history.failure")
def _login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    from accounts.security import login_failure_add
    from accounts.services.logins import login_event_record

    username = str(credentials.get("username") or "").strip().lower()[:255]
    if request is not None:
        login_failure_add(getattr(request, "_request", request), username)
    if sender == "accounts.views.login":
        return  # a wrong second-factor code, already recorded as such
    user = get_user_model().objects.filter(username=username).first() if username else None
    login_event_record(getattr(request, "_request", request), username=username, user=user, kind="failure")
