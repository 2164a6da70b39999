"""A packet's bytes are stored without PostgreSQL's compression in the three places that keep them
(the sender's outbox, the hub, the recipient's inbox): they are mostly base64 of files compressed
already, and pglz running over each and giving up cost the server some 2.5 ms per 140 KB write."""

from __future__ import annotations

import pytest
from django.db import connection

from core.tenancy import in_public, in_tenant
from interagency.exchange.services.relay import relay_all
from interagency.exchange.tests.flows import issue_to, office
from interagency.hub.services.deliveries import deliver_batch

pytestmark = pytest.mark.django_db


def _stored(table: str) -> list[tuple[int, str | None]]:
    """(size, compression) of each row's content as PostgreSQL keeps it."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT octet_length(content), pg_column_compression(content) FROM {table}")  # noqa: S608
        return list(cursor.fetchall())


def test_packets_are_stored_out_of_line_and_uncompressed_at_each_step(province, tenant, other_tenant):
    issue_to(tenant, office(tenant), [other_tenant])
    relay_all()
    assert [delivery.state for delivery in deliver_batch()] == ["delivered"]

    with in_tenant(tenant):
        outbox = _stored("interagency_outboxentry")
    with in_public():
        hub = _stored("interagency_hubpacket")
    with in_tenant(other_tenant):
        inbox = _stored("interagency_inboxitem")
    # The signed XML around the attachment is text that pglz would shrink by far more than the
    # quarter it asks for: stored as it is means the column's storage said so.
    for rows in (outbox, hub, inbox):
        assert rows
        assert all(size > 2048 and compression is None for size, compression in rows), rows
