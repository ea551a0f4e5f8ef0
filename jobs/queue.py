"""Handing a job to Celery: the one function services call to have a job run after their own writes."""

from django.db import transaction

from .registry import get
from .tasks import run_job


def enqueue(name, period=None):
    """Queue job `name` for `period` (the default key, computed when it runs, if None) once the current transaction
    commits; nothing is queued when it rolls back. The name and key are checked at once."""
    spec = get(name)
    if period is not None:
        period = spec.key(period)
    transaction.on_commit(lambda: run_job.delay(name, period))
