"""The members app's background task: a large sheet import (the periodic jobs run through jobs.tasks.run_job)."""

from celery import shared_task

from jobs.tasks import RETRY_ON


@shared_task(bind=True, acks_late=True, autoretry_for=RETRY_ON, retry_backoff=True, max_retries=3)
def run_member_import(self, import_id):
    """A large import in the background, of whatever kind the job says (members, points, dues, attendance:
    members.imports.import_run dispatches by kind; running it twice does nothing)."""
    from .imports import import_run

    result = import_run(import_id)
    return {"created": result.created if result else 0}
