"""How old the backups are, for Prometheus (read at scrape time; settings.METRICS_COLLECTORS)."""

from __future__ import annotations

from collections.abc import Iterator

from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from backups.selectors import backup_freshness


class BackupAgeCollector(Collector):
    def collect(self) -> Iterator[GaugeMetricFamily]:
        age = GaugeMetricFamily(
            "tinhso_backup_oldest_latest_age_seconds",
            "Among active tenants of a kind, the age of the stalest one's newest complete backup.",
            labels=["kind"],
        )
        never = GaugeMetricFamily(
            "tinhso_backup_tenants_without_backup",
            "Active tenants of a kind with no complete backup at all.",
            labels=["kind"],
        )
        now = timezone.now()
        for kind, without, oldest in backup_freshness():
            never.add_metric([kind], without)
            age.add_metric([kind], (now - oldest).total_seconds() if oldest else 0.0)
        yield age
        yield never
