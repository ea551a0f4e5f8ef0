"""Beat's schedules in the admin: the jobs by their Chinese titles, the columns and sections in Chinese, the last
run from the job ledger, and "run now" through jobs.queue.enqueue (an outbox row; the ledger records the run)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django_celery_beat.models import PeriodicTask

from jobs.models import JobRun, Outbox
from jobs.registry import scheduled_jobs
from jobs.schedules import RELAY, RUN_JOB, job_args

pytestmark = pytest.mark.django_db
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
URL = "/admin/django_celery_beat/periodictask/"


def test_every_job_title_reads_in_chinese():
    with translation.override("zh-hans"):
        for spec in scheduled_jobs():
            if not spec.name.startswith("test"):  # jobs some tests register for themselves
                assert translation.gettext(spec.title) != spec.title, spec.name


def test_the_list_reads_in_chinese_with_the_ledgers_last_run(client, district_user):
    JobRun.objects.create(job="dashboard.refresh_figures", period="2026-11-30T14", started_at=timezone.now(),
                          finished_at=timezone.now(), done=True)
    client.force_login(district_user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL, **ZH)
    assert response.status_code == 200
    body = response.content.decode()
    assert "刷新数据看板（每小时）" in body and "季度考核排名" in body and "后台任务补发" in body
    assert "上次运行" in body and "2026-11-30T14 · 已完成" in body
    for english in ("SCHEDULER", "Scheduler", "Refresh the dashboard figures", "Task Name", "HUMAN READABLE"):
        assert english not in body
    rows = PeriodicTask.objects.count()
    assert rows > 10 and len(queries) < 15  # the ledger comes with the list, not per row


def test_the_form_and_the_crontabs_read_in_chinese(client, district_user):
    task = PeriodicTask.objects.get(task=RUN_JOB, args=job_args("dashboard.refresh_figures"))
    client.force_login(district_user)
    body = client.get(f"{URL}{task.pk}/change/", **ZH).content.decode()
    assert "运行时间" in body and "参数（供开发人员）" in body and "Celery 任务名" in body
    assert "Execution Options" not in body and "Arguments" not in body
    crontabs = client.get("/admin/django_celery_beat/crontabschedule/", **ZH).content.decode()
    assert "说明" in crontabs and "Human readable" not in crontabs


def test_run_now_goes_through_the_job_path(client, district_user):
    task = PeriodicTask.objects.get(task=RUN_JOB, args=job_args("dashboard.refresh_figures"))
    relay = PeriodicTask.objects.get(task=RELAY)
    client.force_login(district_user)
    response = client.post(URL, {"action": "run_now", "_selected_action": [task.pk, relay.pk]}, follow=True, **ZH)
    texts = [str(m) for m in response.context["messages"]]
    assert any("已排队立即运行：刷新数据看板（每小时）" in t for t in texts)
    assert any("该任务按其自身计划运行" in t and "后台任务补发" in t for t in texts)
    queued = Outbox.objects.get()
    assert queued.task == RUN_JOB and queued.args[0] == "dashboard.refresh_figures"


def test_only_district_staff_reach_the_schedules(client, street_secretary):
    task = PeriodicTask.objects.filter(task=RUN_JOB).first()
    client.force_login(street_secretary)
    response = client.post(URL, {"action": "run_now", "_selected_action": [task.pk]})
    assert response.status_code in (302, 403)
    assert not Outbox.objects.exists()


def test_the_service_refuses_others(street_secretary):
    from core.errors import PermissionDenied
    from jobs.services import schedule_run_now

    task = PeriodicTask.objects.filter(task=RUN_JOB).first()
    with pytest.raises(PermissionDenied):
        schedule_run_now(actor=street_secretary, task=task)
    assert not Outbox.objects.exists()
