"""The members app's background task: a large sheet import (the periodic jobs run through jobs.tasks.run_job)."""

from celery import shared_task

from jobs.outbox import perform
from jobs.tasks import RETRY_ON


@shared_task(bind=True, acks_late=True, autoretry_for=RETRY_ON, retry_backoff=True, retry_backoff_max=60,
             max_retries=5)
def run_member_import(self, import_id, outbox_id=None):
    """A large import in the background, of whatever kind the job says (members, points, dues, attendance:
    members.imports.import_run dispatches by kind). Queued through the outbox (members.imports.import_start), it
    holds the import's outbox row: a run whose worker died, or whose database connection was lost, restarts
    the import from scratch; a duplicate delivery does nothing."""
    from .imports import import_run

    result = perform(self, outbox_id, lambda: import_run(import_id, takeover=outbox_id is not None))
    return {"created": result.created if result else 0}
