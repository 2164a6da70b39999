"""Reminders to agencies that lag (Điều 8.2.b): the operator sends, the agency's workspace home shows.

Stored in the public schema; an agency reads only the rows of its own UUID."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import require_actor
from core.audit import Actor, audit_record
from core.errors import ApplicationError
from core.tenancy import in_public
from core.text import nfc
from oversight.models import Reminder
from oversight.selectors import MEASURE_KEYS, AgencyRow, Period

if TYPE_CHECKING:
    from uuid import UUID

# How long a reminder stays on the agency's home page.
SHOWN_DAYS = 60
MESSAGE_MAX = 2000


def reminders_send(
    *, actor: Actor, rows: Iterable[AgencyRow], measure: str, threshold: float, period: Period, message: str
) -> list[Reminder]:
    """One reminder to each agency of `rows`. Sending the same (agency, measure, period) again
    returns the reminder already sent, unchanged."""
    require_actor(actor, "oversight.manage")
    text = nfc(message or "").strip()
    if not text:
        raise ApplicationError(_("Hãy viết nội dung nhắc nhở."))
    if len(text) > MESSAGE_MAX:
        raise ApplicationError(_("Nội dung nhắc nhở dài quá %(n)s ký tự.") % {"n": MESSAGE_MAX})
    if measure not in MEASURE_KEYS:
        raise ApplicationError(_("Chỉ tiêu không hợp lệ."))
    sent = []
    with in_public(), transaction.atomic():
        for row in sorted(rows, key=lambda r: str(r.tenant.uuid)):  # a fixed order of row locks
            reminder, created = Reminder.objects.get_or_create(
                tenant_uuid=row.tenant.uuid,
                measure=measure,
                period_start=period.start,
                period_end=period.end,
                defaults={
                    "value": row.values.get(measure),
                    "threshold": threshold,
                    "message": text,
                    "sent_by": actor.name,
                },
            )
            if created:
                audit_record(
                    actor=actor,
                    action="oversight.reminder_send",
                    target=reminder,
                    tenant=str(row.tenant.uuid),
                    measure=measure,
                    value=row.values.get(measure),
                    threshold=threshold,
                )
            sent.append(reminder)
    return sent


def reminders_for_agency(tenant_uuid: UUID) -> QuerySet[Reminder]:
    """The reminders an agency's home shows: its own, of the last SHOWN_DAYS days."""
    since = timezone.now() - timedelta(days=SHOWN_DAYS)
    return Reminder.objects.filter(tenant_uuid=tenant_uuid, sent_at__gte=since).order_by("-sent_at")


def reminders_sent(period: Period) -> dict[str, list[Reminder]]:
    """Reminders about this period, by agency UUID (the console's list of laggards shows them)."""
    found: dict[str, list[Reminder]] = {}
    with in_public():
        for reminder in Reminder.objects.filter(period_start=period.start, period_end=period.end):
            found.setdefault(str(reminder.tenant_uuid), []).append(reminder)
    return found
