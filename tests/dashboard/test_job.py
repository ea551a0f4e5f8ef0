"""The hourly refresh: through the ledger (twice = once), installed as a beat schedule, runnable by hand."""

import io

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask

from dashboard import jobs, services
from jobs.ledger import run_once
from jobs.models import JobRun
from jobs.schedules import RUN_JOB, job_args
from jobs.tasks import run_job

pytestmark = pytest.mark.django_db


def test_refresh_twice_is_once(filled):
    first, ran = run_once(jobs.JOB, "2026-11-25T14")
    district_key = services.scope_key(services.district_scope())
    stored = cache.get(district_key)
    second, ran_again = run_once(jobs.JOB, "2026-11-25T14")
    assert (ran, ran_again) == (True, False) and first == second == {"scopes": 3, "computed": 3}  # district + 2 streets
    assert cache.get(district_key)["computed_at"] == stored["computed_at"]
    assert JobRun.objects.filter(job=jobs.JOB).count() == 1
    _, ran_next_hour = run_once(jobs.JOB, "2026-11-25T15")
    assert ran_next_hour and JobRun.objects.filter(job=jobs.JOB).count() == 2


def test_refresh_keeps_every_scope_someone_opened(client, filled, community_secretary):
    client.force_login(community_secretary)
    client.get("/dashboard/")
    result, _ = run_once(jobs.JOB, "2026-11-25T16")
    assert result["scopes"] == 4
    assert cache.get(services.scope_key(services.paths_scope([filled.community.path]))) is not None


def test_task_and_command(filled):
    assert run_job(jobs.JOB, "2026-11-25T17")["ran"] is True
    assert run_job(jobs.JOB, "2026-11-25T17")["ran"] is False
    out = io.StringIO()
    call_command("run_job", jobs.JOB, "2026-11-25T18", stdout=out)
    call_command("run_job", jobs.JOB, "2026-11-25T18", stdout=out)
    assert JobRun.objects.filter(job=jobs.JOB).count() == 2


def test_beat_schedule_is_installed():
    task = PeriodicTask.objects.get(task=RUN_JOB, args=job_args(jobs.JOB))
    assert task.enabled and task.crontab.minute == "5" and task.crontab.hour == "*"


def test_period_is_the_beijing_hour():
    import datetime

    now = datetime.datetime(2026, 11, 25, 23, 30, tzinfo=datetime.UTC)
    assert jobs.current_period(now) == "2026-11-26T07"
