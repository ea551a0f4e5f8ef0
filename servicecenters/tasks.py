"""Celery tasks of the booking side: the daily job, run through the ledger (at most once per local day)."""

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from jobs.ledger import run_once

from . import services

DAILY = "servicecenters.daily"


@shared_task(
    name="servicecenters.daily_bookings",
    bind=True,
    acks_late=True,
    autoretry_for=(OperationalError, ConnectionError),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=5,
)
def daily_bookings(self, day=None):
    """Tomorrow's reminders, no-show marking and completion for local day `day` (default: today)."""
    day = day or timezone.localdate().isoformat()
    result, ran = run_once(DAILY, day, services.daily_bookings)
    return {"job": DAILY, "period": day, "ran": ran, "result": result}
