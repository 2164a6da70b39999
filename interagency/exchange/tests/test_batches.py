"""The hub delivers in batches: several due deliveries to one agency under one schema switch and one
transaction, each in its own savepoint. Per-document order holds, a failing delivery costs the
others nothing, and nothing is delivered twice."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import psycopg
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.tenancy import in_public, in_tenant
from interagency.edxml.certificates import generate_authority, issue_certificate
from interagency.edxml.signatures import verify_packet
from interagency.exchange.models import ExchangeStatus, InboxItem, OutboxEntry, ReceivedPacket, SigningKey
from interagency.exchange.services.agency import current_agency
from interagency.exchange.services.keys import signing_key_current
from interagency.exchange.services.relay import _build, relay_all
from interagency.exchange.tests.flows import issue_to, office
from interagency.hub.models import HubAttempt, HubDelivery, HubPacket
from interagency.hub.services import packets
from interagency.hub.services.authority import trust_roots
from interagency.hub.services.deliveries import deliver_batch, work
from interagency.hub.services.queue import loop_follows, loop_memo, loop_written
from interagency.hub.services.sealing import seal
from qlvbdh.services.documents import document_revoke

pytestmark = pytest.mark.django_db


@pytest.fixture
def agencies(province, tenant, other_tenant):
    return (tenant, office(tenant)), (other_tenant, office(other_tenant))


def _documents_to_b(agencies, count: int) -> list[str]:
    (a, a_people), (b, _people) = agencies
    sent = [issue_to(a, a_people, [b], summary=f"Văn bản số {number}") for number in range(count)]
    relay_all()
    with in_tenant(a):
        return [OutboxEntry.objects.get(document=document).exchange_id for document in sent]


def test_one_batch_hands_an_agency_all_its_due_documents_under_one_schema_switch(agencies):
    (_a, _people), (b, _b_people) = agencies
    document_ids = _documents_to_b(agencies, 3)

    with CaptureQueriesContext(connection) as queries:
        tried = deliver_batch()

    assert [delivery.state for delivery in tried] == ["delivered"] * 3
    switches = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SET search_path")]
    assert sum(f'"{b.schema_name}"' in sql for sql in switches) == 1  # not one switch per document
    with in_tenant(b):
        arrived = list(InboxItem.objects.order_by("id").values_list("exchange_id", flat=True))
    assert arrived == document_ids  # in the order they were issued


def test_a_delivered_batch_is_marked_in_one_update_whatever_each_deliverys_due_time(agencies):
    _documents_to_b(agencies, 3)
    with in_public():
        for number, delivery in enumerate(HubDelivery.objects.order_by("id")):
            due = delivery.next_attempt_at - timedelta(seconds=3 - number)  # each its own time
            HubDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=due)

    with CaptureQueriesContext(connection) as queries:
        tried = deliver_batch()

    assert [delivery.state for delivery in tried] == ["delivered"] * 3
    updates = [
        q["sql"] for q in queries.captured_queries if q["sql"].startswith('UPDATE "interagency_hubdelivery"')
    ]
    assert len(updates) == 1, updates
    with in_public():
        assert set(HubDelivery.objects.values_list("state", "attempts")) == {("delivered", 1)}
        assert HubAttempt.objects.filter(ok=True).count() == 3


def test_the_loop_looks_up_what_every_batch_needs_once_and_outside_it_each_time():
    made: list[str] = []

    def make() -> str:
        made.append("made")
        return "roots"

    assert [loop_memo("roots", make), loop_memo("roots", make)] == ["roots", "roots"]
    assert len(made) == 2
    with loop_follows():
        assert [loop_memo("roots", make), loop_memo("roots", make)] == ["roots", "roots"]
    assert len(made) == 3
    with loop_follows():  # a new loop looks again
        loop_memo("roots", make)
    assert len(made) == 4


def test_a_revocation_waits_for_its_document_even_when_both_are_due_in_one_batch(agencies):
    (a, a_people), (b, _b_people) = agencies
    sent = issue_to(a, a_people, [b])
    with in_tenant(a):
        document_revoke(actor=a_people["head"], document=sent, reason="Thu hồi")
    relay_all()
    with in_public():
        assert HubDelivery.objects.filter(state="pending").count() == 2  # both due now

    first = deliver_batch()

    assert [delivery.packet.kind for delivery in first] == ["edoc"]  # the 13 is behind it
    second = deliver_batch()
    assert [(d.packet.kind, d.packet.status_code) for d in second] == [("status", "13")]
    with in_tenant(b):
        item = InboxItem.objects.get()
    assert item.request is not None
    assert item.request["kind"] == "revoke"


def test_a_failing_delivery_in_a_batch_neither_loses_nor_duplicates_the_others(agencies):
    (_a, _people), (b, _b_people) = agencies
    document_ids = _documents_to_b(agencies, 3)
    with in_public():
        broken = HubPacket.objects.get(document_id=document_ids[1])
        stored = bytes(broken.content)
        HubPacket.objects.filter(pk=broken.pk).update(content=b"<not edXML")  # B cannot read it

    tried = deliver_batch()

    assert [delivery.state for delivery in tried] == ["delivered", "pending", "delivered"]
    failed = tried[1]
    assert failed.attempts == 1  # waits for its retry, with the reason
    assert failed.last_error
    with in_tenant(b):
        assert sorted(InboxItem.objects.values_list("exchange_id", flat=True)) == sorted(
            [document_ids[0], document_ids[2]]
        )
        assert ReceivedPacket.objects.filter(document_id=document_ids[1]).count() == 0  # nothing half-done

    with in_public():
        HubPacket.objects.filter(pk=broken.pk).update(content=stored)
        HubDelivery.objects.filter(pk=failed.pk).update(next_attempt_at=failed.created_at)
    work()  # the retry, the others again if anything re-ran them, and the 01 statuses

    with in_tenant(b):
        arrived = list(InboxItem.objects.values_list("exchange_id", flat=True))
        assert sorted(arrived) == sorted(document_ids)  # each exactly once
        assert ReceivedPacket.objects.filter(kind="edoc").count() == 3
    with in_public():
        to_b = HubDelivery.objects.filter(packet__kind="edoc", recipient_code=b.org_code)
        assert set(to_b.values_list("state", flat=True)) == {"delivered"}
        tries = HubAttempt.objects.filter(delivery__in=to_b)
        assert tries.filter(ok=True).count() == 3
        assert list(tries.filter(ok=False).values_list("delivery_id", flat=True)) == [failed.pk]


def test_a_suspended_agency_fails_its_own_deliveries_and_not_another_agencys(agencies, third_tenant):
    (a, a_people), (b, _b_people) = agencies
    c = third_tenant
    office(c)
    b.status = "suspended"
    b.save(update_fields=["status"])
    issue_to(a, a_people, [b, c])
    relay_all()

    work()

    with in_public():
        states = dict(HubDelivery.objects.filter(packet__kind="edoc").values_list("recipient_code", "state"))
    assert states == {b.org_code: "pending", c.org_code: "delivered"}
    with in_tenant(c):
        assert InboxItem.objects.count() == 1


def _statements(call) -> int:
    with CaptureQueriesContext(connection) as queries:
        call()
    return len(queries.captured_queries)


def test_a_batch_costs_the_same_statements_for_two_documents_as_for_six(agencies, third_tenant):
    """The hub's pace comes from round trips: a batch's statements must not grow with its size
    (per-packet queries creeping back would show here long before a bench does)."""
    (a, a_people), (b, _b_people) = agencies
    c = third_tenant
    office(c)
    counts = {}
    for size, recipient in ((2, b), (6, c)):
        for number in range(size):
            issue_to(a, a_people, [recipient], summary=f"Văn bản số {number}")
        counts[size] = {
            "relay": _statements(lambda: relay_all(schemas=[a.schema_name])),
            "delivery": _statements(deliver_batch),
        }
        with in_tenant(recipient):
            assert InboxItem.objects.count() == size  # all of them, in one batch each way
        counts[size]["01 relay"] = _statements(lambda r=recipient: relay_all(schemas=[r.schema_name]))
        counts[size]["01 delivery"] = _statements(deliver_batch)
        with in_tenant(a):
            assert (
                ExchangeStatus.objects.filter(recipient_code=recipient.org_code, status_code="01").count()
                == size
            )

    # A relay reads each document's files to build it and asks who may say what about each
    # packet (a statement or two each); everything else, and the receiver's side, is the same
    # for two as for six.
    assert (counts[6]["relay"] - counts[2]["relay"]) / 4 <= 2, counts
    assert (counts[6]["01 relay"] - counts[2]["01 relay"]) / 4 <= 1, counts
    assert counts[6]["delivery"] == counts[2]["delivery"], counts
    assert counts[6]["01 delivery"] == counts[2]["01 delivery"], counts


def test_one_relay_transaction_takes_several_agencies_and_records_their_packets_together(
    agencies, third_tenant
):
    """As documents trickle in, each recipient's 01 status is its own agency's only entry: a relay
    round over several agencies checks and records them at the hub at once, each under its own
    agency's name."""
    (a, a_people), (b, b_people) = agencies
    c = third_tenant
    issue_to(a, a_people, [b])
    issue_to(b, b_people, [c])

    with CaptureQueriesContext(connection) as queries:
        relayed = relay_all(schemas=[a.schema_name, b.schema_name])

    assert relayed == 2
    sql = [q["sql"] for q in queries.captured_queries]
    assert sum(s.startswith('INSERT INTO "interagency_hubpacket"') for s in sql) == 1, sql
    assert sum("pg_advisory_xact_lock" in s and "unnest" in s for s in sql) == 1, sql  # the hub's
    with in_public():
        recorded = list(
            HubPacket.objects.order_by("sender_code").values_list("sender_code", "source", "recipient_codes")
        )
    assert recorded == sorted(
        [
            (a.org_code, f"tenant:{a.schema_name}", [b.org_code]),
            (b.org_code, f"tenant:{b.schema_name}", [c.org_code]),
        ]
    )
    for tenant in (a, b):
        with in_tenant(tenant):
            entry = OutboxEntry.objects.get()
            assert entry.relayed_at is not None
            assert entry.attempts == 1


def test_in_a_relay_over_several_agencies_a_refused_packet_holds_back_only_its_own(agencies, third_tenant):
    (a, a_people), (b, b_people) = agencies
    c = third_tenant
    province = SimpleNamespace(org_code="000.00.00.H21", name="UBND tỉnh Thử nghiệm")
    issue_to(a, a_people, [province])  # the province's own code is never a route: refused
    issue_to(b, b_people, [c])

    assert relay_all(schemas=[a.schema_name, b.schema_name]) == 1

    with in_tenant(a):
        waiting = OutboxEntry.objects.get()
        assert waiting.relayed_at is None
        assert waiting.attempts == 1
        assert waiting.last_error
    with in_tenant(b):
        assert OutboxEntry.objects.get().relayed_at is not None
    with in_public():
        assert list(HubPacket.objects.values_list("sender_code", flat=True)) == [b.org_code]


def _outbox_looks(queries: list[dict[str, str]]) -> Counter[str]:
    """How many times each schema's outbox was searched for entries to relay."""
    looks: Counter[str] = Counter()
    schema = ""
    for query in queries:
        sql = query["sql"]
        if sql.startswith("SET search_path"):
            schema = sql.split('"')[1]
        elif 'FOR UPDATE OF "interagency_outboxentry"' in sql:
            looks[schema] += 1
    return looks


def test_in_the_hubs_loop_an_outbox_is_searched_again_only_with_the_next_round(agencies):
    """A short batch means the outbox had no more to give, except what waited behind what the
    batch relayed (a revocation behind its document). Inside the loop that is found by the next
    round's one look over all agencies, not by a search of each outbox that mostly finds nothing."""
    (a, a_people), (b, _b_people) = agencies
    sent = issue_to(a, a_people, [b])
    with in_tenant(a):
        document_revoke(actor=a_people["head"], document=sent, reason="Thu hồi")
        entries = OutboxEntry.objects.count()

    with CaptureQueriesContext(connection) as queries:
        work()

    with in_tenant(b):
        item = InboxItem.objects.get()  # the document, and the revocation behind it, arrived
        assert item.request is not None
        assert item.request["kind"] == "revoke"
        b_entries = OutboxEntry.objects.count()  # its automatic 01 status
    with in_tenant(a):
        assert not OutboxEntry.objects.filter(relayed_at__isnull=True).exists()
    looks = _outbox_looks(queries.captured_queries)
    # One search per entry: each went alone (the revocation waited behind its document).
    assert looks == {a.schema_name: entries, b.schema_name: b_entries}, looks


def test_in_the_hubs_loop_an_outbox_of_which_nothing_went_is_not_looked_at_again(agencies):
    """Its entries would fail again in every round (and wake the other worker when the loop
    ends): the sweep retries them."""
    (a, a_people), _b = agencies
    province = SimpleNamespace(org_code="000.00.00.H21", name="UBND tỉnh Thử nghiệm")
    issue_to(a, a_people, [province])  # refused by the hub, every time

    with loop_follows():
        assert relay_all(schemas=[a.schema_name]) == 0
        assert loop_written() == set()

    with in_tenant(a):
        assert OutboxEntry.objects.get().attempts == 1


def test_a_packet_the_relay_has_just_signed_is_not_read_back_and_is_recorded_as_its_key_signed_it(
    agencies, monkeypatch
):
    (a, a_people), (b, _b_people) = agencies
    issue_to(a, a_people, [b])
    read_back: Counter[str] = Counter()
    for name in ("verify_packet", "parse_known", "read_attachments"):
        monkeypatch.setattr(packets, name, _counting(read_back, name, getattr(packets, name)))

    assert relay_all() == 1

    assert read_back == Counter()  # its bytes never left this process: nothing to learn from them
    with in_tenant(a):
        key = signing_key_current()
        content = bytes(OutboxEntry.objects.get().content or b"")
    with in_public():
        packet = HubPacket.objects.get()
        assert (packet.signature, packet.signer_fingerprint) == ("valid", key.fingerprint)
        # What the full check of its bytes says, recorded without running it.
        check = verify_packet(content, trust_roots_pem=trust_roots(), expected_org_code=a.org_code)
        assert (check.state, check.subject, check.fingerprint) == (
            packet.signature,
            packet.signer,
            packet.signer_fingerprint,
        )


def test_a_packet_signed_now_by_a_key_the_province_does_not_trust_is_refused_and_waits(agencies):
    (a, a_people), (b, _b_people) = agencies
    issue_to(a, a_people, [b])
    authority_key, authority_cert = generate_authority("Không phải tổ chức chứng thực của tỉnh")
    key_pem, cert_pem = issue_certificate(
        authority_key_pem=authority_key, authority_cert_pem=authority_cert, org_code=a.org_code, org_name="Sở"
    )
    with in_tenant(a):  # an agency key that no longer chains to the province's authority
        SigningKey.objects.update(retired_at=timezone.now())
        SigningKey.objects.create(
            org_code=a.org_code,
            private_key=seal(key_pem),
            certificate=cert_pem.decode(),
            fingerprint="x" * 64,
            not_after=timezone.now() + timedelta(days=365),
        )

    assert relay_all() == 0

    with in_tenant(a):
        entry = OutboxEntry.objects.get()
        assert entry.relayed_at is None
        assert "không do tổ chức chứng thực tin cậy" in entry.last_error
    with in_public():
        assert not HubPacket.objects.exists()


def test_a_packet_read_back_from_the_outbox_is_checked_in_full(agencies):
    (a, a_people), (b, _b_people) = agencies
    issue_to(a, a_people, [b])
    with in_tenant(a):  # built and kept by an earlier relay that did not reach the hub, then altered
        entry = OutboxEntry.objects.get()
        content = _build(entry, current_agency()).replace("kết nối".encode(), "kêt nối".encode())
        OutboxEntry.objects.filter(pk=entry.pk).update(content=content)

    assert relay_all() == 0

    with in_tenant(a):
        assert "chữ ký" in OutboxEntry.objects.get().last_error.lower()
    with in_public():
        assert not HubPacket.objects.exists()


def _counting(calls: Counter[str], name: str, function: Any) -> Any:
    def counted(*args: Any, **kwargs: Any) -> Any:
        calls[name] += 1
        return function(*args, **kwargs)

    return counted


def test_one_delivery_batch_hands_several_agencies_their_share_in_one_transaction(agencies, third_tenant):
    (a, a_people), (b, _b_people) = agencies
    c = third_tenant
    office(c)
    issue_to(a, a_people, [b])
    issue_to(a, a_people, [c])
    issue_to(a, a_people, [b, c])
    relay_all()

    with CaptureQueriesContext(connection) as queries:
        tried = deliver_batch()

    assert Counter(delivery.recipient_code for delivery in tried) == {b.org_code: 2, c.org_code: 2}
    assert {delivery.state for delivery in tried} == {"delivered"}
    sqls = [query["sql"] for query in queries.captured_queries]
    updates = [sql for sql in sqls if sql.startswith('UPDATE "interagency_hubdelivery"')]
    assert len(updates) == 1  # the outcomes of both agencies' shares written back together
    for recipient in (b, c):
        with in_tenant(recipient):
            assert InboxItem.objects.count() == 2


def test_an_agency_another_worker_is_delivering_to_is_left_to_it_without_waiting(agencies, third_tenant):
    (a, a_people), (b, _b_people) = agencies
    c = third_tenant
    office(c)
    issue_to(a, a_people, [b])
    issue_to(a, a_people, [c])
    relay_all()
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '5s'")  # waiting for it would fail the test, not hang it
    other_worker = psycopg.connect(**connection.get_connection_params(), autocommit=False)
    try:
        other_worker.execute(
            "SELECT pg_advisory_xact_lock(hashtext('hub.deliver'), hashtext(%s))", [b.org_code]
        )

        tried = deliver_batch()

        assert [delivery.recipient_code for delivery in tried] == [c.org_code]
        with in_public():
            assert HubDelivery.objects.get(recipient_code=b.org_code).state == "pending"
        assert deliver_batch() == []  # only b's is due, and b is the other worker's
    finally:
        other_worker.rollback()
        other_worker.close()

    assert [delivery.recipient_code for delivery in deliver_batch()] == [b.org_code]
    with in_tenant(b):
        assert InboxItem.objects.count() == 1
