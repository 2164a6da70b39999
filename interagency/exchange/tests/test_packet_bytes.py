"""A packet's bytes go to PostgreSQL bound on the server (core.blobs): what is written is what is
read back, in the schema of the agency at hand, and a row is never seen without its bytes."""

from __future__ import annotations

import os

import pytest

from core.blobs import blobs_read, blobs_write, bulk_create_large
from core.tenancy import in_tenant
from interagency.exchange.models import OutboxEntry

pytestmark = pytest.mark.django_db


def _entry(content: bytes | None = None) -> OutboxEntry:
    return OutboxEntry(
        kind=OutboxEntry.Kind.STATUS, exchange_id="000.00.91.H21,2026/11/20,1/STN", content=content
    )


def test_large_and_small_values_are_written_and_read_back_as_they_were(tenant):
    large, small = os.urandom(64 * 1024), b"<edXML/>"
    with in_tenant(tenant):
        made = bulk_create_large(OutboxEntry, [_entry(large), _entry(small), _entry()])
        assert [entry.content for entry in made] == [large, small, None]  # the objects keep theirs
        stored = {entry.pk: entry.content for entry in OutboxEntry.objects.all()}
        assert {pk: bytes(value) if value is not None else None for pk, value in stored.items()} == {
            made[0].pk: large,
            made[1].pk: small,
            made[2].pk: None,
        }
        assert blobs_read(OutboxEntry, "content", [entry.pk for entry in made]) == {
            made[0].pk: large,
            made[1].pk: small,
        }

        blobs_write(OutboxEntry, ["content", "sha256"], {made[2].pk: (large, "a" * 64)})
        again = OutboxEntry.objects.get(pk=made[2].pk)
        assert (bytes(again.content or b""), again.sha256) == (large, "a" * 64)


def test_the_bytes_are_read_in_the_current_agencys_schema_only(tenant, other_tenant):
    with in_tenant(tenant):
        (entry,) = bulk_create_large(OutboxEntry, [_entry(os.urandom(64 * 1024))])
    with in_tenant(other_tenant):
        assert blobs_read(OutboxEntry, "content", [entry.pk]) == {}
