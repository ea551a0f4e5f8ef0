import threading

import pytest
from django.db import connection, transaction

from inbox.models import Message
from inbox.services import message_send
from jobs.ledger import run_once
from jobs.registry import job
from jobs.models import JobRun
from jobs.tasks import run_job
from tests.factories import UserFactory

CALLS = []


@job("test.greet_all", period="month", ready="any")
def greet_all(period):
    """A job for the machinery's own tests: one inbox message per user per period."""
    from django.contrib.auth import get_user_model

    CALLS.append(period)
    sent = 0
    for user in get_user_model().objects.order_by("pk"):
        _, created = message_send(recipient=user, kind="test", key=f"greet:{period}", subject=f"你好 {period}")
        sent += created
    return {"sent": sent}


@pytest.fixture(autouse=True)
def _reset_calls():
    CALLS.clear()


@pytest.mark.django_db
def test_running_twice_is_running_once():
    UserFactory.create_batch(3)
    first, ran = run_once("test.greet_all", "2026-11")
    second, ran_again = run_once("test.greet_all", "2026-11")
    assert (ran, ran_again) == (True, False)
    assert first == second == {"sent": 3}
    assert Message.objects.count() == 3 and CALLS == ["2026-11"]
    run_once("test.greet_all", "2026-12")
    assert Message.objects.count() == 6


@pytest.mark.django_db
def test_a_failing_job_leaves_nothing_and_can_run_again():
    UserFactory.create_batch(2)

    def boom(period):
        message_send(recipient=UserFactory(), kind="test", key="x", subject="半截")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        run_once("test.boom", "2026-11", boom)
    assert not JobRun.objects.exists() and not Message.objects.exists()
    result, ran = run_once("test.boom", "2026-11", lambda period: {"ok": 1})
    assert ran and result == {"ok": 1}


@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_do_the_work_once():
    UserFactory.create_batch(2)
    barrier = threading.Barrier(4)
    results = []

    def worker():
        barrier.wait()
        try:
            results.append(run_once("test.greet_all", "2026Q4"))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sorted(ran for _, ran in results) == [False, False, False, True]
    assert JobRun.objects.filter(job="test.greet_all").count() == 1
    assert Message.objects.count() == 2


@pytest.mark.worker
def test_a_real_worker_runs_the_job_from_the_redis_broker(celery_worker_real):
    UserFactory.create_batch(2)
    result = run_job.delay("test.greet_all", "2026-11")
    assert result.id
    # No result backend: wait on the ledger the worker writes.
    import time

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not JobRun.objects.filter(job="test.greet_all").exists():
        time.sleep(0.1)
    assert JobRun.objects.get(job="test.greet_all", period="2026-11").result == {"sent": 2}
    run_job.delay("test.greet_all", "2026-11")
    time.sleep(1.0)
    assert Message.objects.count() == 2


@pytest.mark.django_db
def test_message_send_is_idempotent_and_mails_on_commit(mailoutbox, django_capture_on_commit_callbacks):
    user = UserFactory(email="a@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            message, created = message_send(recipient=user, kind="t", key="k1", subject="主题", body="正文", email=True)
    again, created_again = message_send(recipient=user, kind="t", key="k1", subject="主题", email=True)
    assert created and not created_again and again.pk == message.pk
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["a@example.com"]
