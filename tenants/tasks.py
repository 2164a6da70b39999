from __future__ import annotations

from config.celery import app


@app.task(acks_late=True, ignore_result=True)
def spare_pool_refill() -> int:
    from tenants.provisioning import spare_pool_refill as refill

    return refill()
