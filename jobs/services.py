"""What staff may do with background jobs: hand a failed or waiting one to the queue again, run a schedule now
(district staff)."""

import json

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.scopes import is_district
from core.errors import PermissionDenied, ValidationError

from . import outbox
from .models import JobRun, Outbox, OutboxState
from .queue import enqueue
from .registry import UnknownJob

RETRYABLE = (OutboxState.FAILED, OutboxState.WAITING, OutboxState.PENDING)


def _require_district(actor):
    if not is_district(actor):
        raise PermissionDenied(_("Only district staff may do this."))


@transaction.atomic
def outbox_retry(*, actor, entry):
    """Hand the background job `entry` (an Outbox row that failed, waits for missing data, or was never handed to
    the queue) to the queue again, once this transaction commits. Its work is idempotent (the ledger, the import's
    single transaction), so a retry never does it twice. District staff only."""
    _require_district(actor)
    entry = Outbox.objects.select_for_update().get(pk=entry.pk)
    if entry.state not in RETRYABLE:
        raise ValidationError(_("Only a failed or waiting job, or one not yet handed to the queue, can be retried."))
    entry.state = OutboxState.PENDING
    entry.save(update_fields=["state"])
    transaction.on_commit(lambda: outbox.send(entry.pk), robust=True)
    return entry


@transaction.atomic
def job_run_again(*, actor, run):
    """Queue the job of the ledger row `run` again for its period, if it is not done (it waited for missing data).
    District staff only."""
    _require_district(actor)
    run = JobRun.objects.select_for_update().get(pk=run.pk)
    if run.done:
        raise ValidationError(_("%(job)s %(period)s is done; it does not run again.")
                              % {"job": run.job, "period": run.period})
    try:
        return enqueue(run.job, run.period)
    except (UnknownJob, ValueError) as exc:
        raise ValidationError(str(exc)) from exc


@transaction.atomic
def schedule_run_now(*, actor, task):
    """Run beat's schedule `task` (a django-celery-beat PeriodicTask) now, the way beat would: a job of the registry
    through jobs.queue.enqueue for its default period (the ledger records it, and a period already done is not
    redone). Any other task (the outbox's relay, every minute) runs on its own schedule only. District staff only."""
    from .schedules import RUN_JOB

    _require_district(actor)
    try:
        args = json.loads(task.args or "[]")
    except ValueError as exc:
        raise ValidationError(_("The schedule's arguments are not readable JSON.")) from exc
    if task.task != RUN_JOB:
        raise ValidationError(_("Only the portal's jobs can be run from here; this task keeps its own schedule."))
    if not args or not isinstance(args[0], str):
        raise ValidationError(_("The schedule names no job."))
    try:
        return enqueue(args[0], args[1] if len(args) > 1 else None)
    except (UnknownJob, ValueError) as exc:
        raise ValidationError(str(exc)) from exc
