from celery import shared_task
from django.db import OperationalError

from .jobs import JOB, current_period, run


@shared_task(acks_late=True, autoretry_for=(OperationalError, ConnectionError), retry_backoff=True, max_retries=5)
def refresh_dashboard(period=None):
    """Beat's hourly entry point (installed by migration 0001): runs the ledger job for this hour, once."""
    period = period or current_period()
    result, ran = run(period)
    return {"job": JOB, "period": period, "ran": ran, "result": result}
