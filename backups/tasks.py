"""Celery entry points for backups: ids in, a service called, nothing else (run in the public schema)."""

from __future__ import annotations

from config.celery import app


@app.task(acks_late=True, ignore_result=True)
def backups_sweep_task() -> int:
    from backups.schedules import backups_sweep

    return len(backups_sweep(enqueue=lambda tenant_uuid: backup_scheduled_task.delay(tenant_uuid)))


@app.task(acks_late=True, ignore_result=True)
def backup_scheduled_task(tenant_uuid: str) -> None:
    from backups.schedules import backup_scheduled_run

    backup_scheduled_run(tenant_uuid=tenant_uuid)  # a failure is recorded as an alert and raised


@app.task(acks_late=True, ignore_result=True)
def drills_sweep_task() -> int:
    from backups.drills import drills_sweep

    return len(drills_sweep())


@app.task(acks_late=True, ignore_result=True)
def backup_own_task(tenant_uuid: str, user_uuid: str) -> None:
    from backups.officer import backup_own_run

    backup_own_run(tenant_uuid=tenant_uuid, user_uuid=user_uuid)


@app.task(acks_late=True, ignore_result=True)
def console_action_task(action: str, key: str, user_uuid: str, options: dict[str, str]) -> None:
    """An operator's action from the console (backup, drill, restore), run in the background."""
    from backups.console import console_action_run

    console_action_run(action=action, key=key, user_uuid=user_uuid, options=options)
