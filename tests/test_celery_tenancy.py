"""A task queued from tenant A runs in A's schema: a real worker, a real broker, committed data."""

from __future__ import annotations

import pytest
from celery.contrib.testing.worker import start_worker

from accounts.tests.factories import UserFactory
from config.celery import app
from core.tasks import tenant_healthcheck
from core.tenancy import in_tenant

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def worker():
    # Only this test's tasks: nothing an earlier test left queued, nor what a worker killed by
    # tests/faults/test_worker.py held unacknowledged (a new worker would take it back first).
    app.control.purge()
    with app.connection_for_write() as connection:
        channel = connection.default_channel
        channel.client.delete(channel.unacked_key, channel.unacked_index_key)
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield


def test_task_queued_from_a_tenant_runs_in_that_tenants_schema(tenant, other_tenant, worker):
    UserFactory.create_batch(2, tenant=tenant)
    UserFactory.create(tenant=other_tenant)

    with in_tenant(tenant):
        from_a = tenant_healthcheck.delay()
    with in_tenant(other_tenant):
        from_b = tenant_healthcheck.delay()
    from_public = tenant_healthcheck.delay()

    assert from_a.get(timeout=30) == {"schema": "test_alpha", "users": 2}
    assert from_b.get(timeout=30) == {"schema": "test_beta", "users": 1}
    assert from_public.get(timeout=30)["schema"] == "public"
