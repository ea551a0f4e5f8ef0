"""Run a job at most once per period, whatever happens around it (beat firing twice, a retry, a person).

The ledger row is written in the same transaction as the job's own writes: if the job fails, nothing of
it stays, the row included, and the next try starts clean; if it succeeded, a second run finds the row
and returns the stored result without doing anything.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import JobRun


def run_once(job, period, fn=None):
    """Run `fn(period)` (or the job registered as `job`, jobs.registry) for (job, period) unless it already ran;
    returns (result, ran_now). `period` is taken as given: jobs.registry.run checks and completes it first."""
    if fn is None:
        from .registry import get

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
