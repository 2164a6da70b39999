"""The login history each person can read about their own account, and the IT officer's clearing
of a login throttle."""

from __future__ import annotations

from dataclasses import replace

from django.db import transaction
from django.http import HttpRequest

from accounts.models import ApiToken, LoginEvent, User
from accounts.permissions import require_actor
from accounts.security import Throttle, throttle_find, throttle_forget
from core.audit import Actor, audit_record
from core.http import client_agent, client_ip


def login_event_record(
    request: HttpRequest | None,
    *,
    username: str,
    kind: str,
    user: User | None = None,
    token: ApiToken | None = None,
) -> LoginEvent:
    return LoginEvent.objects.create(
        user=user if user is not None and user.pk else None,
        username=(username or "")[:150],
        kind=kind,
        ip=client_ip(request) if request is not None else None,
        user_agent=client_agent(request) if request is not None else "",
        token=token,
    )


def throttle_clear(*, actor: Actor, kind: str, ident: str) -> Throttle | None:
    """The IT officer (the operator, on the console) lets an account name or an address try again
    at once. None when it was not counting (already cleared, expired: a retry changes nothing).
    A name no account has is neither shown nor audited (it may be a password typed as a name)."""
    from accounts.selectors import known_account_names

    require_actor(actor, "accounts.manage_accounts")
    throttle = throttle_find(kind, ident)
    if throttle is None:
        return None
    if throttle.kind == "account" and throttle.label not in known_account_names({throttle.label}):
        throttle = replace(throttle, label="")
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="login.throttle_clear",
            kind=throttle.kind,
            label=throttle.label,
            failures=throttle.failures,
        )
        if throttle.kind == "account" and throttle.label:
            from axes.utils import reset as axes_reset

            axes_reset(username=throttle.label)
        throttle_forget(throttle)
    return throttle
