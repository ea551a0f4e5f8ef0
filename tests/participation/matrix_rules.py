"""Permission-matrix rules of residents taking part (read by tests/accounts/test_permission_matrix.py).

Requests, teams, resources, needs and matches have scoped, read-only admins (written through the services on
the phone pages and the API); activities and residents' profiles are district-only in the admin (center staff
publish activities on the phone). Requests are raised in a community and needs are posted by a community or a
street, so a grid leader never sees them: their rule checks the foreign object only (own-scope visibility is
tested in tests/participation)."""

import datetime

DISTRICT_ONLY_ADMINS = {"participation.activity", "participation.residentprofile"}
READ_ONLY_ADMINS = {
    "participation.residentrequest", "participation.volunteerteam", "participation.teammembership",
    "participation.resource", "participation.need", "participation.match",
}


def _resident(name):
    from tests.factories import Role, UserFactory, grant

    return grant(UserFactory(username=name, is_staff=False), Role.RESIDENT)


def _request(tree):
    from participation import services

    foreign = services.request_create(actor=_resident("mx-resident-2"), kind="issue", title="外社区", body="b",
                                      community=tree.other_community)
    return None, foreign


def _team(node, name):
    from participation.models import VolunteerTeam

    return VolunteerTeam.objects.get_or_create(node=node, name=name, defaults=dict(
        kind="patrol", charter="章程", founded_on=datetime.date(2020, 1, 1)))[0]


def _teams(tree):
    return _team(tree.building, "夕阳红巡逻队"), _team(tree.other_grid, "党员妈妈服务队")


def _memberships(tree):
    from participation.models import TeamMembership

    own, foreign = _teams(tree)
    return (TeamMembership.objects.create(team=own, name="张三", joined_on=datetime.date(2020, 1, 1)),
            TeamMembership.objects.create(team=foreign, name="李四", joined_on=datetime.date(2020, 1, 1)))


def _unit(node, name):
    from community.models import ResidentUnit

    return ResidentUnit.objects.create(node=node, name=name)


def _resources(tree):
    from participation.models import Resource

    own_unit, foreign_unit = _unit(tree.building, "省人民医院"), _unit(tree.other_grid, "郑州大学")
    return (Resource.objects.create(node=own_unit.node, unit=own_unit, kind="expert", title="义诊"),
            Resource.objects.create(node=foreign_unit.node, unit=foreign_unit, kind="room", title="会议室"))


def _need(node):
    from participation.models import Need

    return Need.objects.create(node=node, kind="expert", title="健康讲座专家", posted_on=datetime.date(2026, 1, 1))


def _needs(tree):
    return None, _need(tree.other_community)


def _matches(tree):
    from participation.models import Match

    _own, foreign_resource = _resources(tree)
    return None, Match.objects.create(need=_need(tree.other_community), resource=foreign_resource, distance=2,
                                      proposed_on=datetime.date(2026, 1, 1))


SCOPED_OBJECTS = {
    "participation.residentrequest": _request,
    "participation.volunteerteam": _teams,
    "participation.teammembership": _memberships,
    "participation.resource": _resources,
    "participation.need": _needs,
    "participation.match": _matches,
}

OTHER_ROUTES = {
    "participation:profile": "signed_in", "participation:requests": "signed_in",
    "participation:request_new": "signed_in", "participation:request": "own_or_scope",
    "participation:request_photo": "own_or_scope", "participation:request_action": "own_or_scope",
    "participation:activities": "signed_in", "participation:activity": "signed_in",
    "participation:activity_signup": "signed_in", "participation:activity_cancel": "own",
    "participation:staff_activities": "center_staff", "participation:staff_activity": "center_staff",
    "participation:staff_check_in": "center_staff",
    "participation:teams": "signed_in", "participation:team_join": "signed_in",
    "participation:team_roster": "team_leader_or_scope", "participation:team_add_member": "team_leader_or_scope",
    "participation:team_hours": "team_leader_or_scope",
    "participation:thinktank": "tree_or_center_staff", "participation:need": "scope",
    "participation:need_propose": "scope", "participation:need_withdraw": "scope",
    "participation:match_action": "need_or_resource_side", "participation:resources": "tree_or_center_staff",
}

API_ROUTES = {
    "v1:request-list": "own_or_scope", "v1:request-detail": "own_or_scope",
    "v1:request-accept": "community_side", "v1:request-route": "community_side",
    "v1:request-answer": "community_or_routed_center", "v1:request-decline": "community_side",
    "v1:request-close": "own_or_handler", "v1:request-rate": "own",
    "v1:activity-list": "signed_in", "v1:activity-detail": "signed_in", "v1:activity-signups": "signed_in",
    "v1:need-list": "scope", "v1:need-detail": "scope", "v1:need-candidates": "scope",
    "v1:resource-list": "scope_or_center_partner", "v1:resource-detail": "scope_or_center_partner",
    "v1:match-list": "scope_or_center_partner", "v1:match-detail": "scope_or_center_partner",
    "v1:match-agree": "need_or_resource_side", "v1:match-decline": "need_or_resource_side",
    "v1:match-complete": "need_side",
}
