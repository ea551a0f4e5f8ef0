"""The periodic jobs: run twice equals run once, a real worker on the Redis broker, beat's schedule, commands."""

import datetime
import time
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django_celery_beat.models import PeriodicTask

from assessment import jobs
from assessment.models import (
    Finding,
    FindingStatus,
    Inspection,
    InspectionPlan,
    Interview,
    InterviewReason,
    Quarter,
    QuarterStatus,
    RankingRow,
    RankingSnapshot,
)
from core.periods import last_complete_quarter, month_of
from inbox.models import Message
from jobs.ledger import run_once
from jobs.models import JobRun
from jobs.schedules import RUN_JOB, job_args
from jobs.tasks import run_job
from tests.assessment.conftest import Q, put_scores
from tests.factories import CommunityFactory, Role, StreetFactory, UserFactory, grant

MONTH = "2026-11"


def _state():
    return (
        RankingSnapshot.objects.count(), RankingRow.objects.count(), Interview.objects.count(),
        sorted(Message.objects.values_list("recipient__username", "key")),
    )


@pytest.fixture
def ranked_quarter(tree, plans, district_user, street_secretary, community_secretary):
    """Five streets and five communities under S01 with scores; S01C01 and street T04 come last."""
    for i in range(4):
        street = StreetFactory(code=f"T{i:02d}", name=f"街道{i}")
        put_scores(street, Q, [90 - i, 90, 90])
        put_scores(CommunityFactory(code=f"S01C{i + 2:02d}", parent=tree.street), Q, [95 - i, 90, 90])
    put_scores(tree.street, Q, [10, 10, 10])
    put_scores(tree.community, Q, [20, 20, 20])
    put_scores(plans.dept, Q, [80, 80, 80])
    # Every unit scored: the job publishes a quarter by itself only then.
    put_scores(tree.other_street, Q, [88, 88, 88])
    put_scores(tree.other_community, Q, [88, 88, 88])
    put_scores(plans.other_dept, Q, [88, 88, 88])
    return tree


@pytest.mark.django_db
def test_quarterly_job_twice_is_once(ranked_quarter, tree, district_user, street_secretary, community_secretary):
    first, ran = run_once(jobs.QUARTERLY, Q)
    after_first = _state()
    second, ran_again = run_once(jobs.QUARTERLY, Q)
    assert (ran, ran_again) == (True, False) and first == second
    assert _state() == after_first
    assert RankingSnapshot.objects.filter(quarter=Q).count() == 3
    assert Quarter.objects.get(key=Q).status == QuarterStatus.PUBLISHED
    # The bottom street (S01) and community (S01C01) get interview suggestions; the right people are told.
    suggested = Interview.objects.filter(reason=InterviewReason.RANKING)
    assert {i.org.code for i in suggested if i.org} == {"S01", "S01C01"}
    keys = set(Message.objects.values_list("recipient__username", "key"))
    assert ("district", f"assessment:interview-suggestions:{Q}") in keys
    assert ("sec-S01", f"assessment:interview-suggestions:{Q}") in keys  # interviews its community
    assert ("sec-S01", f"assessment:interviewee:{Q}") in keys  # and is interviewed by the district
    assert ("sec-S01C01", f"assessment:interviewee:{Q}") in keys
    assert first["interviews_suggested"] == 2


@pytest.mark.django_db
def test_quarterly_command_runs_once_and_says_so(ranked_quarter):
    out = StringIO()
    call_command("run_quarterly_ranking", "--quarter", Q, stdout=out)
    assert f"Quarterly ranking {Q} done" in out.getvalue() and '"ranked": 6' in out.getvalue()
    state = _state()
    out = StringIO()
    call_command("run_quarterly_ranking", "--quarter", Q, stdout=out)
    assert "had already run" in out.getvalue()
    assert _state() == state


@pytest.mark.django_db
@pytest.mark.parametrize("command, arg, bad", [
    ("run_quarterly_ranking", "--quarter", "2026Q5"),
    ("run_quarterly_ranking", "--quarter", "2026-Q3"),
    ("run_quarterly_ranking", "--quarter", "Q3"),
    ("run_monthly_reminders", "--month", "2026-13"),
    ("run_monthly_reminders", "--month", "2026/11"),
    ("run_monthly_reminders", "--month", "26-11"),
])
def test_commands_refuse_malformed_keys(command, arg, bad):
    with pytest.raises(CommandError, match="write it like"):
        call_command(command, arg, bad)
    assert not JobRun.objects.exists()


@pytest.fixture
def inspection_month(tree, inspector, street_secretary, community_secretary, district_user):
    """A plan for MONTH, one finding due this month, one overdue (on the community), one closed."""
    InspectionPlan.objects.create(month=MONTH, org=tree.community, inspector=inspector)
    published = datetime.datetime(2026, 9, 15, tzinfo=datetime.UTC)
    visit = Inspection.objects.create(month="2026-09", org=tree.community, inspector=inspector,
                                      visited_on=datetime.date(2026, 9, 10), summary="暗访", published_at=published)
    street_visit = Inspection.objects.create(month="2026-09", org=tree.street, inspector=inspector,
                                             visited_on=datetime.date(2026, 9, 12), summary="暗访",
                                             published_at=published)
    Finding.objects.create(inspection=visit, org=tree.community, description="三会一课记录不全",
                           found_on=visit.visited_on, deadline=datetime.date(2026, 10, 10))
    Finding.objects.create(inspection=street_visit, org=tree.street, description="公示栏未更新",
                           found_on=street_visit.visited_on, deadline=datetime.date(2026, 11, 20))
    Finding.objects.create(inspection=visit, org=tree.community, description="已整改", found_on=visit.visited_on,
                           deadline=datetime.date(2026, 9, 30), status=FindingStatus.CLOSED,
                           closed_on=datetime.date(2026, 9, 28))


@pytest.mark.django_db
def test_monthly_job_twice_is_once(inspection_month, tree, inspector):
    first, ran = run_once(jobs.MONTHLY, MONTH)
    state = (_state(), list(Finding.objects.values_list("escalated_on", flat=True).order_by("pk")))
    second, ran_again = run_once(jobs.MONTHLY, MONTH)
    assert (ran, ran_again) == (True, False) and first == second
    assert (_state(), list(Finding.objects.values_list("escalated_on", flat=True).order_by("pk"))) == state
    assert first["planned"] == 0 and first["inspectors"] == 1 and first["overdue"] == 1 and first["escalated"] == 1
    keys = set(Message.objects.values_list("recipient__username", "key"))
    assert ("inspector-01", f"assessment:inspect:{MONTH}") in keys
    assert ("sec-S01", f"assessment:due:{MONTH}") in keys  # the street's own finding falls due this month
    assert ("sec-S01C01", f"assessment:overdue:{MONTH}") in keys  # the unit
    assert ("sec-S01", f"assessment:overdue-above:{MONTH}") in keys  # and the street above it
    assert Interview.objects.get(reason=InterviewReason.OVERDUE).org == tree.community
    # Next month the still-overdue finding is notified again, but not escalated twice.
    again, _ = run_once(jobs.MONTHLY, "2026-12")
    assert again["overdue"] == 2 and again["escalated"] == 1
    assert Interview.objects.filter(reason=InterviewReason.OVERDUE).count() == 2


@pytest.mark.django_db
def test_findings_of_an_unpublished_inspection_are_told_to_nobody(tree, inspector, community_secretary):
    visit = Inspection.objects.create(month="2026-09", org=tree.community, inspector=inspector,
                                      visited_on=datetime.date(2026, 9, 10), summary="暗访（未通报）")
    Finding.objects.create(inspection=visit, org=tree.community, description="未通报的问题",
                           found_on=visit.visited_on, deadline=datetime.date(2026, 10, 10))
    Finding.objects.create(inspection=visit, org=tree.community, description="本月到期",
                           found_on=visit.visited_on, deadline=datetime.date(2026, 11, 20))
    result, _ = run_once(jobs.MONTHLY, MONTH)
    assert result["due_units"] == 0 and result["overdue"] == 0 and result["escalated"] == 0
    assert not Message.objects.filter(recipient=community_secretary).exists()
    assert not Interview.objects.exists()  # an interview names the finding to the unit


@pytest.mark.django_db
def test_monthly_job_draws_up_a_plan_when_none_exists(tree, inspector):
    second = grant(UserFactory(username="inspector-02"), Role.INSPECTOR)
    result, _ = run_once(jobs.MONTHLY, "2026-10")
    plans = list(InspectionPlan.objects.filter(month="2026-10"))
    assert result["planned"] == len(plans) == 1  # 4 units: a twelfth, at least one
    assert plans[0].inspector in (inspector, second)
    out = StringIO()
    # (a month that has begun: the job refuses one that has not, jobs.registry's `ready`)
    call_command("run_monthly_reminders", "--month", "2026-10", stdout=out)
    assert "had already run" in out.getvalue()


def test_beat_schedules_exist_after_migrate(db):
    monthly = PeriodicTask.objects.get(task=RUN_JOB, args=job_args(jobs.MONTHLY))
    quarterly = PeriodicTask.objects.get(task=RUN_JOB, args=job_args(jobs.QUARTERLY))
    assert monthly.enabled and quarterly.enabled
    assert (monthly.crontab.day_of_month, monthly.crontab.month_of_year) == ("1", "*")
    assert (quarterly.crontab.day_of_month, quarterly.crontab.month_of_year) == ("1", "1,4,7,10")
    assert str(quarterly.crontab.timezone) == "Asia/Shanghai" and monthly.kwargs in ("{}", "", None)


def test_tasks_ack_late_retry_and_pick_their_period():
    assert run_job.acks_late and run_job.max_retries == 5 and run_job.retry_backoff
    assert last_complete_quarter(datetime.date(2027, 1, 1)) == "2026Q4"
    assert last_complete_quarter(datetime.date(2026, 11, 25)) == "2026Q3"
    assert month_of(datetime.date(2026, 11, 1)) == "2026-11"


def _wait_for(job, period, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        run = JobRun.objects.filter(job=job, period=period, finished_at__isnull=False).first()
        if run:
            return run
        time.sleep(0.1)
    raise AssertionError(f"{job} {period} did not run")


@pytest.mark.worker
def test_a_real_worker_runs_both_jobs_from_the_redis_broker(celery_worker_real, ranked_quarter, inspection_month):
    run_job.delay(jobs.QUARTERLY, Q)
    run_job.delay(jobs.MONTHLY, MONTH)
    assert _wait_for(jobs.QUARTERLY, Q).result["interviews_suggested"] == 2
    assert _wait_for(jobs.MONTHLY, MONTH).result["escalated"] == 1
    state = _state()
    run_job.delay(jobs.QUARTERLY, Q)
    run_job.delay(jobs.MONTHLY, MONTH)
    time.sleep(1.5)
    assert _state() == state
    assert RankingSnapshot.objects.filter(quarter=Q).count() == 3
