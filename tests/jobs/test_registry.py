"""One job path: the registry, `enqueue` (on commit), `manage.py run_job`, and beat's schedules from the registry."""

import datetime
import importlib
import json
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from inbox.models import Message
from jobs import ledger, queue, registry
from jobs.models import JobRun, Outbox
from jobs.schedules import RELAY, RUN_JOB, crontab_fields, job_args, sync_schedules
from tests.factories import UserFactory

from . import test_ledger  # noqa: F401  (registers test.greet_all, a job without a schedule)

#: The jobs of the portal and when beat runs them (minute hour day_of_week day_of_month month_of_year).
EXPECTED = {
    "accountability.term_warnings": ("month", "40 7 * 1 *"),
    "accountability.year_end": ("year", "0 3 * 1 1"),
    "assessment.interview_actions": ("day", "20 7 * * *"),
    "assessment.monthly_reminders": ("month", "0 8 * 1 *"),
    "assessment.quarterly_ranking": ("quarter", "0 2 * 1 1,4,7,10"),
    "dashboard.refresh_figures": ("hour", "5 * * * *"),
    "inbox.deliver": ("hour", "0 * * * *"),
    "members.development_deadlines": ("day", "10 7 * * *"),
    "members.duty_compliance": ("quarter", "30 7 * 1 1,4,7,10"),
    "members.duty_reminders": ("month", "30 7 * 1 *"),
    "members.political_birthdays": ("day", "10 7 * * *"),
    "participation.overdue_requests": ("day", "30 8 * * *"),
    "servicecenters.daily": ("day", "0 7 * * *"),
    "servicecenters.release_no_shows": ("slot", "*/5 * * * *"),
}


def test_the_registry_holds_every_job_with_its_period_and_schedule():
    scheduled = {spec.name: (spec.period, " ".join(crontab_fields(spec.schedule).values()))
                 for spec in registry.scheduled_jobs()}
    assert scheduled == EXPECTED
    assert registry.get("test.greet_all").schedule is None
    with pytest.raises(registry.UnknownJob):
        registry.get("no.such_job")


def test_default_periods_are_taken_in_beijing_time():
    now = datetime.datetime(2026, 12, 31, 16, 30, tzinfo=datetime.UTC)  # 2027-01-01 00:30 in Beijing
    keys = {name: registry.get(name).key(now=now) for name in EXPECTED}
    assert keys == {
        "accountability.term_warnings": "2027-01",
        "accountability.year_end": "2026",
        "assessment.interview_actions": "2027-01-01",
        "assessment.monthly_reminders": "2027-01",
        "assessment.quarterly_ranking": "2026Q4",
        "dashboard.refresh_figures": "2027-01-01T00",
        "inbox.deliver": "2027-01-01T00",
        "members.development_deadlines": "2027-01-01",
        "members.duty_compliance": "2026Q4",
        "members.duty_reminders": "2026-12",
        "members.political_birthdays": "2027-01-01",
        "participation.overdue_requests": "2027-01-01",
        "servicecenters.daily": "2027-01-01",
        "servicecenters.release_no_shows": "2027-01-01T00:30",
    }


@pytest.mark.parametrize("name, given, key", [
    ("assessment.quarterly_ranking", " 2026Q3 ", "2026Q3"),
    ("assessment.monthly_reminders", "2026-11", "2026-11"),
    ("servicecenters.daily", "2026-11-25", "2026-11-25"),
    ("dashboard.refresh_figures", "2026-11-25T07", "2026-11-25T07"),
])
def test_keys_are_checked_and_made_canonical(name, given, key):
    assert registry.get(name).key(given) == key


@pytest.mark.parametrize("name, bad", [
    ("assessment.quarterly_ranking", "2026-11"),
    ("assessment.monthly_reminders", "2026Q3"),
    ("servicecenters.daily", "2026-02-30"),
    ("dashboard.refresh_figures", "2026-11-25T24"),
])
def test_a_key_of_the_wrong_kind_is_refused(name, bad):
    with pytest.raises(ValueError, match="write it like"):
        registry.get(name).key(bad)


# --- enqueue -----------------------------------------------------------------------------------------------


@pytest.fixture
def queued(monkeypatch):
    """What the outbox hands to the broker: (task, args) of each publish."""
    from jobs import outbox

    calls = []
    monkeypatch.setattr(outbox, "_publish", lambda entry: calls.append((entry.task, tuple(entry.args))))
    return calls


RUN = "jobs.tasks.run_job"


@pytest.mark.django_db
def test_enqueue_writes_an_outbox_row_and_hands_it_over_after_commit(queued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            entry = queue.enqueue("test.greet_all", "2026-11")
            assert queued == [] and Outbox.objects.get().state == "pending"
    assert queued == [(RUN, ("test.greet_all", "2026-11"))]
    entry.refresh_from_db()
    assert (entry.state, entry.sends, entry.label) == ("sent", 1, "test.greet_all 2026-11")


@pytest.mark.django_db(transaction=True)
def test_enqueue_queues_nothing_when_the_transaction_rolls_back(queued):
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            queue.enqueue("test.greet_all", "2026-11")
            raise RuntimeError("the service failed")
    assert queued == [] and not Outbox.objects.exists()
    with transaction.atomic():
        queue.enqueue("test.greet_all", "2026-12")
    assert queued == [(RUN, ("test.greet_all", "2026-12"))]


@pytest.mark.django_db
def test_enqueue_refuses_an_unknown_job_or_a_bad_key_at_once(queued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(registry.UnknownJob):
            queue.enqueue("no.such_job", "2026-11")
        with pytest.raises(ValueError):
            queue.enqueue("test.greet_all", "2026Q3")
    assert callbacks == [] and queued == [] and not Outbox.objects.exists()


@pytest.mark.django_db
def test_the_enqueued_job_runs_through_the_ledger_once(monkeypatch, django_capture_on_commit_callbacks):
    from jobs import outbox, tasks

    monkeypatch.setattr(outbox, "_publish", lambda entry: tasks.run_job.apply(
        args=entry.args, kwargs={"outbox_id": entry.pk}).get())
    UserFactory.create_batch(2)
    with django_capture_on_commit_callbacks(execute=True):
        queue.enqueue("test.greet_all", "2026-11")
        queue.enqueue("test.greet_all", "2026-11")
    assert JobRun.objects.get(job="test.greet_all", period="2026-11").result == {"sent": 2}
    assert Message.objects.count() == 2
    assert list(Outbox.objects.values_list("state", "attempts")) == [("done", 1), ("done", 1)]


# --- manage.py run_job -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_run_job_lists_the_jobs_without_a_name():
    out = StringIO()
    call_command("run_job", stdout=out)
    for name, (period, _when) in EXPECTED.items():
        assert name in out.getvalue()
    assert not JobRun.objects.exists()


@pytest.mark.django_db
def test_run_job_refuses_an_unknown_job_and_lists_the_jobs():
    out = StringIO()
    with pytest.raises(CommandError, match="no.such_job"):
        call_command("run_job", "no.such_job", "2026-11", stdout=out)
    assert "assessment.quarterly_ranking" in out.getvalue()
    assert not JobRun.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("name, bad", [
    ("test.greet_all", "2026-13"),
    ("test.greet_all", "2026Q3"),
    ("servicecenters.daily", "25.11.2026"),
    ("assessment.quarterly_ranking", "2026Q5"),
])
def test_run_job_refuses_a_bad_period(name, bad):
    with pytest.raises(CommandError, match="write it like"):
        call_command("run_job", name, bad)
    assert not JobRun.objects.exists()


@pytest.mark.django_db
def test_run_job_twice_is_once_and_says_so():
    UserFactory.create_batch(3)
    out = StringIO()
    call_command("run_job", "test.greet_all", "2026-11", stdout=out)
    first = out.getvalue()
    assert "test.greet_all 2026-11" in first and '"sent": 3' in first
    out = StringIO()
    call_command("run_job", "test.greet_all", "2026-11", stdout=out)
    assert "had already run" in out.getvalue() and '"sent": 3' in out.getvalue()
    assert Message.objects.count() == 3 and JobRun.objects.filter(job="test.greet_all").count() == 1


@pytest.mark.django_db
def test_run_job_without_a_period_takes_the_default(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: datetime.datetime(2026, 11, 30, 17, 0, tzinfo=datetime.UTC))
    call_command("run_job", "test.greet_all", stdout=StringIO())
    assert JobRun.objects.get(job="test.greet_all").period == "2026-12"  # 01:00 on 1 December in Beijing


# --- schedules ---------------------------------------------------------------------------------------------


def _rows():
    return {json.loads(t.args)[0]: (t.crontab, t.enabled) for t in PeriodicTask.objects.filter(task=RUN_JOB)}


@pytest.mark.django_db
def test_every_scheduled_job_has_one_beat_row_after_migrate():
    rows = _rows()
    assert set(rows) == set(EXPECTED)
    for name, (crontab, enabled) in rows.items():
        fields = " ".join(str(getattr(crontab, f)) for f in ("minute", "hour", "day_of_week", "day_of_month",
                                                              "month_of_year"))
        assert enabled and fields == EXPECTED[name][1] and str(crontab.timezone) == "Asia/Shanghai"
    assert not PeriodicTask.objects.exclude(task__in=[RUN_JOB, RELAY, "celery.backend_cleanup"]).exists()
    relay = PeriodicTask.objects.get(task=RELAY)  # the outbox's sweep, every minute
    assert relay.enabled and (relay.interval.every, relay.interval.period) == (60, "seconds")


@pytest.mark.django_db
def test_sync_installs_missing_rows_and_leaves_the_admins_alone():
    edited = PeriodicTask.objects.get(task=RUN_JOB, args=job_args("servicecenters.daily"))
    edited.crontab = CrontabSchedule.objects.create(minute="30", hour="6", timezone="Asia/Shanghai")
    edited.enabled = False
    edited.save()
    PeriodicTask.objects.filter(args=job_args("assessment.quarterly_ranking")).delete()
    assert sync_schedules() == ["assessment.quarterly_ranking"]
    assert sync_schedules() == []
    edited.refresh_from_db()
    assert (edited.crontab.hour, edited.enabled) == ("6", False)
    assert set(_rows()) == set(EXPECTED)


@pytest.mark.django_db
def test_the_old_per_app_rows_become_job_rows():
    """What jobs 0002 does to a database whose beat rows the per-app migrations wrote (and an admin edited)."""
    PeriodicTask.objects.filter(task=RUN_JOB).delete()
    daily = CrontabSchedule.objects.create(minute="10", hour="7", timezone="Asia/Shanghai")
    monthly = CrontabSchedule.objects.create(minute="45", hour="6", day_of_month="1", timezone="Asia/Shanghai")
    PeriodicTask.objects.create(name="members: daily political birthdays and development deadlines",
                                task="members.tasks.daily_member_jobs", crontab=daily, enabled=False)
    PeriodicTask.objects.create(name="members: duty checklist reminders and quarterly compliance",
                                task="members.tasks.monthly_member_jobs", crontab=monthly)
    PeriodicTask.objects.create(name="servicecenters: daily bookings", task="servicecenters.daily_bookings",
                                crontab=daily, total_run_count=40)
    migration = importlib.import_module("jobs.migrations.0002_schedules_from_registry")
    migration.forward(apps, None)
    rows = _rows()
    assert set(rows) == {"members.political_birthdays", "members.development_deadlines", "members.duty_reminders",
                         "members.duty_compliance", "servicecenters.daily"}
    assert rows["members.political_birthdays"] == (daily, False) == rows["members.development_deadlines"]
    assert rows["members.duty_reminders"] == (monthly, True)
    compliance = rows["members.duty_compliance"][0]
    assert (compliance.minute, compliance.hour, compliance.month_of_year) == ("45", "6", "1,4,7,10")
    assert PeriodicTask.objects.get(args=job_args("servicecenters.daily")).total_run_count == 40
    assert not PeriodicTask.objects.filter(task__startswith="members.").exists()
    # The jobs without a row get theirs from the registry after migrate.
    sync_schedules()
    assert set(_rows()) == set(EXPECTED)
    assert _rows()["members.duty_reminders"] == (monthly, True)
