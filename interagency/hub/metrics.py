"""The hub's backlog for Prometheus (read at scrape time; settings.METRICS_COLLECTORS)."""

from __future__ import annotations

from collections.abc import Iterator

from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from interagency.hub.selectors import delivery_backlog


class HubBacklogCollector(Collector):
    def collect(self) -> Iterator[GaugeMetricFamily]:
        pending = GaugeMetricFamily(
            "tinhso_hub_deliveries_pending", "Hub deliveries waiting to be made.", labels=["target"]
        )
        dead = GaugeMetricFamily(
            "tinhso_hub_deliveries_dead",
            "Hub deliveries given up on (an operator retries).",
            labels=["target"],
        )
        age = GaugeMetricFamily(
            "tinhso_hub_oldest_pending_age_seconds",
            "Age of the oldest waiting hub delivery (0 when none waits).",
            labels=["target"],
        )
        now = timezone.now()
        for row in delivery_backlog():
            pending.add_metric([row.target], row.pending)
            dead.add_metric([row.target], row.dead)
            oldest = row.oldest_pending
            age.add_metric([row.target], (now - oldest).total_seconds() if oldest else 0.0)
        yield pending
        yield dead
        yield age
