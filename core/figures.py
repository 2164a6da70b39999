"""The registry of usage figures (R12): each app says which daily figures it can count for a tenant.

oversight's nightly rollup asks every registered provider for one tenant's figures of one day and
keeps them in the public schema; it imports no app that provides them. An app registers its
provider from its `AppConfig.ready()`:

    register_provider(FigureProvider(
        key="qlvbdh.documents",
        figures=(Figure("docs_in", _("Văn bản đến")), ...),
        compute=documents_of_day,          # (tenant, day) -> {"docs_in": 12, ...}
        scope=FigureProvider.TENANT,       # run inside the tenant's schema (or PUBLIC)
    ))

A provider must be read-only and deterministic for a day that has ended: the rollup may ask it
again (a re-run, a catch-up) and expects the same numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, ClassVar, Literal
from uuid import UUID

from django.utils import timezone

__all__ = [
    "Figure",
    "FigureProvider",
    "TenantRef",
    "day_bounds",
    "figure_get",
    "figures_all",
    "providers",
    "register_provider",
]


@dataclass(frozen=True)
class TenantRef:
    """What a provider is told about the tenant it counts for (no model: core imports no app)."""

    uuid: UUID
    schema_name: str
    kind: str
    org_code: str


@dataclass(frozen=True)
class Figure:
    """One daily figure. `total`: how days add up over a period: `sum` (counts of events) or `last`
    (a level such as the number of accounts: the value of the period's last day)."""

    code: str
    label: Any  # a lazy translation
    total: Literal["sum", "last"] = "sum"
    unit: Literal["count", "seconds"] = "count"


@dataclass(frozen=True)
class FigureProvider:
    TENANT: ClassVar[str] = "tenant"
    PUBLIC: ClassVar[str] = "public"

    key: str
    figures: tuple[Figure, ...]
    compute: Callable[[TenantRef, date], Mapping[str, float]]
    scope: str = "tenant"
    codes: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "codes", frozenset(f.code for f in self.figures))


_providers: dict[str, FigureProvider] = {}


def register_provider(provider: FigureProvider) -> None:
    """From an AppConfig.ready(); registering the same provider again changes nothing."""
    existing = _providers.get(provider.key)
    if existing is not None and existing != provider:
        raise RuntimeError(f"two figure providers named {provider.key}")
    taken = {code for other in _providers.values() if other.key != provider.key for code in other.codes}
    if taken & provider.codes:
        raise RuntimeError(f"figures {sorted(taken & provider.codes)} are provided twice")
    _providers[provider.key] = provider


def providers() -> list[FigureProvider]:
    return [_providers[key] for key in sorted(_providers)]


def figures_all() -> list[Figure]:
    return [figure for provider in providers() for figure in provider.figures]


def figure_get(code: str) -> Figure | None:
    return next((f for f in figures_all() if f.code == code), None)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The day in the province's time zone, as [start, end) aware datetimes."""
    zone = timezone.get_default_timezone()
    start = datetime.combine(day, time.min, tzinfo=zone)
    return start, datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
