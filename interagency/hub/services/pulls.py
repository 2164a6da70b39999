"""Pull-mode peers pulled on a schedule (public schema): Celery beat (`hub_pull_task`) and
`manage.py hub work --forever` both call `peers_pull_due`.

A peer is due when it was last pulled `HUB_PULL_INTERVAL_SECONDS` ago or never. Each due peer is
claimed by moving its `last_pulled_at` forward in one conditional UPDATE, so two workers never pull
the same peer at once and a failing peer is tried again one interval later, not in a tight loop.
One peer failing (unreachable, refusing us) never stops the others. The outcome of each peer's last
pull is kept in the cache for the console.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone

from core.audit import Actor
from core.tenancy import in_public
from interagency.hub.models import FederationPeer
from interagency.hub.selectors import PEER_PULL_KEY
from interagency.hub.services.connector import PullResult, peer_pull
from interagency.hub.services.vxp_client import axis_pull

logger = logging.getLogger(__name__)

_OUTCOME_SECONDS = 7 * 24 * 3600


@dataclass(frozen=True)
class PullOutcome:
    system_id: str
    ok: bool
    summary: str


def _due(now: datetime) -> Q:
    cutoff = now - timedelta(seconds=settings.HUB_PULL_INTERVAL_SECONDS)
    return Q(last_pulled_at__isnull=True) | Q(last_pulled_at__lte=cutoff)


# tinhso peers in the pull mode, and every VXP axis (the axis only ever holds what is for us); a VXP
# system has no endpoint of its own: it pulls from us.
_PULLED = Q(protocol=FederationPeer.Protocol.TINHSO, mode=FederationPeer.Mode.PULL) | Q(
    protocol=FederationPeer.Protocol.VXP_AXIS
)


def peer_pull_any(
    *, peer: FederationPeer, actor: Actor | None = None, audit_empty: bool = True
) -> PullResult:
    """Pull from a peer in its own protocol."""
    if peer.protocol == FederationPeer.Protocol.VXP_AXIS:
        return axis_pull(peer=peer, actor=actor, audit_empty=audit_empty)
    return peer_pull(peer=peer, actor=actor, audit_empty=audit_empty)


def _claim(peer: FederationPeer, now: datetime) -> bool:
    """Whether this process won the peer's pull for this interval."""
    with in_public():
        return bool(
            FederationPeer.objects.filter(_PULLED, pk=peer.pk, is_active=True)
            .filter(_due(now))
            .update(last_pulled_at=now)
        )


def _outcome_keep(outcome: PullOutcome, now: datetime) -> None:
    with in_public():
        cache.set(
            PEER_PULL_KEY.format(system_id=outcome.system_id),
            {"ok": outcome.ok, "summary": outcome.summary, "at": now.isoformat()},
            timeout=_OUTCOME_SECONDS,
        )


def peers_pull_due(*, now: datetime | None = None) -> list[PullOutcome]:
    """Pull every active pull-mode peer that is due, one after another; returns what each gave."""
    now = now or timezone.now()
    with in_public():
        peers = list(
            FederationPeer.objects.filter(_PULLED, is_active=True).filter(_due(now)).order_by("system_id")
        )
    outcomes = []
    for peer in peers:
        if not _claim(peer, now):
            continue  # another worker has it
        try:
            result = peer_pull_any(peer=peer, actor=Actor(label="hub schedule"), audit_empty=False)
        except Exception as exc:  # whatever one peer does, the others are still pulled
            logger.warning("hub: pulling from peer %s failed: %s", peer.system_id, exc, exc_info=True)
            outcome = PullOutcome(peer.system_id, False, str(getattr(exc, "message", exc))[:500])
        else:
            summary = (
                f"listed {result.listed}, accepted {len(result.accepted)}, "
                f"refused {len(result.refused)}, errors {len(result.errors)}"
            )
            outcome = PullOutcome(peer.system_id, not result.errors, summary)
        _outcome_keep(outcome, now)
        outcomes.append(outcome)
    return outcomes
