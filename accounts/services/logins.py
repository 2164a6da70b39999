"""The login history each person can read about their own account."""

from __future__ import annotations

from django.http import HttpRequest

from accounts.models import LoginEvent, User
from core.http import client_agent, client_ip


def login_event_record(
    request: HttpRequest | None, *, username: str, kind: str, user: User | None = None
) -> LoginEvent:
    return LoginEvent.objects.create(
        user=user if user is not None and user.pk else None,
        username=(username or "")[:150],
        kind=kind,
        ip=client_ip(request) if request is not None else None,
        user_agent=client_agent(request) if request is not None else "",
    )
