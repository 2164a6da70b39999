"""Messages for one person in the workspace (a deadline reminder, a document to read)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.utils import timezone

from accounts.models import Notification, User
from core.text import nfc


def notification_send(
    *, users: Iterable[User], kind: str, message: str, link: str = "", dedupe: str = ""
) -> int:
    """One notification per person; with `dedupe`, sending it again is a no-op. Returns how many are new."""
    return notifications_send(users=users, kind=kind, messages=[(message, link, dedupe)])


def notifications_send(*, users: Iterable[User], kind: str, messages: Sequence[tuple[str, str, str]]) -> int:
    """`notification_send` for several (message, link, dedupe) at once, to the same people, in two
    statements (a batch of arrivals). Returns how many are new."""
    people = list(users)
    rows = [
        Notification(
            user=user,
            kind=kind,
            message=nfc(message)[:500],
            link=link,
            dedupe_key=f"{dedupe}:{user.pk}" if dedupe else None,
        )
        for message, link, dedupe in messages
        for user in people
    ]
    keys = [row.dedupe_key for row in rows if row.dedupe_key]
    sent = (
        set(Notification.objects.filter(dedupe_key__in=keys).values_list("dedupe_key", flat=True))
        if keys
        else set()
    )
    fresh = [row for row in rows if row.dedupe_key is None or row.dedupe_key not in sent]
    Notification.objects.bulk_create(fresh, ignore_conflicts=True)  # a concurrent run's rows win quietly
    return len(fresh)


def notification_mark_read(*, user: User, ids: Iterable[int]) -> int:

    return Notification.objects.filter(user=user, pk__in=list(ids), read_at__isnull=True).update(
        read_at=timezone.now()
    )
