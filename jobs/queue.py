"""Handing work to Celery: the functions services call to have a job (or a task) run after their own writes.

Both write an outbox row in the caller's transaction (jobs.outbox): the work is recorded with the change that
wants it, handed to the broker once the transaction commits, and handed again by the sweep if Redis was down or the
worker died. Nothing is recorded when the transaction rolls back.
"""

from . import outbox
from .registry import get

RUN_JOB = "jobs.tasks.run_job"


def enqueue(name, period=None):
    """Queue job `name` for `period` (the default key, computed when it runs, if None) once the current transaction
    commits; returns the outbox row. The name and key are checked at once: UnknownJob, ValueError, and
    jobs.registry.NotReady for a period the job may not run for yet."""
    spec = get(name)
    if period is not None:
        period = spec.ready_key(period)
    return outbox.write(RUN_JOB, [name, period], label=f"{name} {period or ''}".strip())


def enqueue_task(task, *args, label=""):
    """Queue the Celery task named `task` with `args` (JSON; the task also takes an `outbox_id` keyword and runs its
    work through jobs.outbox.perform) once the current transaction commits; returns the outbox row."""
    return outbox.write(task, args, label=label or task)
