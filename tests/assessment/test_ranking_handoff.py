"""Publishing a quarter hands its ranking to Celery through the outbox: Redis being down loses nothing and answers
no 500; a quarter ranked before its plan exists is not stored as done. (tests/faults runs the real failures.)"""

import kombu.exceptions
import pytest
from django.urls import reverse

from assessment import jobs
from assessment.models import Quarter, QuarterStatus, RankingSnapshot, UnitLevel
from jobs import outbox, tasks
from jobs.ledger import run_once
from jobs.models import JobRun, Outbox, OutboxState
from tests.assessment.conftest import Q, make_plan, put_scores

pytestmark = pytest.mark.django_db


def _deliver(entry, task_id="t-1"):
    return tasks.run_job.apply(args=entry.args, kwargs={"outbox_id": entry.pk}, task_id=task_id).get()


def test_publishing_while_redis_is_down_answers_and_ranks_once_redis_is_back(
        client, district_user, tree, plans, monkeypatch, settings, django_capture_on_commit_callbacks):
    put_scores(tree.street, Q, [80, 80, 80])

    def down(entry):
        raise kombu.exceptions.OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(outbox, "_publish", down)
    client.force_login(district_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("assessment:quarter-action", args=[Q, "publish"]), {"exception_reason": "部分单位未评分"})
    assert response.status_code == 302  # not a 500
    assert Quarter.objects.get(key=Q).status == QuarterStatus.PUBLISHED
    entry = Outbox.objects.get()
    assert entry.state == OutboxState.PENDING and entry.args == [jobs.QUARTERLY, Q]
    assert not RankingSnapshot.objects.exists()
    monkeypatch.setattr(outbox, "_publish", _deliver)  # Redis is back
    settings.JOBS_SEND_GRACE_SECONDS = 0
    outbox.sweep()
    outbox.sweep()
    assert RankingSnapshot.objects.filter(quarter=Q).count() == 3
    assert JobRun.objects.get(job=jobs.QUARTERLY, period=Q).done
    assert Outbox.objects.get().state == OutboxState.DONE


def test_a_quarter_ranked_before_its_plan_exists_runs_again(tree, district_user):
    make_plan(UnitLevel.STREET)
    put_scores(tree.street, Q, [80, 80, 80])
    put_scores(tree.other_street, Q, [85, 85, 85])  # every planned unit scored: the job may publish
    result, ran = run_once(jobs.QUARTERLY, Q)
    assert ran and result["levels"]["community"] == {"skipped": "no plan"}
    assert "community" in result["waiting_for"] or "Communities" in result["waiting_for"]
    run = JobRun.objects.get(job=jobs.QUARTERLY, period=Q)
    assert not run.done  # not stored as done: it can run again
    assert RankingSnapshot.objects.filter(quarter=Q).count() == 1  # the street level is kept
    make_plan(UnitLevel.COMMUNITY)
    make_plan(UnitLevel.DEPARTMENT)
    again, ran_again = run_once(jobs.QUARTERLY, Q)
    assert ran_again and again["levels"]["street"] == {"skipped": "already taken"}
    assert RankingSnapshot.objects.filter(quarter=Q).count() == 3  # each level once
    run.refresh_from_db()
    assert run.done and run_once(jobs.QUARTERLY, Q)[1] is False
