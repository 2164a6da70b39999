"""The exchange after a restore in place: what the hub carried since the backup is delivered again
from its stored packets, exactly once, and what cannot be is listed for the agency's clerks."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import Notification
from backups.conftest import s3  # noqa: F401 (the real S3 server fixture)
from backups.inplace import backup_restore_in_place
from backups.services import backup_run
from core.audit import Actor
from core.models import AuditEntry
from core.tenancy import in_public, in_tenant
from interagency.exchange.models import InboxItem, OutboxEntry
from interagency.exchange.services.restore import exchange_replay_after_restore
from interagency.exchange.tests.flows import issue_to, office
from interagency.hub.models import HubPacket
from interagency.hub.services.deliveries import work
from tenants.events import TenantRestored

pytestmark = [pytest.mark.django_db(transaction=True)]

SHELL = Actor(label="test")


def _inbox(tenant: Any) -> list[tuple[str, str]]:
    with in_tenant(tenant):
        return sorted(InboxItem.objects.values_list("sender_code", "exchange_id"))


@pytest.mark.usefixtures("s3")
def test_a_document_that_arrived_through_the_hub_after_the_backup_is_in_the_restored_tenant_once(
    province: Any, tenant: Any, other_tenant: Any
) -> None:
    a, b = tenant, other_tenant
    a_people, b_people = office(a), office(b)
    before = issue_to(a, a_people, [b], summary="Trước khi sao lưu")
    work()
    backup = backup_run(actor=SHELL, tenant=b)

    # after the backup: A sends B another document, and B sends one to A
    after = issue_to(a, a_people, [b], summary="Sau khi sao lưu")
    issue_to(b, b_people, [a], summary="B gửi sau khi sao lưu")
    work()
    inbox_before_restore = _inbox(b)
    assert len(inbox_before_restore) == 2
    with in_tenant(a):
        statuses_to_a = OutboxEntry.objects.count()

    backup_restore_in_place(actor=SHELL, backup=backup)

    # then both of A's documents are in B's inbox, each once
    assert _inbox(b) == inbox_before_restore
    with in_tenant(a):
        sent_by_a = [OutboxEntry.objects.get(document=d, kind="edoc").exchange_id for d in (before, after)]
    assert [exchange_id for _code, exchange_id in _inbox(b)] == sorted(sent_by_a)
    with in_tenant(b):
        # no second 01 goes back to A for the replayed document
        assert not OutboxEntry.objects.filter(relayed_at__isnull=True).exists()
        # B's own document sent after the backup is gone from B: its clerk is told
        told = list(
            Notification.objects.filter(user=b_people["clerk"].user, kind="hub").values_list(
                "message", flat=True
            )
        )
    with in_public():
        entry = AuditEntry.objects.filter(action="backup.restore").latest("id")
        sent_by_b = HubPacket.objects.get(kind="edoc", sender_code=b.org_code)
    assert any(sent_by_b.document_id in message for message in told)
    (summary,) = entry.detail["after_restore"]
    assert summary["replayed"] == 1
    assert [row["packet"] for row in summary["listed"] if row["direction"] == "out"] == [
        str(sent_by_b.packet_id)
    ]
    work()
    with in_tenant(a):
        assert OutboxEntry.objects.count() == statuses_to_a

    # replaying again (a retried task) changes nothing
    again = exchange_replay_after_restore(TenantRestored(actor=SHELL, tenant=b, since=backup.started_at))
    assert again["replayed"] == 0
    assert again["already"] == 2
    assert _inbox(b) == inbox_before_restore
