"""The selectors the staff workbench calls: requests_waiting, activities_today, matches_open, each cut to the
user's scope and role."""

import datetime

import pytest
from django.utils import timezone

from community.models import ResidentUnit
from participation import selectors, services
from participation.models import Match, MatchStatus, Need, RequestStatus, Resource
from tests.factories import Role, UserFactory, grant

pytestmark = pytest.mark.django_db


def _raise(resident, community, title):
    return services.request_create(actor=resident, kind="issue", title=title, body="详情", community=community)


def test_requests_waiting(tree, resident, other_resident, community_secretary, street_secretary, district_user,
                          center, center_staff):
    own = _raise(resident, tree.community, "楼道灯")
    foreign = _raise(other_resident, tree.other_community, "外社区")
    routed = _raise(other_resident, tree.community, "办社保")
    services.request_route(actor=community_secretary, request=routed, center=center)
    answered = _raise(resident, tree.community, "已答复")
    services.request_answer(actor=community_secretary, request=answered, answer="已修好")
    inspector = grant(UserFactory(username="inspector-01"), Role.INSPECTOR)

    def ids(user):
        return [r.pk for r in selectors.requests_waiting(user=user)]

    assert set(ids(community_secretary)) == {own.pk}
    assert set(ids(street_secretary)) == {own.pk}
    assert set(ids(center_staff)) == {routed.pk}
    assert set(ids(district_user)) == {own.pk, foreign.pk, routed.pk}
    assert ids(inspector) == [] and ids(resident) == []
    assert RequestStatus.ANSWERED not in {r.status for r in selectors.requests_waiting(user=district_user)}


def test_activities_today(tree, center, other_center, center_staff, district_user, resident, make_activity):
    now = timezone.localtime()
    today_start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    # Activities later today, tomorrow, and today at another center.
    todays = make_activity(starts_in=(today_start + datetime.timedelta(hours=23)) - timezone.now(), hours=0.5,
                           signup_closes=today_start + datetime.timedelta(hours=23))
    make_activity(starts_in=datetime.timedelta(days=2))
    elsewhere = make_activity(center=other_center, starts_in=(today_start + datetime.timedelta(hours=23)
                                                               ) - timezone.now(), hours=0.5,
                              signup_closes=today_start + datetime.timedelta(hours=23))
    assert [a.pk for a in selectors.activities_today(user=center_staff)] == [todays.pk]
    assert {a.pk for a in selectors.activities_today(user=district_user)} == {todays.pk, elsewhere.pk}
    assert list(selectors.activities_today(user=resident)) == []


def test_matches_open(tree, community_secretary, street_secretary, resident):
    unit = ResidentUnit.objects.create(node=tree.grid, name="省人民医院")
    resource = Resource.objects.create(node=tree.grid, unit=unit, kind="expert", title="义诊")

    def need(node, title):
        return Need.objects.create(node=node, kind="expert", title=title, posted_on=datetime.date(2026, 1, 1))
    proposed = Match.objects.create(need=need(tree.community, "a"), resource=resource, distance=2,
                                    proposed_on=datetime.date(2026, 1, 1))
    agreed = Match.objects.create(need=need(tree.community, "b"), resource=resource, distance=2,
                                  proposed_on=datetime.date(2026, 1, 2), status=MatchStatus.AGREED,
                                  agreed_on=datetime.date(2026, 1, 3))
    Match.objects.create(need=need(tree.community, "c"), resource=resource, distance=2,
                         proposed_on=datetime.date(2026, 1, 2), status=MatchStatus.DECLINED)
    # A need of the other street asking for this community's resource: the resource's side follows it too.
    asked = Match.objects.create(need=need(tree.other_community, "d"), resource=resource, distance=4,
                                 proposed_on=datetime.date(2026, 1, 2))
    elsewhere = ResidentUnit.objects.create(node=tree.other_grid, name="郑州大学")
    other_resource = Resource.objects.create(node=tree.other_grid, unit=elsewhere, kind="expert", title="法学教授")
    Match.objects.create(need=need(tree.other_community, "e"), resource=other_resource, distance=1,
                         proposed_on=datetime.date(2026, 1, 2))
    assert [m.pk for m in selectors.matches_open(user=community_secretary)] == [proposed.pk, agreed.pk, asked.pk]
    assert list(selectors.matches_open(user=resident)) == []
