"""The outbox: every piece of work handed to Celery is first a row, written in the same transaction as the change
that wants it, so that nothing is lost when Redis, a worker or the database fails.

    write()    in the caller's transaction: an `Outbox` row (pending), and, once the transaction commits, a fast try
               to hand it to the broker (sent). If Redis is down or frozen the try fails within a few seconds
               (broker socket timeouts, no publish retries), is logged, and the row stays pending: the caller's
               request answers normally.
    perform()  in the task: claims the row (running, with this task's id and a lease), keeps the lease alive from a
               thread while the work runs, and marks the row done, waiting (jobs.ledger.Unfinished) or failed.
               A second delivery of the same row (a duplicate message, the sweep's re-send) finds it done or
               held and does nothing; a redelivery of the same task (a lost worker child: acks late and
               task_reject_on_worker_lost) or its retry (a lost connection) takes it up again at once.
    sweep()    every minute (beat runs jobs.tasks.relay_outbox; `manage.py relay_outbox` by hand): hands again
               what is pending (Redis was down), what was sent long ago and never started (Redis lost its
               queue), what is running under a lapsed lease (its worker was killed) and, hourly, what waits for
               missing data; it forgets done rows after JOBS_OUTBOX_KEEP_DAYS.

The work itself is idempotent, so a row may safely run twice: a job goes through the ledger (jobs.ledger, once per
period) and a background import restarts from scratch in one transaction (members.imports.engine).
"""

import logging
import threading
from datetime import timedelta

import kombu.exceptions
import redis.exceptions
from celery import current_app
from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from .models import Outbox, OutboxState

logger = logging.getLogger(__name__)

#: A lost database or broker connection: the task retries with back-off (and, should the retries run out, the
#: sweep hands the row again once its lease lapses); anything else (a bug, a bad key) fails the row at once.
RETRY_ON = (OperationalError, InterfaceError, ConnectionError, redis.exceptions.ConnectionError,
            redis.exceptions.TimeoutError, kombu.exceptions.OperationalError)

_DEFAULTS = {
    # A running task's heartbeat is written every quarter of the lease; a lease older than this is a dead worker.
    "JOBS_LEASE_SECONDS": 60,
    # A row the fast path should have sent by now: the sweep sends the pending rows older than this.
    "JOBS_SEND_GRACE_SECONDS": 10,
    # A row sent this long ago and never started: its message was lost (Redis restarted without its data).
    # As long as Redis's visibility timeout, so that a message only waiting in a long queue is not sent twice.
    "JOBS_RESEND_AFTER_SECONDS": 900,
    # A job waiting for missing data (jobs.ledger.Unfinished) is tried again this often.
    "JOBS_WAITING_RETRY_SECONDS": 3600,
    "JOBS_OUTBOX_KEEP_DAYS": 30,
}


def setting(name):
    return getattr(settings, name, _DEFAULTS[name])


def _seconds(name):
    return timedelta(seconds=setting(name))


def _error_text(exc):
    return f"{type(exc).__name__}: {exc}"[:2000]


# --- writing and sending -------------------------------------------------------------------------------------


def write(task, args=(), *, label=""):
    """Record the intent to run Celery task `task` (its registered name) with `args` (JSON) in the current
    transaction, and try to hand it to the broker once that commits; returns the Outbox row. Nothing is recorded,
    nor sent, when the transaction rolls back."""
    entry = Outbox.objects.create(task=task, args=list(args), label=label[:200])
    transaction.on_commit(lambda: send(entry.pk), robust=True)
    return entry


def _publish(entry):
    """Publish the message of `entry` without publish retries: a broker that is down answers at once, a frozen one
    within the broker socket timeout (settings.CELERY_BROKER_TRANSPORT_OPTIONS); the sweep is the retry."""
    task = current_app.tasks.get(entry.task)
    kwargs = {"outbox_id": entry.pk}
    if task is not None:
        task.apply_async(args=entry.args, kwargs=kwargs, retry=False)  # eager in the demo: runs here
    else:
        current_app.send_task(entry.task, args=entry.args, kwargs=kwargs, retry=False)


def send(pk):
    """Hand the pending outbox row `pk` to the broker; True when handed. A broker or database that does not answer
    is logged and leaves the row pending for the sweep; nothing is raised."""
    try:
        entry = Outbox.objects.filter(pk=pk, state=OutboxState.PENDING).first()
        if entry is None:
            return False
        try:
            _publish(entry)
        except Exception as exc:  # noqa: BLE001  (whatever the broker says, the row waits for the sweep)
            logger.warning("Outbox %s (%s) not handed to the broker, left for the sweep: %s", pk, entry, exc)
            Outbox.objects.filter(pk=pk, state=OutboxState.PENDING).update(last_error=_error_text(exc))
            return False
        # An eager task (the demo) or a quick worker may have claimed the row already: only pending becomes sent.
        Outbox.objects.filter(pk=pk).update(
            sends=F("sends") + 1, sent_at=timezone.now(),
            state=Case(When(state=OutboxState.PENDING, then=Value(OutboxState.SENT)), default=F("state")))
        return True
    except DatabaseError as exc:
        logger.warning("Outbox %s not handed to the broker (database): %s", pk, exc)
        return False


# --- running -------------------------------------------------------------------------------------------------


def claim(pk, task_id, *, now=None):
    """Take outbox row `pk` for the task `task_id`: True if it is pending, sent or waiting, running under a lapsed
    lease, or running under this very task id (its redelivery after a lost worker child, or its retry)."""
    now = now or timezone.now()
    lapsed = now - _seconds("JOBS_LEASE_SECONDS")
    return bool(Outbox.objects.filter(pk=pk).filter(
        Q(state__in=[OutboxState.PENDING, OutboxState.SENT, OutboxState.WAITING])
        | Q(state=OutboxState.RUNNING, heartbeat_at__lt=lapsed)
        | Q(state=OutboxState.RUNNING, task_id=task_id)
    ).update(state=OutboxState.RUNNING, task_id=task_id, attempts=F("attempts") + 1, started_at=now,
             heartbeat_at=now, finished_at=None))


def _mine(pk, task_id):
    return Outbox.objects.filter(pk=pk, task_id=task_id, state=OutboxState.RUNNING)


class Heartbeat(threading.Thread):
    """Keeps the lease of a running row alive every quarter of JOBS_LEASE_SECONDS, on its own database connection;
    dies with the worker, so a killed worker's lease lapses."""

    def __init__(self, pk, task_id):
        super().__init__(daemon=True, name=f"outbox-heartbeat-{pk}")
        self.pk, self.task_id = pk, task_id
        self.stopped = threading.Event()

    def run(self):
        every = max(setting("JOBS_LEASE_SECONDS") / 4, 0.2)
        try:
            while not self.stopped.wait(every):
                try:
                    _mine(self.pk, self.task_id).update(heartbeat_at=timezone.now())
                except DatabaseError:  # the database restarts: try again next beat, on a new connection
                    connection.close()
        finally:
            connection.close()

    def stop(self):
        self.stopped.set()
        self.join(timeout=2)


def _finish(pk, task_id, state, *, result=None, error=""):
    try:
        _mine(pk, task_id).update(state=state, finished_at=timezone.now(), heartbeat_at=timezone.now(),
                                  result=result if isinstance(result, dict) else {}, last_error=error)
    except DatabaseError as exc:  # the work is done (or failed) and idempotent: the sweep hands it again
        logger.warning("Outbox %s: could not record %s: %s", pk, state, exc)


def perform(task, outbox_id, work):
    """Run `work()` inside the Celery task `task` as the outbox row `outbox_id` (None: a message not from the outbox,
    e.g. beat's: just run it). Returns work()'s result, or None when another delivery has the row (done, or held
    under a live lease). A lost connection is raised for the task to retry, leaving the row running under this task
    id; any other error marks the row failed (staff may retry it) and is raised."""
    from .ledger import Unfinished

    if outbox_id is None:
        return work()
    task_id = task.request.id or ""
    if not claim(outbox_id, task_id):
        return None
    heartbeat = None if task.request.is_eager else Heartbeat(outbox_id, task_id)
    if heartbeat:
        heartbeat.start()
    try:
        result = work()
    except RETRY_ON as exc:
        try:
            _mine(outbox_id, task_id).update(last_error=_error_text(exc), heartbeat_at=timezone.now())
        except DatabaseError:
            pass
        raise
    except Exception as exc:
        _finish(outbox_id, task_id, OutboxState.FAILED, error=_error_text(exc))
        raise
    finally:
        if heartbeat:
            heartbeat.stop()
    state = OutboxState.WAITING if isinstance(result, Unfinished) else OutboxState.DONE
    _finish(outbox_id, task_id, state, result=result,
            error=str(result.get("waiting_for", "")) if state == OutboxState.WAITING else "")
    return result


# --- the sweep -----------------------------------------------------------------------------------------------


def sweep(*, now=None, limit=500):
    """Hand again every row that should be running and is not (see the module's docstring); returns counts."""
    now = now or timezone.now()
    counts = {
        "worker_lost": Outbox.objects.filter(
            state=OutboxState.RUNNING, heartbeat_at__lt=now - _seconds("JOBS_LEASE_SECONDS"),
        ).update(state=OutboxState.PENDING, last_error="The worker running it stopped answering."),
        "message_lost": Outbox.objects.filter(
            state=OutboxState.SENT, sent_at__lt=now - _seconds("JOBS_RESEND_AFTER_SECONDS"),
        ).update(state=OutboxState.PENDING),
        "retried_waiting": Outbox.objects.filter(
            state=OutboxState.WAITING, finished_at__lt=now - _seconds("JOBS_WAITING_RETRY_SECONDS"),
        ).update(state=OutboxState.PENDING),
    }
    pending = list(Outbox.objects.filter(
        state=OutboxState.PENDING, created_at__lt=now - _seconds("JOBS_SEND_GRACE_SECONDS"),
    ).order_by("pk").values_list("pk", flat=True)[:limit])
    counts["sent"] = sum(send(pk) for pk in pending)
    counts["unsent"] = len(pending) - counts["sent"]
    counts["forgotten"] = Outbox.objects.filter(
        state=OutboxState.DONE, finished_at__lt=now - timedelta(days=setting("JOBS_OUTBOX_KEEP_DAYS")),
    ).delete()[0]
    return counts
