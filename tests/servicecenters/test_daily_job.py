"""The daily job: tomorrow's reminders, no-shows, completion; run twice = once; a real worker runs it."""

import datetime
import time

import pytest
from django.core.management import call_command
from django.utils import timezone
from django.utils.translation import gettext
from django_celery_beat.models import PeriodicTask

from inbox.models import Message
from jobs.ledger import run_once
from jobs.models import JobRun
from jobs.schedules import RUN_JOB, job_args
from jobs.tasks import run_job
from servicecenters.jobs import DAILY, daily_bookings
from servicecenters.models import Booking, BookingStatus

from .conftest import local_dt


def _bookings(resident, room):
    today = timezone.localdate()
    yesterday, tomorrow = today - datetime.timedelta(days=1), today + datetime.timedelta(days=1)
    mk = lambda day, h, status: Booking.objects.create(  # noqa: E731
        room=room, resident=resident, start=local_dt(day, h), end=local_dt(day, h + 1), attendees=1, status=status)
    return {
        "missed": mk(yesterday, 9, BookingStatus.CONFIRMED),
        "came": mk(yesterday, 11, BookingStatus.CHECKED_IN),
        "undecided": mk(yesterday, 13, BookingStatus.PENDING),
        "tomorrow": mk(tomorrow, 9, BookingStatus.CONFIRMED),
        "tomorrow_pending": mk(tomorrow, 11, BookingStatus.PENDING),
        "later": mk(tomorrow + datetime.timedelta(days=1), 9, BookingStatus.CONFIRMED),
    }


@pytest.mark.django_db
def test_daily_job_run_twice_is_once(resident, room):
    b = _bookings(resident, room)
    today = timezone.localdate().isoformat()
    first, ran = run_once(DAILY, today)
    second, ran_again = run_once(DAILY, today)
    assert (ran, ran_again) == (True, False) and first == second == {"no_shows": 1, "completed": 1, "reminded": 1, "expired": 1}
    statuses = {k: Booking.objects.get(pk=v.pk).status for k, v in b.items()}
    assert statuses["missed"] == BookingStatus.NO_SHOW and statuses["came"] == BookingStatus.COMPLETED
    assert statuses["undecided"] == BookingStatus.CANCELLED and statuses["tomorrow_pending"] == BookingStatus.PENDING
    assert Message.objects.filter(kind="booking_reminder").count() == 1
    # Even the job itself, run again without the ledger, sends nothing twice.
    daily_bookings(today)
    assert Message.objects.filter(kind="booking_reminder").count() == 1


@pytest.mark.django_db
def test_daily_job_keeps_a_history_row_per_status_change(resident, room):
    b = _bookings(resident, room)
    daily_bookings(timezone.localdate().isoformat())
    for key, status in (("missed", BookingStatus.NO_SHOW), ("came", BookingStatus.COMPLETED),
                        ("undecided", BookingStatus.CANCELLED)):
        latest = Booking.history.filter(id=b[key].pk).order_by("-history_id").first()
        assert (latest.status, latest.history_type, latest.history_user_id) == (status, "~", None)
    assert Booking.objects.get(pk=b["undecided"].pk).reason == gettext("Not approved before it began.")
    assert not Booking.history.filter(id=b["tomorrow"].pk, history_type="~").exists()


@pytest.mark.django_db
def test_management_command_and_schedule(resident, room, capsys):
    _bookings(resident, room)
    day = timezone.localdate().isoformat()
    call_command("run_job", DAILY, day)
    call_command("run_job", DAILY, day)
    out = capsys.readouterr().out
    assert JobRun.objects.filter(job=DAILY, period=day).count() == 1 and "reminded" in out
    task = PeriodicTask.objects.get(task=RUN_JOB, args=job_args(DAILY))
    assert task.crontab.hour == "7" and str(task.crontab.timezone) == "Asia/Shanghai" and task.enabled


@pytest.mark.worker
def test_a_real_worker_runs_the_daily_job(celery_worker_real, resident, room):
    _bookings(resident, room)
    day = timezone.localdate().isoformat()
    run_job.delay(DAILY, day)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not JobRun.objects.filter(job=DAILY, period=day, finished_at__isnull=False).exists():
        time.sleep(0.1)
    assert JobRun.objects.get(job=DAILY, period=day).result == {"no_shows": 1, "completed": 1, "reminded": 1, "expired": 1}
    run_job.delay(DAILY, day)
    time.sleep(1.0)
    assert Message.objects.filter(kind="booking_reminder").count() == 1
