from __future__ import annotations

from config.celery import app


@app.task(acks_late=True, ignore_result=True)
def audit_anchor_task() -> int:
    """Beat: seal every schema's audit chain head that moved into the province's ledger."""
    from oversight.anchors import anchors_seal

    return anchors_seal()


@app.task(acks_late=True, ignore_result=True)
def usage_rollup_task() -> int:
    """Beat: fill every tenant's usage figures up to yesterday (a filled day is skipped)."""
    from oversight.rollup import rollup

    return rollup().days_written
