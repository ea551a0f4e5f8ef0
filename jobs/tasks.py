"""The one Celery task of the periodic jobs: beat's schedules and jobs.queue.enqueue both queue it."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from .ledger import run

#: A lost database or broker connection is retried with back-off; anything else (a bug, a bad key) is not.
RETRY_ON = (OperationalError, InterfaceError, ConnectionError)


@shared_task(acks_late=True, autoretry_for=RETRY_ON, retry_backoff=True, retry_backoff_max=600, max_retries=5)
def run_job(name, period=None):
    """Run the registered job `name` for `period` (default: the job's default key now) through the ledger: a second
    run for the same period does nothing and reports the stored result."""
    period, result, ran = run(name, period)
    return {"job": name, "period": period, "ran": ran, "result": result}
