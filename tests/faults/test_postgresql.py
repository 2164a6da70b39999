"""PostgreSQL stops in the middle of requests and of a hub delivery, then comes back.

The test's rows (two agencies, a clerk signed in, documents issued from one to the other) are
copied into a PostgreSQL cluster of the test's own; gunicorn and a `hub work --forever` process
run against it. The hub worker is held inside a delivery's transaction (a lock on the receiver's
outbox, where the 01 is written after the inbox rows) when the server stops.

Guarantees: while the database is away a page answers 503 with a page and the API 503 with a
sentence, quickly (no 500, no hang); both recover without a restart when it is back; every document
arrives exactly once and its 01 goes back exactly once.
"""

from __future__ import annotations

import json
import os
import signal

import psycopg
import pytest
from django.test import Client

from conftest import signed_in_client
from interagency.exchange.tests.flows import issue_to, office
from tests.faults.servers import cluster, gunicorn, manage, wait_for

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

DOCUMENTS = 3


def _count(url: str, sql: str) -> int:
    with psycopg.connect(url, connect_timeout=2) as connection:
        row = connection.execute(sql).fetchone()
    return int(row[0]) if row else 0


def _waiting_on_lock(admin: psycopg.Connection) -> list[str]:
    rows = admin.execute(
        "SELECT query FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' "
        "AND pid <> pg_backend_pid()"
    ).fetchall()
    return [row[0] for row in rows]


def test_postgresql_stopping_mid_request_and_mid_delivery_answers_503_and_loses_nothing(
    province, tenant, other_tenant, host_of
):
    # given two agencies, documents issued from A to B, and A's clerk signed in
    people = office(tenant)
    office(other_tenant)
    sent = [issue_to(tenant, people, [other_tenant], summary=f"Văn bản số {n}") for n in range(DOCUMENTS)]
    session = signed_in_client(Client(), people["clerk"].user, tenant=tenant).cookies["sessionid"].value
    host = host_of(tenant)
    cookie = {"Cookie": f"sessionid={session}"}
    inbox_b = f'SELECT count(*) FROM "{other_tenant.schema_name}".interagency_inboxitem'  # noqa: S608
    answers_a = (
        f"SELECT count(*) FROM \"{tenant.schema_name}\".interagency_exchangestatus WHERE status_code = '01'"  # noqa: S608
    )

    with cluster() as server:
        url = server.copy_test_database()
        with gunicorn(DATABASE_URL=url) as web:
            assert web.get("/", host=host, headers=cookie).status == 200
            assert web.get("/api/v1/me/", host=host, headers=cookie).status == 200

            # when the hub worker is inside B's delivery transaction ...
            admin = psycopg.connect(url, autocommit=True)
            blocker = psycopg.connect(url)
            blocker.execute(
                f'LOCK TABLE "{other_tenant.schema_name}".interagency_outboxentry IN EXCLUSIVE MODE'
            )
            worker = manage("hub", "work", "--forever", "--interval", "0.5", env={"DATABASE_URL": url})
            try:
                queries = wait_for(lambda: _waiting_on_lock(admin), "the hub worker to block mid-delivery")
                assert any('"interagency_outboxentry"' in query for query in queries), queries

                # ... PostgreSQL stops
                server.stop()
                for connection in (admin, blocker):
                    connection.close()

                # then pages and the API answer 503 at once, with a page and a sentence
                page = web.get("/", host=host, headers=cookie)
                api = web.get("/api/v1/me/", host=host, headers=cookie)
                assert (page.status, api.status) == (503, 503), page.body[:500]
                assert "Tạm thời gián đoạn" in page.body
                assert page.headers["Retry-After"] == "30"
                assert api.headers["Content-Type"] == "application/json"
                assert json.loads(api.body)["detail"].startswith("Cơ sở dữ liệu tạm thời không truy cập được")
                assert max(page.seconds, api.seconds) < 5
                assert worker.poll() is None  # the worker waits for the database, it does not die

                # when it is back, both recover without a restart
                server.start()
                wait_for(
                    lambda: web.get("/", host=host, headers=cookie).status == 200, "the pages to recover", 30
                )
                assert web.get("/api/v1/me/", host=host, headers=cookie).status == 200

                # and every document arrives once, and its 01 goes back once
                wait_for(
                    lambda: _count(url, inbox_b) == DOCUMENTS and _count(url, answers_a) == DOCUMENTS,
                    "the hub to deliver everything once the database is back",
                    60,
                )
            finally:
                os.killpg(worker.pid, signal.SIGTERM)
                worker.wait(timeout=30)
            packets = (
                f'SELECT count(DISTINCT packet_id) FROM "{other_tenant.schema_name}".interagency_inboxitem'  # noqa: S608
            )
            assert _count(url, inbox_b) == _count(url, packets) == len(sent)
            assert _count(url, answers_a) == len(sent)
            assert _count(url, "SELECT count(*) FROM interagency_hubdelivery WHERE state <> 'delivered'") == 0
