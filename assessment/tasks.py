"""Celery tasks for beat: each computes its default period itself and runs the job through the ledger."""

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from jobs.ledger import run_once

from . import jobs
from core.periods import last_complete_quarter, month_of

RETRY = {
    "bind": True,
    "acks_late": True,
    "autoretry_for": (OperationalError, ConnectionError),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "max_retries": 5,
}


@shared_task(name="assessment.quarterly_ranking", **RETRY)
def quarterly_ranking(self, quarter=None):
    """The ranking snapshot of `quarter` (default: the last complete quarter, as beat on the 1st wants)."""
    quarter = quarter or last_complete_quarter(timezone.localdate())
    result, ran = run_once(jobs.QUARTERLY, quarter)
    return {"job": jobs.QUARTERLY, "period": quarter, "ran": ran, "result": result}


@shared_task(name="assessment.monthly_reminders", **RETRY)
def monthly_reminders(self, month=None):
    """Inspection reminders and overdue-rectification notices of `month` (default: the current month)."""
    month = month or month_of(timezone.localdate())
    result, ran = run_once(jobs.MONTHLY, month)
    return {"job": jobs.MONTHLY, "period": month, "ran": ran, "result": result}
