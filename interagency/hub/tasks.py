"""Celery entry points of the hub: thin, idempotent, safe to run twice or to lose (the beat
sweep picks up whatever a lost message left behind)."""

from __future__ import annotations

from django.db import OperationalError

from config.celery import app


@app.task(
    acks_late=True, ignore_result=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=8
)
def hub_deliver_task() -> None:
    from interagency.hub.services.deliveries import deliver_due

    deliver_due(limit=200)


@app.task(acks_late=True, ignore_result=True)
def hub_sweep_task() -> None:
    """Beat: relay what every agency has waiting, then deliver what is due (retries included)."""
    from interagency.hub.services.deliveries import work

    work(rounds=5)


@app.task(acks_late=True, ignore_result=True)
def hub_pull_task() -> None:
    """Beat: fetch what waits for us at each pull-mode peer that is due (each claimed once)."""
    from interagency.hub.services.pulls import peers_pull_due

    peers_pull_due()


# The names these tasks had before `interagency` was split: a message queued under them by the
# previous release still finds a worker. Remove once no such message can be left in a queue.
app.task(name="interagency.tasks.hub_deliver_task", acks_late=True, ignore_result=True)(hub_deliver_task.run)
app.task(name="interagency.tasks.hub_sweep_task", acks_late=True, ignore_result=True)(hub_sweep_task.run)
