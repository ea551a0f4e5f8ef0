"""Run a job at most once per period, whatever happens around it (beat firing twice, a retry, a person).

The ledger row is written in the same transaction as the job's own writes: if the job fails, nothing of
it stays, the row included, and the next try starts clean; if it succeeded, a second run finds the row
and returns the stored result without doing anything.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import JobRun
from .registry import get


def run_once(job, period, fn=None):
    """Run `fn(period)` (or the job registered as `job`, jobs.registry) for (job, period) unless it already ran;
    returns (result, ran_now). `period` is taken as given: run() checks and completes it first."""
    if fn is None:
        fn = get(job).fn
    done = JobRun.objects.filter(job=job, period=period).first()
    if done is not None:
        return done.result, False
    with transaction.atomic():
        try:
            with transaction.atomic():
                # The unique key makes a concurrent run of the same job and period wait here, then fail.
                run = JobRun.objects.create(job=job, period=period, started_at=timezone.now())
        except IntegrityError:
            return JobRun.objects.get(job=job, period=period).result, False
        result = fn(period) or {}
        run.result = result
        run.finished_at = timezone.now()
        run.save(update_fields=["result", "finished_at"])
    return result, True


def run(name, period=None, *, now=None):
    """Run job `name` for `period` (its default key when None) through the ledger: (period, result, ran_now).

    UnknownJob for an unknown name, ValueError for a key that is not of the job's kind; nothing runs then."""
    period = get(name).key(period, now=now)
    result, ran = run_once(name, period)
    return period, result, ran
