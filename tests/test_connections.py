"""Session settings of a runtime connection (README "Connections and poolers"): a statement that runs
too long is cancelled by the server, on a connection that got its timeouts when it opened."""

from __future__ import annotations

import pytest
from django.db import OperationalError, connections

pytestmark = pytest.mark.django_db


@pytest.fixture
def fresh_connection():
    made = []

    def make():
        connection = connections.create_connection("default")
        made.append(connection)
        connection.ensure_connection()
        return connection

    yield make
    for connection in made:
        connection.close()


def test_a_new_runtime_connection_gets_the_configured_timeouts(settings, fresh_connection):
    settings.DATABASE_STATEMENT_TIMEOUT_MS = 700
    settings.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS = 60000

    connection = fresh_connection()
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        statement = cursor.fetchone()[0]
        cursor.execute("SHOW idle_in_transaction_session_timeout")
        idle = cursor.fetchone()[0]
        with pytest.raises(OperationalError, match="statement timeout"):
            cursor.execute("SELECT pg_sleep(5)")

    assert (statement, idle) == ("700ms", "1min")


def test_without_timeouts_configured_the_server_default_stands(settings, fresh_connection):
    settings.DATABASE_STATEMENT_TIMEOUT_MS = 0
    settings.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS = 0

    with fresh_connection().cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "0"
