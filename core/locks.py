"""Table locks that serialise writers within one schema (the table name resolves per schema)."""

from __future__ import annotations

from typing import Any

from django.db import connection


def lock_table_for_writers(model: Any) -> None:
    """Inside a transaction: one writer at a time on `model`'s table; readers are not blocked."""
    if not connection.in_atomic_block:
        raise RuntimeError("a table lock only lasts inside a transaction")
    with connection.cursor() as cursor:
        cursor.execute(
            f"LOCK TABLE {connection.ops.quote_name(model._meta.db_table)} IN SHARE ROW EXCLUSIVE MODE"
        )


def lock_for_transaction(namespace: str, key: str) -> None:
    """Inside a transaction: one holder at a time of (namespace, key), until commit or rollback
    (a PostgreSQL advisory lock on their hash; unrelated keys rarely share one)."""
    if not connection.in_atomic_block:
        raise RuntimeError("a transaction lock only lasts inside a transaction")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s), hashtext(%s))", [namespace, key])


def lock_many_for_transaction(namespace: str, keys: list[str]) -> None:
    """`lock_for_transaction` for several keys in one statement, taken in sorted order (two
    holders of overlapping sets cannot deadlock on them)."""
    if not keys:
        return
    if not connection.in_atomic_block:
        raise RuntimeError("a transaction lock only lasts inside a transaction")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtext(%s), hashtext(k)) FROM "
            "(SELECT DISTINCT k FROM unnest(%s::text[]) AS k ORDER BY k) AS sorted",
            [namespace, keys],
        )
