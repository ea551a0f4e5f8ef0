"""Run a job at most once per period, whatever happens around it (beat firing twice, a retry, a person).

The ledger row is written in the same transaction as the job's own writes: if the job fails, nothing of
it stays, the row included, and the next try starts clean; if it succeeded, a second run finds the row
and returns the stored result without doing anything.

A job that finds data it needs missing returns `Unfinished(result)`: its writes are kept (a job that may finish
later does each part once by itself, as the ranking does per level), the row is stored as not done, and the next
run of the period runs it again (by hand, the admin's "run again", or the outbox's sweep).
"""

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import JobRun
from .registry import get


class Unfinished(dict):
    """The result of a job that could not finish its period yet (a dict, stored like any result); pass what
    is missing as `waiting_for`, e.g. ``Unfinished(levels=..., waiting_for="the 2026 plan of: department")``."""


def run_once(job, period, fn=None):
    """Run `fn(period)` (or the job registered as `job`, jobs.registry) for (job, period) unless it already ran;
    returns (result, ran_now). `period` is taken as given: run() checks and completes it first. A result of
    `Unfinished` is stored as not done, and the next call runs the job again."""
    if fn is None:
        fn = get(job).fn
    done = JobRun.objects.filter(job=job, period=period).first()
    if done is not None and done.done:
        return done.result, False
    with transaction.atomic():
        try:
            with transaction.atomic():
                # The unique key makes a concurrent run of the same job and period wait here, then fail.
                run = JobRun.objects.create(job=job, period=period, started_at=timezone.now())
        except IntegrityError:
            # Done meanwhile, or an unfinished run to take up again (locked: one runner at a time).
            run = JobRun.objects.select_for_update().get(job=job, period=period)
            if run.done:
                return run.result, False
            run.started_at = timezone.now()
        result = fn(period) or {}
        run.done = not isinstance(result, Unfinished)
        run.result = dict(result)
        run.finished_at = timezone.now()
        run.save(update_fields=["result", "done", "started_at", "finished_at"])
    return result, True


def run(name, period=None, *, now=None):
    """Run job `name` for `period` (its default key when None) through the ledger: (period, result, ran_now).

    UnknownJob for an unknown name, ValueError for a key that is not of the job's kind, and
    jobs.registry.NotReady (a ValueError) for a period that may not run yet (the job's `ready`); nothing runs then."""
    period = get(name).ready_key(period, now=now)
    result, ran = run_once(name, period)
    return period, result, ran
