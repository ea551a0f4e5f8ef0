"""The Celery tasks of the jobs app: the one task of the periodic jobs (beat's schedules and jobs.queue.enqueue both
queue it) and the outbox's relay (beat, every minute)."""

from celery import shared_task
from django.utils import timezone

from . import outbox
from .ledger import Unfinished, run
from .models import Outbox, OutboxState
from .outbox import RETRY_ON

__all__ = ["RETRY_ON", "relay_outbox", "run_job"]


@shared_task(bind=True, acks_late=True, autoretry_for=RETRY_ON, retry_backoff=True, retry_backoff_max=600,
             max_retries=5)
def run_job(self, name, period=None, outbox_id=None):
    """Run the registered job `name` for `period` (default: the job's default key now) through the ledger: a second
    run for the same period does nothing and reports the stored result. Queued through the outbox (`outbox_id`),
    the run is tracked there; a run of beat's that could not finish (jobs.ledger.Unfinished) gets an outbox row
    of its own, so that the sweep tries it again."""

    def work():
        key, result, ran = run(name, period)
        report = {"job": name, "period": key, "ran": ran, "result": dict(result)}
        return Unfinished(report, waiting_for=result.get("waiting_for", "")) if isinstance(result, Unfinished) \
            else report

    report = outbox.perform(self, outbox_id, work)
    if outbox_id is None and isinstance(report, Unfinished):
        args = [name, report["period"]]
        if not Outbox.objects.filter(task=self.name, args=args).exclude(
                state__in=[OutboxState.DONE, OutboxState.FAILED]).exists():
            Outbox.objects.create(task=self.name, args=args, label=f"{name} {report['period']}",
                                  state=OutboxState.WAITING, result=dict(report), last_error=report["waiting_for"],
                                  finished_at=timezone.now())
    return None if report is None else dict(report)


@shared_task(ignore_result=True, expires=50)
def relay_outbox():
    """The outbox's sweep (jobs.outbox.sweep): hand again what Redis, a worker or the database lost."""
    return outbox.sweep()
