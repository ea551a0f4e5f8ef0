import datetime

from celery import shared_task
from django.db import OperationalError

from . import jobs


@shared_task(bind=True, acks_late=True, autoretry_for=(OperationalError, ConnectionError), retry_backoff=True,
             max_retries=5)
def daily_member_jobs(self, day=None):
    """Political-birthday greetings and development deadline reminders for `day` (ISO date; today by default)."""
    return jobs.run_daily(datetime.date.fromisoformat(day) if day else None)


@shared_task(bind=True, acks_late=True, autoretry_for=(OperationalError, ConnectionError), retry_backoff=True,
             max_retries=5)
def monthly_member_jobs(self, day=None):
    """Duty-checklist reminders for the month just ended; the quarter's compliance snapshot after its last month."""
    return jobs.run_monthly(datetime.date.fromisoformat(day) if day else None)


@shared_task(bind=True, acks_late=True, autoretry_for=(OperationalError, ConnectionError), retry_backoff=True,
             max_retries=3)
def run_member_import(self, import_id):
    """A large import in the background, of whatever kind the job says (members, points, dues, attendance:
    members.imports.import_run dispatches by kind; running it twice does nothing)."""
    from .imports import import_run

    result = import_run(import_id)
    return {"created": result.created if result else 0}
