from celery import shared_task
from django.db import OperationalError

from .ledger import run_once


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(OperationalError, ConnectionError),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=5,
)
def run_job(self, job, period):
    """Run the registered job `job` for `period` through the ledger (idempotent)."""
    result, ran = run_once(job, period)
    return {"job": job, "period": period, "ran": ran, "result": result}
