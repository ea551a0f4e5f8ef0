"""A volunteer team's leader on the phone: the roster with each member's hours this year, adding a member,
recording hours (a linked party member's hours become volunteering points, once, at most eight an entry); another
team's roster answers 404; the roster page takes a bounded number of queries."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from members.points.models import PointCategory, PointEntry
from members.selfservice.models import MemberAccount
from participation import services
from participation.models import TeamMembership, VolunteerHours, VolunteerTeam
from tests.factories import Role, UserFactory, grant

pytestmark = pytest.mark.django_db


@pytest.fixture
def leader(db):
    return grant(UserFactory(username="resident-0100", is_staff=False, first_name="秀兰", last_name="王"), Role.RESIDENT)


@pytest.fixture
def team(tree, leader):
    return VolunteerTeam.objects.create(node=tree.community, name="夕阳红巡逻队", kind="patrol", charter="每晚巡逻",
                                        founded_on=datetime.date(2020, 1, 1), leader=leader)


@pytest.fixture
def linked(tree, resident):
    MemberAccount.objects.create(user=resident, member=tree.member, method=MemberAccount.Method.SELF)
    return resident


def test_hours_of_a_linked_member_feed_volunteering_points_once(tree, team, leader, linked):
    membership = services.team_join(actor=linked, team=team, today=datetime.date(2026, 1, 1))
    assert membership.member == tree.member
    today = timezone.localdate()
    entry = services.hours_record(actor=leader, membership=membership, on=today, hours="10", what="夜间巡逻")
    assert entry.point_entry is not None
    point = PointEntry.objects.get(pk=entry.point_entry_id)
    assert (point.member_id, point.category, point.points) == (tree.member.pk, PointCategory.VOLUNTEER, Decimal("8"))
    with pytest.raises(services.teams.ConflictError):
        services.hours_record(actor=leader, membership=membership, on=today, hours="2", what="夜间巡逻")
    assert PointEntry.objects.filter(member=tree.member).count() == 1
    # A resident who is not a party member gives hours but earns no points.
    plain = services.team_add_member(actor=leader, team=team, name="李大爷", joined_on=datetime.date(2026, 1, 1))
    assert services.hours_record(actor=leader, membership=plain, on=today, hours="2", what="夜间巡逻"
                                 ).point_entry is None


def test_leader_sees_the_roster_with_this_years_hours(client, tree, team, leader):
    this_year = timezone.localdate()
    a = TeamMembership.objects.create(team=team, name="张阿姨", joined_on=datetime.date(2020, 1, 1))
    b = TeamMembership.objects.create(team=team, name="李大爷", joined_on=datetime.date(2020, 1, 1))
    VolunteerHours.objects.create(membership=a, on=this_year, hours=Decimal("2.5"), what="巡逻")
    VolunteerHours.objects.create(membership=a, on=this_year.replace(year=this_year.year - 1), hours=Decimal("9"),
                                  what="巡逻")
    client.force_login(leader)
    response = client.get(f"/m/teams/{team.pk}/roster/")
    assert response.status_code == 200
    roster = {m.name: m.year_hours for m in response.context["roster"]}
    assert roster == {"张阿姨": Decimal("2.5"), "李大爷": Decimal("0")}
    assert response.context["year_total"] == Decimal("2.5")
    assert b.pk in [m.pk for m in response.context["roster"]]


def test_leader_adds_a_member_and_records_hours_on_the_phone(client, team, leader):
    client.force_login(leader)
    today = timezone.localdate()
    added = client.post(f"/m/teams/{team.pk}/roster/add/", {"name": "赵奶奶", "joined_on": today.isoformat()})
    assert added.status_code == 302
    membership = TeamMembership.objects.get(team=team, name="赵奶奶")
    recorded = client.post(f"/m/teams/{team.pk}/roster/hours/", {
        "membership": membership.pk, "on": today.isoformat(), "hours": "3", "what": "清理楼道"})
    assert recorded.status_code == 302
    assert VolunteerHours.objects.get(membership=membership).hours == Decimal("3")
    again = client.post(f"/m/teams/{team.pk}/roster/hours/", {
        "membership": membership.pk, "on": today.isoformat(), "hours": "3", "what": "清理楼道"})
    assert again.status_code == 400 and "errorlist" in again.content.decode()
    future = client.post(f"/m/teams/{team.pk}/roster/hours/", {
        "membership": membership.pk, "on": (today + datetime.timedelta(days=3)).isoformat(), "hours": "1",
        "what": "明天的事"})
    assert future.status_code == 400 and VolunteerHours.objects.filter(membership=membership).count() == 1
    too_many = client.post(f"/m/teams/{team.pk}/roster/hours/", {
        "membership": membership.pk, "on": today.isoformat(), "hours": "30", "what": "通宵"})
    assert too_many.status_code == 400


def test_another_teams_roster_is_refused(client, tree, team, leader, resident, community_secretary):
    other = VolunteerTeam.objects.create(node=tree.other_community, name="党员妈妈服务队", kind="care", charter="关爱",
                                         founded_on=datetime.date(2020, 1, 1))
    member = TeamMembership.objects.create(team=other, name="钱阿姨", joined_on=datetime.date(2020, 1, 1))
    client.force_login(leader)
    assert client.get(f"/m/teams/{other.pk}/roster/").status_code == 404
    assert client.post(f"/m/teams/{other.pk}/roster/hours/", {
        "membership": member.pk, "on": timezone.localdate().isoformat(), "hours": "1", "what": "x"}).status_code == 404
    assert client.post(f"/m/teams/{other.pk}/roster/add/", {"name": "x", "joined_on": "2026-01-01"}
                       ).status_code == 404
    # A member of the team who is not its leader may not keep the roster; the community's secretary may.
    client.force_login(resident)
    assert client.get(f"/m/teams/{team.pk}/roster/").status_code == 404
    client.force_login(community_secretary)
    assert client.get(f"/m/teams/{team.pk}/roster/").status_code == 200
    # A membership of another team posted to the leader's own team is not on its roster.
    client.force_login(leader)
    response = client.post(f"/m/teams/{team.pk}/roster/hours/", {
        "membership": member.pk, "on": timezone.localdate().isoformat(), "hours": "1", "what": "x"})
    assert response.status_code == 400 and not VolunteerHours.objects.exists()


def test_the_teams_page_links_the_leader_to_the_roster(client, team, leader, resident):
    client.force_login(leader)
    assert f"/m/teams/{team.pk}/roster/" in client.get("/m/teams/").content.decode()
    client.force_login(resident)
    assert f"/m/teams/{team.pk}/roster/" not in client.get("/m/teams/").content.decode()


def test_roster_page_takes_a_bounded_number_of_queries(client, team, leader):
    today = timezone.localdate()
    for i in range(20):
        m = TeamMembership.objects.create(team=team, name=f"队员{i:02d}", joined_on=datetime.date(2020, 1, 1))
        VolunteerHours.objects.create(membership=m, on=today, hours=Decimal("1"), what="巡逻")
    client.force_login(leader)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/m/teams/{team.pk}/roster/").status_code == 200
    assert len(queries) <= 12, len(queries)
