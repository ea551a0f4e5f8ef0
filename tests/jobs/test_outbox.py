"""The outbox: a hand-off to Celery is a row of the caller's transaction, sent after commit, sent again by the sweep;
a task claims its row under a lease; staff see each job and retry a failed one. (The real failures of Redis, a
worker and PostgreSQL are in tests/faults.)"""

import datetime

import kombu.exceptions
import pytest
from django.conf import settings
from django.db import InterfaceError, transaction
from django.urls import reverse
from django.utils import timezone

from inbox.models import Message
from jobs import outbox, queue, services, tasks
from jobs.ledger import Unfinished, run_once
from jobs.models import JobRun, Outbox, OutboxState
from jobs.registry import job
from tests.factories import UserFactory

from . import test_ledger  # noqa: F401  (registers test.greet_all)

RUN = "jobs.tasks.run_job"
WAITING_FOR = []


@job("test.needs_data", period="month", ready="any")
def needs_data(period):
    """Done only once its data exists (as the ranking waits for a quarter's plan)."""
    if WAITING_FOR:
        return Unfinished(partial=True, waiting_for=WAITING_FOR[0])
    return {"complete": True}


@job("test.breaks", period="month", ready="any")
def breaks(period):
    raise RuntimeError("a bug")


@pytest.fixture
def published(monkeypatch):
    calls = []
    monkeypatch.setattr(outbox, "_publish", lambda entry: calls.append(entry.pk))
    return calls


@pytest.fixture
def broker_down(monkeypatch):
    def refuse(entry):
        raise kombu.exceptions.OperationalError("Error 111 connecting to 127.0.0.1:6390. Connection refused.")

    monkeypatch.setattr(outbox, "_publish", refuse)


def _run(entry, task_id="t-1"):
    """Deliver the outbox row's message to its task (as a worker does), with a given Celery task id."""
    return tasks.run_job.apply(args=entry.args, kwargs={"outbox_id": entry.pk}, task_id=task_id)


def test_the_broker_settings_lose_nothing():
    """acks late + reject on worker lost, and a visibility timeout longer than any task's time limit and the lease."""
    assert settings.CELERY_TASK_ACKS_LATE and settings.CELERY_TASK_REJECT_ON_WORKER_LOST
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    limit = max(getattr(settings, "CELERY_TASK_TIME_LIMIT", None) or 0,
                getattr(settings, "CELERY_TASK_SOFT_TIME_LIMIT", None) or 0)
    assert visibility == 900 and visibility > limit and visibility > settings.JOBS_LEASE_SECONDS
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["socket_timeout"] <= 5
    assert tasks.run_job.acks_late and InterfaceError in tasks.RETRY_ON


@pytest.mark.django_db
def test_a_broker_down_at_commit_leaves_the_row_pending_for_the_sweep(broker_down, django_capture_on_commit_callbacks,
                                                                      settings, monkeypatch):
    settings.JOBS_SEND_GRACE_SECONDS = 0
    with django_capture_on_commit_callbacks(execute=True):
        entry = queue.enqueue("test.greet_all", "2026-11")  # no exception reaches the caller
    entry.refresh_from_db()
    assert entry.state == OutboxState.PENDING and "Connection refused" in entry.last_error
    assert outbox.sweep()["unsent"] == 1  # still down
    sent = []
    monkeypatch.setattr(outbox, "_publish", lambda e: sent.append(e.pk))  # Redis is back
    counts = outbox.sweep()
    entry.refresh_from_db()
    assert counts["sent"] == 1 and sent == [entry.pk] and (entry.state, entry.sends) == (OutboxState.SENT, 1)
    assert outbox.sweep()["sent"] == 0  # sent once


@pytest.mark.django_db
def test_a_row_runs_once_whatever_the_deliveries(published, django_capture_on_commit_callbacks):
    UserFactory.create_batch(2)
    with django_capture_on_commit_callbacks(execute=True):
        entry = queue.enqueue("test.greet_all", "2026-11")
    assert _run(entry).get()["ran"] is True
    assert _run(entry, "t-2").get() is None  # a duplicate message (the sweep's re-send): nothing
    entry.refresh_from_db()
    assert (entry.state, entry.attempts, entry.task_id) == (OutboxState.DONE, 1, "t-1")
    assert entry.result["result"] == {"sent": 2} and Message.objects.count() == 2


@pytest.mark.django_db
def test_a_live_lease_is_respected_a_lapsed_one_or_the_same_task_takes_over(published, settings):
    settings.JOBS_LEASE_SECONDS = 60
    entry = Outbox.objects.create(task=RUN, args=["test.greet_all", "2026-11"], state=OutboxState.SENT)
    assert outbox.claim(entry.pk, "worker-a")
    assert not outbox.claim(entry.pk, "worker-b")  # held: a second delivery does nothing
    assert outbox.claim(entry.pk, "worker-a")  # the same task redelivered (its worker child was killed)
    later = timezone.now() + datetime.timedelta(seconds=61)
    assert outbox.claim(entry.pk, "worker-b", now=later)  # the lease lapsed: the worker died
    entry.refresh_from_db()
    assert (entry.state, entry.task_id, entry.attempts) == (OutboxState.RUNNING, "worker-b", 3)


@pytest.mark.django_db
def test_the_sweep_hands_again_what_a_dead_worker_or_a_lost_queue_left(published, settings):
    settings.JOBS_SEND_GRACE_SECONDS = 0
    now = timezone.now()
    dead = Outbox.objects.create(task=RUN, args=["test.greet_all", "2026-11"], state=OutboxState.RUNNING,
                                 task_id="gone", heartbeat_at=now - datetime.timedelta(seconds=61))
    alive = Outbox.objects.create(task=RUN, args=["test.greet_all", "2026-10"], state=OutboxState.RUNNING,
                                  task_id="busy", heartbeat_at=now - datetime.timedelta(seconds=5))
    lost = Outbox.objects.create(task=RUN, args=["test.greet_all", "2026-09"], state=OutboxState.SENT,
                                 sent_at=now - datetime.timedelta(seconds=901))
    queued = Outbox.objects.create(task=RUN, args=["test.greet_all", "2026-08"], state=OutboxState.SENT,
                                   sent_at=now - datetime.timedelta(seconds=60))
    waiting = Outbox.objects.create(task=RUN, args=["test.needs_data", "2026-11"], state=OutboxState.WAITING,
                                    finished_at=now - datetime.timedelta(hours=2))
    old_done = Outbox.objects.create(task=RUN, state=OutboxState.DONE, finished_at=now - datetime.timedelta(days=31))
    counts = outbox.sweep()
    assert (counts["worker_lost"], counts["message_lost"], counts["retried_waiting"]) == (1, 1, 1)
    assert sorted(published) == sorted([dead.pk, lost.pk, waiting.pk]) and counts["forgotten"] == 1
    states = dict(Outbox.objects.values_list("pk", "state"))
    assert states[alive.pk] == OutboxState.RUNNING and states[queued.pk] == OutboxState.SENT
    assert old_done.pk not in states and states[dead.pk] == OutboxState.SENT
    assert Outbox.objects.get(pk=dead.pk).last_error == "The worker running it stopped answering."


@pytest.mark.django_db
def test_a_lost_connection_is_retried_and_a_bug_fails_the_row(published, monkeypatch, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        entry = queue.enqueue("test.greet_all", "2026-11")
        broken = queue.enqueue("test.breaks", "2026-11")
    from jobs import ledger

    real = ledger.run_once

    def lost(*args, **kwargs):
        raise InterfaceError("connection already closed")

    monkeypatch.setattr(ledger, "run_once", lost)
    with pytest.raises(InterfaceError):
        _run(entry).get()  # eager: the task's retries run at once, and all fail
    entry.refresh_from_db()
    assert entry.attempts == 1 + tasks.run_job.max_retries  # each retry took the row up again (same task id)
    assert entry.state == OutboxState.RUNNING and "connection already closed" in entry.last_error
    monkeypatch.setattr(ledger, "run_once", real)
    assert _run(entry).get()["ran"] is True  # the retry (same task id) takes it up again at once
    with pytest.raises(RuntimeError):
        _run(broken, "t-9").get()
    broken.refresh_from_db()
    assert broken.state == OutboxState.FAILED and "a bug" in broken.last_error


@pytest.mark.django_db
def test_a_job_waiting_for_data_is_not_done_and_runs_again(published):
    WAITING_FOR[:] = ["the plan"]
    try:
        result, ran = run_once("test.needs_data", "2026-11")
        assert ran and isinstance(result, Unfinished) and not JobRun.objects.get().done
        entry = queue.enqueue("test.needs_data", "2026-11")
        report = _run(entry).get()
        entry.refresh_from_db()
        assert report["ran"] and (entry.state, entry.last_error) == (OutboxState.WAITING, "the plan")
        # Beat's run (no outbox row) that cannot finish gets a row, so that the sweep tries it again.
        Outbox.objects.all().delete()
        tasks.run_job.apply(args=["test.needs_data", "2026-11"]).get()
        assert Outbox.objects.get().state == OutboxState.WAITING
        tasks.run_job.apply(args=["test.needs_data", "2026-11"]).get()
        assert Outbox.objects.count() == 1
    finally:
        WAITING_FOR.clear()
    entry = Outbox.objects.get()
    assert _run(entry, "t-3").get()["result"] == {"complete": True}
    entry.refresh_from_db()
    assert entry.state == OutboxState.DONE and JobRun.objects.get().done
    assert run_once("test.needs_data", "2026-11") == ({"complete": True}, False)


@pytest.mark.django_db
def test_district_staff_retry_a_failed_job_others_may_not(published, district_user, street_secretary,
                                                          django_capture_on_commit_callbacks):
    failed = Outbox.objects.create(task=RUN, args=["test.greet_all", "2026-11"], state=OutboxState.FAILED,
                                   last_error="RuntimeError: a bug")
    done = Outbox.objects.create(task=RUN, args=["test.greet_all", "2026-10"], state=OutboxState.DONE)
    with pytest.raises(services.PermissionDenied):
        services.outbox_retry(actor=street_secretary, entry=failed)
    with pytest.raises(services.ValidationError):
        services.outbox_retry(actor=district_user, entry=done)
    with django_capture_on_commit_callbacks(execute=True):
        services.outbox_retry(actor=district_user, entry=failed)
    failed.refresh_from_db()
    assert failed.state == OutboxState.SENT and published == [failed.pk]


@pytest.mark.django_db
def test_the_admin_lists_the_jobs_and_retries_through_the_service(client, published, district_user, street_secretary,
                                                                  django_capture_on_commit_callbacks):
    failed = Outbox.objects.create(task=RUN, args=["test.greet_all", "2026-11"], label="test.greet_all 2026-11",
                                   state=OutboxState.FAILED, attempts=2, last_error="RuntimeError: a bug")
    waiting = JobRun.objects.create(job="test.needs_data", period="2026-11", done=False, started_at=timezone.now())
    url = reverse("admin:jobs_outbox_changelist")
    client.force_login(street_secretary)
    assert client.get(url).status_code == 403
    client.force_login(district_user)
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "test.greet_all 2026-11" in page and "RuntimeError: a bug" in page and 'value="retry"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"action": "retry", "_selected_action": [failed.pk]})
    assert response.status_code == 302 and published == [failed.pk]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("admin:jobs_jobrun_changelist"), {"action": "run_again",
                                                              "_selected_action": [waiting.pk]})
    assert Outbox.objects.filter(args=["test.needs_data", "2026-11"]).exists() and len(published) == 2


@pytest.mark.django_db
def test_a_period_not_begun_is_refused_everywhere(published):
    from django.core.management import CommandError, call_command

    from jobs.registry import NotReady

    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    with pytest.raises(CommandError, match="has not begun yet"):
        call_command("run_job", "servicecenters.daily", tomorrow)
    with pytest.raises(NotReady):
        tasks.run_job.apply(args=["servicecenters.daily", tomorrow]).get()
    with pytest.raises(NotReady):
        queue.enqueue("servicecenters.daily", tomorrow)
    this_quarter = "2026Q4" if timezone.localdate() < datetime.date(2027, 1, 1) else "2099Q1"
    with pytest.raises(CommandError, match="is not over yet"):
        call_command("run_job", "members.duty_compliance", this_quarter)
    assert not JobRun.objects.exists() and not Outbox.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_an_enqueue_in_a_rolled_back_transaction_leaves_no_row(published):
    with pytest.raises(RuntimeError), transaction.atomic():
        queue.enqueue("test.greet_all", "2026-11")
        raise RuntimeError
    assert not Outbox.objects.exists() and published == []
