"""Messages for one person in the workspace (a deadline reminder, a document to read)."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone

from accounts.models import Notification, User
from core.text import nfc


def notification_send(
    *, users: Iterable[User], kind: str, message: str, link: str = "", dedupe: str = ""
) -> int:
    """One notification per person; with `dedupe`, sending it again is a no-op. Returns how many are new."""

    people = list(users)
    keys = {user.pk: f"{dedupe}:{user.pk}" if dedupe else None for user in people}
    sent = set(
        Notification.objects.filter(dedupe_key__in=[k for k in keys.values() if k]).values_list(
            "dedupe_key", flat=True
        )
    )
    rows = [
        Notification(user=user, kind=kind, message=nfc(message)[:500], link=link, dedupe_key=keys[user.pk])
        for user in people
        if keys[user.pk] is None or keys[user.pk] not in sent
    ]
    Notification.objects.bulk_create(rows, ignore_conflicts=True)  # a concurrent run's rows win quietly
    return len(rows)


def notification_mark_read(*, user: User, ids: Iterable[int]) -> int:

    return Notification.objects.filter(user=user, pk__in=list(ids), read_at__isnull=True).update(
        read_at=timezone.now()
    )
