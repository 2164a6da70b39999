"""The nightly usage rollup (R12): each tenant's daily figures into the public schema.

Modelled on Zulip's analytics (CountStat + FillState): every figure of every tenant has a fill
state saying up to which day it is written. A run fills each figure from the day after its state
up to the target day (yesterday by default), one day at a time, so a missed night is caught up by
the next run and a re-run of a filled day changes nothing. A day is written in one transaction that
replaces that day's rows and marks it done; its state says `started` while the figures are being
counted, so a run that dies there leaves the day to be written again, never half-written.

The figures come from the providers the apps register in `core.figures`: this module knows none of
them by name. Tenant-scope providers run inside the tenant's schema (core.tenancy), public-scope
ones in the public schema.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from core.errors import ApplicationError
from core.figures import FigureProvider, TenantRef, providers
from core.locks import lock_for_transaction
from core.tenancy import in_public, in_schema, tenant_model
from oversight.models import FillState, UsageFigure

if TYPE_CHECKING:
    from tenants.models import Tenant

logger = logging.getLogger(__name__)


@dataclass
class RollupReport:
    until: date
    days_written: int = 0
    rows_written: int = 0
    tenants: int = 0
    failures: dict[str, str] = field(default_factory=dict)  # schema -> the error


def rollup_default_day() -> date:
    """Yesterday in the province's time zone: the newest day that has ended."""
    return timezone.localdate() - timedelta(days=1)


def rollup_tenants() -> list[Tenant]:
    """Every agency whose figures are rolled up: all but the province and the archived."""
    model = tenant_model()
    with in_public():
        return list(
            model.objects.exclude(kind=model.Kind.PROVINCE)
            .exclude(status=model.Status.ARCHIVED)
            .order_by("schema_name")
        )


def _ref(tenant: Tenant) -> TenantRef:
    return TenantRef(
        uuid=tenant.uuid, schema_name=str(tenant.schema_name), kind=tenant.kind, org_code=tenant.org_code
    )


def rollup(
    *,
    until: date | None = None,
    since: date | None = None,
    redo: bool = False,
    tenants: Iterable[Tenant] | None = None,
) -> RollupReport:
    """Fill every figure of every tenant up to `until` (default yesterday).

    A figure never filled starts at `since` (default OVERSIGHT_BACKFILL_DAYS before `until`).
    `redo`: write `until` again even where it is filled (a correction); the same data gives the same
    rows. A tenant whose figures fail is reported and left for the next run; the others go on.
    """
    until = until or rollup_default_day()
    if until >= timezone.localdate():
        raise ApplicationError(
            f"The day {until.isoformat()} has not ended yet: its figures cannot be rolled up."
        )
    if since is not None and since > until:
        raise ApplicationError(
            f"The first day {since.isoformat()} is after the last day {until.isoformat()}."
        )
    first_new = since or until - timedelta(days=int(settings.OVERSIGHT_BACKFILL_DAYS) - 1)
    targets = list(tenants) if tenants is not None else rollup_tenants()
    report = RollupReport(until=until, tenants=len(targets))
    with in_public():
        states: dict[tuple[str, str], tuple[date, str]] = {
            (str(uuid), figure): (filled, state)
            for uuid, figure, filled, state in FillState.objects.filter(
                tenant_uuid__in=[t.uuid for t in targets]
            ).values_list("tenant_uuid", "figure", "filled_until", "state")
        }
    every = providers()
    for tenant in targets:
        try:
            # Inside a caller's transaction (a test, a shell), a savepoint keeps a failed tenant's
            # error from aborting the others; run by beat, each day commits on its own.
            with transaction.atomic() if connection.in_atomic_block else nullcontext():
                _rollup_tenant(
                    tenant, every, states, until=until, first_new=first_new, redo=redo, report=report
                )
        except Exception as exc:  # one tenant's failure must not stop the province's night
            logger.exception("usage rollup failed for %s", tenant.schema_name)
            report.failures[str(tenant.schema_name)] = f"{type(exc).__name__}: {exc}"
    return report


def _next_day(state: tuple[date, str] | None, first_new: date) -> date:
    if state is None:
        return first_new
    filled, how = state
    return filled if how == FillState.State.STARTED else filled + timedelta(days=1)


def _rollup_tenant(
    tenant: Tenant,
    every: list[FigureProvider],
    states: dict[tuple[str, str], tuple[date, str]],
    *,
    until: date,
    first_new: date,
    redo: bool,
    report: RollupReport,
) -> None:
    uuid = str(tenant.uuid)
    due: dict[str, date] = {
        figure.code: _next_day(states.get((uuid, figure.code)), first_new)
        for provider in every
        for figure in provider.figures
    }
    if not due:
        return
    # A redone day is written again; the fill states move only for figures not yet past it.
    wanted = {code: min(first, until) for code, first in due.items()} if redo else due
    day = min(wanted.values())
    ref = _ref(tenant)
    while day <= until:
        codes = {code for code, first in wanted.items() if first <= day}
        if codes:
            advancing = {code for code in codes if due[code] <= day}
            _write_day(ref, day, [p for p in every if p.codes & codes], codes, advancing, report)
        day += timedelta(days=1)


def _write_day(
    ref: TenantRef,
    day: date,
    due_providers: list[FigureProvider],
    codes: set[str],
    advancing: set[str],
    report: RollupReport,
) -> None:
    with in_public():
        # Marked first, in its own commit: a run that dies while counting leaves `started`.
        FillState.objects.bulk_create(
            [
                FillState(tenant_uuid=ref.uuid, figure=code, filled_until=day, state=FillState.State.STARTED)
                for code in sorted(advancing)
            ],
            update_conflicts=True,
            unique_fields=["tenant_uuid", "figure"],
            update_fields=["filled_until", "state", "updated_at"],
        )
    values: dict[str, float] = {}
    for provider in due_providers:
        schema = ref.schema_name if provider.scope == FigureProvider.TENANT else None
        with in_schema(schema) if schema else in_public():
            counted = provider.compute(ref, day)
        unknown = set(counted) - provider.codes
        if unknown:
            raise RuntimeError(
                f"provider {provider.key} counted figures it does not declare: {sorted(unknown)}"
            )
        values.update({code: float(counted.get(code) or 0) for code in provider.codes if code in codes})
    with in_public(), transaction.atomic():
        lock_for_transaction("oversight.rollup", str(ref.uuid))
        UsageFigure.objects.filter(tenant_uuid=ref.uuid, day=day, figure__in=codes).delete()
        UsageFigure.objects.bulk_create(
            [
                UsageFigure(tenant_uuid=ref.uuid, day=day, figure=code, value=values[code])
                for code in sorted(codes)
            ]
        )
        FillState.objects.filter(tenant_uuid=ref.uuid, figure__in=advancing).update(
            state=FillState.State.DONE, filled_until=day, updated_at=timezone.now()
        )
    report.days_written += 1
    report.rows_written += len(codes)


def figures_of_day(day: date) -> dict[str, dict[str, float]]:
    """Every tenant's figures of one day, by organisation code: what `oversight figures` prints."""
    model = tenant_model()
    with in_public():
        codes = dict(model.objects.values_list("uuid", "org_code"))
        result: dict[str, dict[str, float]] = defaultdict(dict)
        for uuid, figure, value in UsageFigure.objects.filter(day=day).values_list(
            "tenant_uuid", "figure", "value"
        ):
            result[codes.get(uuid, str(uuid))][figure] = value
    return {code: dict(sorted(figs.items())) for code, figs in sorted(result.items())}
