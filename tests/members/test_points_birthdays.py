import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from inbox.models import Message
from jobs.ledger import run_once
from jobs.models import JobRun
from members.jobs import BIRTHDAY_JOB
from members.points.selectors import point_entry_list, points_ranking
from members.points.services import point_entry_create
from members.records.models import BirthdayGreeting
from members.records.selectors import birthdays_upcoming
from tests.factories import MemberFactory, Role, UserFactory, grant

pytestmark = pytest.mark.django_db


def _add(actor, member, points, on=datetime.date(2026, 3, 1), category="volunteer"):
    return point_entry_create(actor=actor, member=member, on=on, category=category, points=points,
                              reason="社区志愿服务")


def test_points_entry_rules(tree, community_secretary):
    entry = _add(community_secretary, tree.member, "2.5")
    assert entry.points == Decimal("2.5") and entry.recorded_by == community_secretary
    assert entry.history.first().history_user == community_secretary
    for bad, field in ((0, "points"), (101, "points"), ("x", "points")):
        with pytest.raises(ValidationError) as exc:
            _add(community_secretary, tree.member, bad)
        assert field in exc.value.message_dict
    with pytest.raises(ValidationError, match="Say why"):
        point_entry_create(actor=community_secretary, member=tree.member, on=datetime.date(2026, 3, 1),
                           category="study", points=1, reason=" ")
    with pytest.raises(PermissionDenied):
        _add(community_secretary, tree.other_member, 1)


def test_ranking_in_one_query_with_yearly_totals(tree, community_secretary, django_assert_num_queries):
    a, b = MemberFactory(org=tree.grid, name="甲"), MemberFactory(org=tree.building, name="乙")
    _add(community_secretary, a, 5)
    _add(community_secretary, a, -2)
    _add(community_secretary, b, 8)
    _add(community_secretary, tree.member, 3)
    _add(community_secretary, tree.member, 50, on=datetime.date(2025, 6, 1))  # another year
    community_secretary.__dict__.pop("_jinshui_scope", None)
    with django_assert_num_queries(2):  # the scope, then the ranking
        rows = [(m.name, m.total, m.rank) for m in points_ranking(user=community_secretary, branch=tree.community,
                                                                    year=2026)]
    assert rows == [("乙", Decimal("8.0"), 1), ("王明", Decimal("3.0"), 2), ("甲", Decimal("3.0"), 2)]
    assert list(points_ranking(user=community_secretary, branch=tree.other_community, year=2026)) == []
    with django_assert_num_queries(1):
        assert {e.member_id for e in point_entry_list(user=community_secretary)} == {a.pk, b.pk, tree.member.pk}


def test_upcoming_birthdays_per_branch(tree, community_secretary, django_assert_num_queries):
    today = datetime.date(2026, 12, 20)
    soon = MemberFactory(org=tree.grid, name="近", joined_on=datetime.date(2000, 12, 25),
                         full_member_on=datetime.date(2001, 12, 25))
    new_year = MemberFactory(org=tree.building, name="元", joined_on=datetime.date(1990, 1, 3),
                             full_member_on=datetime.date(1991, 1, 3))
    MemberFactory(org=tree.grid, name="远", joined_on=datetime.date(2000, 3, 1),
                  full_member_on=datetime.date(2001, 3, 1))
    MemberFactory(org=tree.other_grid, name="外", joined_on=datetime.date(2000, 12, 24),
                  full_member_on=datetime.date(2001, 12, 24))
    with django_assert_num_queries(2):
        rows = birthdays_upcoming(user=community_secretary, branch=tree.community, today=today, days=30)
    # (the tree's own member's join date comes from the factory's sequence: it may fall in the window too)
    assert [(m.name, m.birthday, m.years) for m in rows if m.pk != tree.member.pk] == [
        ("近", datetime.date(2026, 12, 25), 26), ("元", datetime.date(2027, 1, 3), 37)]
    assert birthdays_upcoming(user=community_secretary, branch=tree.other_community, today=today) == []
    assert soon and new_year


def test_leap_day_member_greeted_on_28_february(tree):
    leap = MemberFactory(org=tree.grid, joined_on=datetime.date(2000, 2, 29), full_member_on=datetime.date(2001, 3, 1))
    rows = birthdays_upcoming(user=grant(UserFactory(username="d2"), Role.DISTRICT_STAFF),
                              today=datetime.date(2027, 2, 27), days=1)
    assert [m.pk for m in rows] == [leap.pk] and rows[0].birthday == datetime.date(2027, 2, 28)


def test_birthday_job_twice_is_once(tree, community_secretary):
    grid_leader = grant(UserFactory(username="gl"), Role.GRID_LEADER, tree.grid)
    other_sec = grant(UserFactory(username="sec-S02C01"), Role.COMMUNITY_SECRETARY, tree.other_community)
    day = tree.member.political_birthday(2026)
    period = day.isoformat()
    first, ran = run_once(BIRTHDAY_JOB, period)
    assert ran and first["greeted"] >= 1
    second, ran_again = run_once(BIRTHDAY_JOB, period)
    assert not ran_again and second == first
    # Even without the ledger (a run by hand for the same day), no second greeting or message.
    from members.jobs import political_birthdays

    assert political_birthdays(period) == {"greeted": 0, "messages": 0}
    assert BirthdayGreeting.objects.filter(member=tree.member, year=2026).count() == 1
    for user in (community_secretary, grid_leader):
        message = Message.objects.get(recipient=user, kind="members.political_birthday")
        assert tree.member.name in message.body
    bodies = Message.objects.filter(recipient=other_sec).values_list("body", flat=True)
    assert tree.other_member.name not in "".join(bodies)
    assert JobRun.objects.filter(job=BIRTHDAY_JOB).count() == 1


def test_birthday_command(tree, community_secretary):
    from django.core.management import call_command

    day = tree.member.political_birthday(2025).isoformat()
    call_command("run_job", BIRTHDAY_JOB, day)
    call_command("run_job", BIRTHDAY_JOB, day)
    assert Message.objects.filter(recipient=community_secretary, kind="members.political_birthday").count() == 1


def test_beat_schedule_installed():
    from django_celery_beat.models import PeriodicTask

    from jobs.schedules import RUN_JOB, job_args

    task = PeriodicTask.objects.get(task=RUN_JOB, args=job_args(BIRTHDAY_JOB))
    assert task.enabled and str(task.crontab.timezone) == "Asia/Shanghai"


@pytest.mark.worker
def test_birthday_job_on_a_real_worker(celery_worker_real):
    from jobs.tasks import run_job
    from tests.factories import CommunityFactory, GridFactory

    community = CommunityFactory(code="W01C01")
    grid = GridFactory(code="W01C01G01", parent=community)
    member = MemberFactory(org=grid)
    secretary = grant(UserFactory(username="sec-W01C01"), Role.COMMUNITY_SECRETARY, community)
    day = member.political_birthday(2025).isoformat()  # a day that has begun: the job refuses one that has not
    for _ in range(2):
        run_job.apply_async(args=[BIRTHDAY_JOB, day])
    import time

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and JobRun.objects.filter(job=BIRTHDAY_JOB, period=day,
                                                               finished_at__isnull=False).count() == 0:
        time.sleep(0.2)
    time.sleep(0.5)
    assert BirthdayGreeting.objects.filter(member=member).count() == 1
    assert Message.objects.filter(recipient=secretary, kind="members.political_birthday").count() == 1
    assert JobRun.objects.filter(job=BIRTHDAY_JOB, period=day).count() == 1


def test_branch_and_birthday_pages(client, tree, community_secretary, django_assert_max_num_queries):
    _add(community_secretary, tree.member, 4)
    client.force_login(community_secretary)
    url = reverse("members:branch", args=[tree.community.pk])
    client.get(url)
    with django_assert_max_num_queries(12):
        response = client.get(url)
    assert response.status_code == 200 and "王明" in response.content.decode()
    assert client.get(reverse("members:branch", args=[tree.other_community.pk])).status_code == 404
    assert client.get(reverse("members:birthdays")).status_code == 200


def test_pages_refuse_residents_and_anonymous(client, tree, resident):
    url = reverse("members:branch", args=[tree.community.pk])
    assert client.get(url).status_code == 302
    client.force_login(resident)
    assert client.get(url).status_code == 403
    assert client.get(reverse("members:import")).status_code == 403
