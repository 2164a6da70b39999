"""Session settings of a new runtime connection: the statement and idle-in-transaction timeouts.

SET when the connection opens rather than passed as a startup `options` parameter, which poolers
such as PgBouncer refuse or drop; in session mode the SET holds for the connection's life. The
owner's connection (migrations, provisioning's DDL) gets none: a migration may run long.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings


def session_settings_apply(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.alias != "default":
        return
    timeouts = {
        "statement_timeout": settings.DATABASE_STATEMENT_TIMEOUT_MS,
        "idle_in_transaction_session_timeout": settings.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS,
    }
    wanted = {name: value for name, value in timeouts.items() if value > 0}
    if not wanted:
        return
    with connection.cursor() as cursor:
        for name, value in wanted.items():
            # set_config() takes the value as a parameter: no SQL is built from text.
            cursor.execute("SELECT set_config(%s, %s, false)", [name, f"{int(value)}ms"])
