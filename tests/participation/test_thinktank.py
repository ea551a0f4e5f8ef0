"""The 智库 on the API and the phone pages: needs, resources and matches cut to each role's scope; candidates
ranked by kind and distance in the tree; propose, agree, decline, complete; another area's objects answer 404,
writes outside one's side 403; list endpoints and pages in a bounded number of queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from community.models import JointMeeting, ResidentUnit
from inbox.models import Message
from participation import services
from participation.models import Match, MatchStatus, Need, NeedStatus, Resource
from servicecenters.models import PartnerOrganization
from tests.factories import Role, UserFactory, grant

pytestmark = pytest.mark.django_db


@pytest.fixture
def tt(tree, center, center_staff, community_secretary, street_secretary, district_user, resident):
    """Needs in both communities; an expert of a resident unit in the own building group, one in the other
    street, and one of the partner organization running center SC01 (street S01)."""

    class TT:
        pass

    t = TT()
    t.tree = tree
    t.hospital = ResidentUnit.objects.create(node=tree.building, name="省人民医院", contact="张主任")
    t.university = ResidentUnit.objects.create(node=tree.other_grid, name="郑州大学")
    t.partner = PartnerOrganization.objects.create(name="金水区阳光社工", center=center,
                                                   admitted_on=datetime.date(2024, 1, 1))
    t.need = Need.objects.create(node=tree.community, kind="expert", title="健康讲座专家",
                                 posted_on=datetime.date(2026, 1, 5))
    t.foreign_need = Need.objects.create(node=tree.other_community, kind="expert", title="法律顾问",
                                         posted_on=datetime.date(2026, 1, 5))
    t.near = Resource.objects.create(node=tree.building, unit=t.hospital, kind="expert", title="义诊专家")
    t.far = Resource.objects.create(node=tree.other_grid, unit=t.university, kind="expert", title="法学教授")
    t.partner_res = Resource.objects.create(node=tree.street, partner=t.partner, kind="expert", title="心理咨询师")
    t.room = Resource.objects.create(node=tree.building, unit=t.hospital, kind="room", title="会议室")
    t.users = {
        "district": district_user, "street": street_secretary, "community": community_secretary,
        "center_staff": center_staff, "resident": resident,
        "inspector": grant(UserFactory(username="inspector-01"), Role.INSPECTOR),
        "grid_leader": grant(UserFactory(username="sec-S01C01G01"), Role.GRID_LEADER, tree.grid),
        "foreign_street": grant(UserFactory(username="sec-S02"), Role.STREET_SECRETARY, tree.other_street),
    }
    return t


def _ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


EXPECTED_NEEDS = {
    "district": {"need", "foreign_need"}, "inspector": {"need", "foreign_need"}, "street": {"need"},
    "community": {"need"}, "grid_leader": set(), "center_staff": set(), "resident": set(),
    "foreign_street": {"foreign_need"},
}
EXPECTED_RESOURCES = {
    "district": {"near", "far", "partner_res", "room"}, "inspector": {"near", "far", "partner_res", "room"},
    "street": {"near", "partner_res", "room"}, "community": {"near", "room"}, "grid_leader": {"near", "room"},
    "center_staff": {"partner_res"}, "resident": set(), "foreign_street": {"far"},
}


@pytest.mark.parametrize("role", list(EXPECTED_NEEDS))
def test_each_role_lists_the_needs_and_resources_of_its_scope(api, tt, role):
    user = tt.users[role]
    assert _ids(api(user).get("/api/v1/needs/")) == {getattr(tt, n).pk for n in EXPECTED_NEEDS[role]}
    assert _ids(api(user).get("/api/v1/resources/")) == {getattr(tt, n).pk for n in EXPECTED_RESOURCES[role]}


def test_signed_out_callers_are_refused(api, tt):
    for url in ("/api/v1/needs/", "/api/v1/resources/", "/api/v1/matches/"):
        assert api().get(url).status_code in (401, 403)


@pytest.mark.parametrize("role, node, expected", [
    ("community", "community", 201), ("street", "community", 201), ("district", "other_community", 201),
    ("community", "other_community", 403), ("foreign_street", "community", 403), ("inspector", "community", 403),
    ("center_staff", "community", 403), ("resident", "community", 403), ("grid_leader", "community", 403),
])
def test_who_posts_a_need(api, tt, role, node, expected):
    before = Need.objects.count()
    response = api(tt.users[role]).post("/api/v1/needs/", {
        "node": getattr(tt.tree, node).pk, "kind": "funds", "title": "老旧小区加装电梯资金"}, format="json")
    assert response.status_code == expected, response.content
    assert Need.objects.count() == before + (1 if expected == 201 else 0)


def test_a_need_with_bad_input_answers_400_with_field_errors(api, tt):
    response = api(tt.users["community"]).post("/api/v1/needs/", {
        "node": tt.tree.grid.pk, "kind": "castle", "title": ""}, format="json")
    assert response.status_code == 400
    assert {"node", "kind", "title"} <= set(response.json())


def test_candidates_are_of_the_needs_kind_nearest_first(api, tt):
    rows = api(tt.users["community"]).get(f"/api/v1/needs/{tt.need.pk}/candidates/").json()
    # The street's partner is one step up, the building group two down, the other street's grid five away; the
    # room is of another kind.
    assert [(r["id"], r["distance"]) for r in rows] == [(tt.partner_res.pk, 1), (tt.near.pk, 2), (tt.far.pk, 5)]
    assert api(tt.users["community"]).get(f"/api/v1/needs/{tt.foreign_need.pk}/candidates/").status_code == 404


def test_propose_agree_complete_through_the_api(api, tt):
    secretary = tt.users["community"]
    made = api(secretary).post("/api/v1/matches/", {"need": tt.need.pk, "resource": tt.partner_res.pk},
                               format="json")
    assert made.status_code == 201, made.content
    assert made.json()["status"] == "proposed" and made.json()["distance"] == 1
    # The partner's center staff are told.
    assert Message.objects.filter(recipient=tt.users["center_staff"], kind="match_proposed").exists()
    again = api(secretary).post("/api/v1/matches/", {"need": tt.need.pk, "resource": tt.partner_res.pk},
                                format="json")
    assert again.status_code == 409 and again.json()["code"] == "already_proposed"
    match_id = made.json()["id"]
    # The partner's side sees the match and agrees; it may not record the outcome.
    staff = tt.users["center_staff"]
    assert match_id in _ids(api(staff).get("/api/v1/matches/"))
    agreed = api(staff).post(f"/api/v1/matches/{match_id}/agree/", {}, format="json")
    assert agreed.status_code == 200 and agreed.json()["status"] == "agreed"
    assert api(staff).post(f"/api/v1/matches/{match_id}/complete/", {"outcome": "讲座三场"},
                           format="json").status_code == 403
    assert api(secretary).post(f"/api/v1/matches/{match_id}/complete/", {}, format="json").status_code == 400
    done = api(secretary).post(f"/api/v1/matches/{match_id}/complete/", {"outcome": "讲座三场，居民120人次"},
                               format="json")
    assert done.status_code == 200 and done.json()["status"] == "done"
    tt.need.refresh_from_db()
    assert tt.need.status == NeedStatus.MET


@pytest.mark.parametrize("role, expected", [
    ("community", 200), ("street", 200), ("district", 200), ("center_staff", 200), ("inspector", 403),
    ("foreign_street", 404), ("resident", 404), ("grid_leader", 404),
])
def test_who_answers_a_proposal(api, tt, role, expected):
    match = services.match_propose(actor=tt.users["community"], need=tt.need, resource=tt.partner_res)
    response = api(tt.users[role]).post(f"/api/v1/matches/{match.pk}/decline/", {}, format="json")
    assert response.status_code == expected, response.content
    match.refresh_from_db()
    assert match.status == (MatchStatus.DECLINED if expected == 200 else MatchStatus.PROPOSED)


def test_the_resource_side_of_a_unit_answers_and_a_stranger_may_not(tt):
    """A far resource's side is whoever writes at its node (the other street), not the need's community."""
    match = services.match_propose(actor=tt.users["community"], need=tt.need, resource=tt.far)
    assert match.distance == 5
    services.match_agree(actor=tt.users["foreign_street"], match=match)
    match.refresh_from_db()
    assert match.status == MatchStatus.AGREED
    with pytest.raises(services.thinktank.PermissionDenied):
        services.match_complete(actor=tt.users["foreign_street"], match=match, outcome="x")


def test_resident_may_not_propose_and_nothing_is_written(api, tt):
    response = api(tt.users["resident"]).post("/api/v1/matches/", {"need": tt.need.pk, "resource": tt.near.pk},
                                              format="json")
    assert response.status_code == 400 and "need" in response.json()
    assert not Match.objects.exists()


def test_a_proposal_of_another_kind_or_withdrawn_resource_is_refused(api, tt):
    secretary = tt.users["community"]
    other_kind = api(secretary).post("/api/v1/matches/", {"need": tt.need.pk, "resource": tt.room.pk}, format="json")
    assert other_kind.status_code == 400 and "resource" in other_kind.json()
    services.resource_set_available(actor=tt.users["center_staff"], resource=tt.partner_res, available=False)
    withdrawn = api(secretary).post("/api/v1/matches/", {"need": tt.need.pk, "resource": tt.partner_res.pk},
                                    format="json")
    assert withdrawn.status_code == 400
    assert not Match.objects.exists()


def test_center_staff_offer_their_partners_resources_only(api, tt, other_center):
    staff = tt.users["center_staff"]
    ok = api(staff).post("/api/v1/resources/", {"partner": tt.partner.pk, "kind": "room", "title": "活动室"},
                         format="json")
    assert ok.status_code == 201, ok.content
    assert ok.json()["node"] == tt.tree.street.pk and ok.json()["provider"] == "金水区阳光社工"
    stranger = PartnerOrganization.objects.create(name="北林社工", center=other_center,
                                                  admitted_on=datetime.date(2024, 1, 1))
    assert api(staff).post("/api/v1/resources/", {"partner": stranger.pk, "kind": "room", "title": "x"},
                           format="json").status_code == 403
    assert api(staff).post("/api/v1/resources/", {"unit": tt.hospital.pk, "kind": "room", "title": "x"},
                           format="json").status_code == 403
    both = api(tt.users["district"]).post("/api/v1/resources/", {"kind": "room", "title": "x"}, format="json")
    assert both.status_code == 400 and "unit" in both.json()


def test_agreeing_at_a_joint_meeting_of_another_area_is_refused(tt):
    meeting = JointMeeting.objects.create(node=tt.tree.other_community, held_on=datetime.date(2026, 3, 1),
                                          topic="联席会")
    match = services.match_propose(actor=tt.users["community"], need=tt.need, resource=tt.near)
    with pytest.raises(services.thinktank.ValidationError):
        services.match_agree(actor=tt.users["community"], match=match, meeting=meeting)


def test_list_endpoints_take_a_bounded_number_of_queries(api, tt):
    for i in range(15):
        need = Need.objects.create(node=tt.tree.community, kind="expert", title=f"需求{i}",
                                   posted_on=datetime.date(2026, 2, 1))
        unit = ResidentUnit.objects.create(node=tt.tree.building, name=f"单位{i}")
        resource = Resource.objects.create(node=tt.tree.building, unit=unit, kind="expert", title=f"资源{i}")
        Match.objects.create(need=need, resource=resource, distance=2, proposed_on=datetime.date(2026, 2, 1))
    client = api(tt.users["street"])
    for url in ("/api/v1/needs/", "/api/v1/resources/", "/api/v1/matches/"):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200 and response.json()["count"] >= 15
        assert len(queries) <= 6, (url, [q["sql"] for q in queries])


# --- the pages ------------------------------------------------------------------------------------------------------


def test_secretary_posts_a_need_and_proposes_the_nearest_resource_on_the_phone(client, tt):
    client.force_login(tt.users["community"])
    page = client.get("/m/thinktank/")
    assert page.status_code == 200 and "健康讲座专家" in page.content.decode()
    posted = client.post("/m/thinktank/", {"node": tt.tree.community.pk, "kind": "expert", "title": "四点钟课堂老师"})
    need = Need.objects.get(title="四点钟课堂老师")
    assert posted.status_code == 302 and posted["Location"] == f"/m/thinktank/needs/{need.pk}/"
    body = client.get(f"/m/thinktank/needs/{need.pk}/").content.decode()
    assert body.index("心理咨询师") < body.index("义诊专家") < body.index("法学教授")
    client.post(f"/m/thinktank/needs/{need.pk}/propose/", {"resource": tt.near.pk})
    match = Match.objects.get(need=need)
    client.post(f"/m/thinktank/matches/{match.pk}/agree/")
    client.post(f"/m/thinktank/matches/{match.pk}/complete/", {"outcome": "每周二下午两位医生到课堂"})
    match.refresh_from_db()
    assert match.status == MatchStatus.DONE and match.outcome.startswith("每周二")


def test_a_bad_need_form_shows_the_error_not_a_500(client, tt):
    client.force_login(tt.users["community"])
    response = client.post("/m/thinktank/", {"node": tt.tree.other_community.pk, "kind": "expert", "title": "x"})
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert not Need.objects.filter(title="x").exists()


def test_pages_refuse_residents_and_foreign_objects(client, tt):
    client.force_login(tt.users["resident"])
    assert client.get("/m/thinktank/").status_code == 403
    assert client.get("/m/thinktank/resources/").status_code == 403
    client.force_login(tt.users["community"])
    assert client.get(f"/m/thinktank/needs/{tt.foreign_need.pk}/").status_code == 404
    assert client.post(f"/m/thinktank/needs/{tt.foreign_need.pk}/propose/", {"resource": tt.far.pk}
                       ).status_code == 404
    foreign_match = services.match_propose(actor=tt.users["foreign_street"], need=tt.foreign_need, resource=tt.far)
    assert client.post(f"/m/thinktank/matches/{foreign_match.pk}/agree/").status_code == 404
    foreign_match.refresh_from_db()
    assert foreign_match.status == MatchStatus.PROPOSED


def test_center_staff_offer_on_the_phone_and_answer_what_is_asked(client, tt):
    client.force_login(tt.users["center_staff"])
    page = client.get("/m/thinktank/resources/")
    assert page.status_code == 200 and "心理咨询师" in page.content.decode()
    client.post("/m/thinktank/resources/", {"provider": f"partner:{tt.partner.pk}", "kind": "service",
                                            "title": "家庭教育指导"})
    assert Resource.objects.filter(partner=tt.partner, title="家庭教育指导").exists()
    refused = client.post("/m/thinktank/resources/", {"provider": f"unit:{tt.hospital.pk}", "kind": "service",
                                                      "title": "冒名"})
    assert refused.status_code == 200 and not Resource.objects.filter(title="冒名").exists()
    match = services.match_propose(actor=tt.users["community"], need=tt.need, resource=tt.partner_res)
    assert "健康讲座专家" in client.get("/m/thinktank/resources/").content.decode()
    client.post(f"/m/thinktank/matches/{match.pk}/agree/")
    match.refresh_from_db()
    assert match.status == MatchStatus.AGREED


def test_thinktank_pages_take_a_bounded_number_of_queries(client, tt):
    for i in range(12):
        need = Need.objects.create(node=tt.tree.community, kind="expert", title=f"需求{i}",
                                   posted_on=datetime.date(2026, 2, 1))
        Match.objects.create(need=need, resource=tt.near, distance=2, proposed_on=datetime.date(2026, 2, 1))
        Resource.objects.create(node=tt.tree.building, unit=tt.hospital, kind="expert", title=f"资源{i}")
    client.force_login(tt.users["community"])
    for url in ("/m/thinktank/", "/m/thinktank/resources/", f"/m/thinktank/needs/{tt.need.pk}/"):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        assert len(queries) <= 16, (url, len(queries))
