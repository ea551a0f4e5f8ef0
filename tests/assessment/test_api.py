"""Assessment through the REST API: the permission matrix (every route × every role, a foreign unit refused), score
sheets, inspections and findings, interviews, and constant query counts per list."""

import datetime

import pytest

from assessment import services
from assessment.models import FindingStatus, Interview, InterviewStatus, Plan, RankingRow, Score, UnitLevel
from assessment.ranking import take_snapshots
from tests.api_matrix import ROLES, client_for, role_users
from tests.assessment.conftest import Q, make_plan, put_scores
from tests.factories import CommunityFactory

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 11, 3)


@pytest.fixture
def users(tree, district_user, street_secretary, community_secretary, resident):
    return role_users(tree, district_user, street_secretary, community_secretary, resident)


@pytest.fixture
def world(tree, plans, users):
    """Scores and a published ranking for both streets and communities; a published inspection of each
    community with a finding; an interview of each community."""
    for unit in (tree.street, tree.other_street):
        put_scores(unit, Q, [80, 70, 60])
    for unit in (tree.community, tree.other_community):
        put_scores(unit, Q, [90, 80, 70])
    take_snapshots(Q)
    inspector = users["inspector"]
    made = {}
    for key, unit in (("own", tree.community), ("foreign", tree.other_community)):
        inspection = services.inspection_visit_record(actor=inspector, org=unit, visited_on=DAY, summary="暗访",
                                                      finding="台账缺失", deadline=DAY + datetime.timedelta(days=30))
        services.inspection_publish(actor=users["district"], inspection=inspection)
        interview = Interview.objects.create(org=unit, interviewee="张书记", reason="ranking", quarter=Q)
        made[key] = {"inspections": inspection.pk, "findings": inspection.findings.get().pk,
                     "interviews": interview.pk,
                     "scores": Score.objects.filter(org=unit).first().pk,
                     "rankings": RankingRow.objects.get(org=unit).pk}
    return made


#: who reads the records of the street's community (own) and of the other street's (foreign)
READS = {
    "scores": {"district": (True, True), "street": (True, False)},
    "rankings": {"district": (True, True), "inspector": (True, True), "street": (True, False),
                 "community": (True, False)},
    "inspections": {"district": (True, True), "inspector": (True, True), "street": (True, False),
                    "community": (True, False)},
    "findings": {"district": (True, True), "inspector": (True, True), "street": (True, False),
                 "community": (True, False)},
    "interviews": {"district": (True, True), "inspector": (True, True), "street": (True, False),
                   "community": (True, False)},
}


@pytest.mark.parametrize("route", sorted(READS))
@pytest.mark.parametrize("role", ROLES)
def test_each_route_answers_each_role_within_their_area(route, role, world, users):
    client = client_for(users[role])
    own, foreign = world["own"][route], world["foreign"][route]
    listed = client.get(f"/api/v1/{route}/")
    if role == "anonymous":
        assert listed.status_code == 401
        return
    if role in ("center", "resident"):
        assert listed.status_code == 403 and listed.json()["code"] == "permission_denied"
        assert client.get(f"/api/v1/{route}/{own}/").status_code == 403
        return
    assert listed.status_code == 200
    sees_own, sees_foreign = READS[route].get(role, (False, False))
    ids = {row["id"] for row in listed.json()["results"]}
    assert (own in ids, foreign in ids) == (sees_own, sees_foreign)
    assert client.get(f"/api/v1/{route}/{own}/").status_code == (200 if sees_own else 404)
    answer = client.get(f"/api/v1/{route}/{foreign}/")
    assert answer.status_code == (200 if sees_foreign else 404)
    if not sees_foreign:
        assert answer.json()["code"] == "not_found"


@pytest.mark.parametrize("role", ROLES)
def test_plans_are_read_by_staff_only(role, plans, users):
    answer = client_for(users[role]).get("/api/v1/assessment-plans/?level=community")
    expected = {"anonymous": 401, "center": 403, "resident": 403}.get(role, 200)
    assert answer.status_code == expected
    if expected == 200:
        (plan,) = answer.json()["results"]
        assert plan["level"] == UnitLevel.COMMUNITY and len(plan["indicators"]) == 3


@pytest.mark.parametrize("role", ROLES)
def test_state_changes_are_refused_outside_the_role(role, world, users):
    """Writes on the other street's records: nobody but the district (and the inspector on their own
    inspection) gets further than 403/404."""
    client = client_for(users[role])
    foreign = world["foreign"]
    answers = [
        client.post(f"/api/v1/findings/{foreign['findings']}/report-rectified/", {"note": "已整改"}, format="json"),
        client.post(f"/api/v1/interviews/{foreign['interviews']}/dismiss/", {"reason": "不需要"}, format="json"),
        client.post(f"/api/v1/inspections/{foreign['inspections']}/findings/",
                    {"description": "x", "deadline": "2026-12-31"}, format="json"),
    ]
    codes = [a.status_code for a in answers]
    if role == "anonymous":
        assert codes == [401, 401, 401]
    elif role == "district":
        assert codes == [200, 200, 201]
    elif role == "inspector":  # follows up the findings of their own inspections; interviews are not theirs
        assert codes == [200, 403, 201]
    else:
        assert set(codes) <= {403, 404}, codes


def test_a_street_enters_a_communitys_sheet_all_or_nothing(tree, plans, users):
    indicators = list(plans.community.indicators.order_by("position"))
    client = client_for(users["street"])
    lines = [{"indicator": i.pk, "score": "80", "evidence": "台账"} for i in indicators]
    lines[1]["score"] = "180"
    refused = client.post("/api/v1/scores/", {"org": tree.community.pk, "quarter": Q, "scores": lines},
                          format="json")
    assert refused.status_code == 400
    assert "score" in refused.json()["scores"][str(indicators[1].pk)]
    assert not Score.objects.exists()
    lines[1]["score"] = "75.5"
    made = client.post("/api/v1/scores/", {"org": tree.community.pk, "quarter": Q, "scores": lines}, format="json")
    assert made.status_code == 201, made.content
    assert sorted(row["score"] for row in made.json()) == ["75.50", "80.00", "80.00"]
    # the street does not score itself, nor another street's community
    assert client.post("/api/v1/scores/", {"org": tree.street.pk, "quarter": Q, "scores": lines},
                       format="json").status_code == 403
    assert client.post("/api/v1/scores/", {"org": tree.other_community.pk, "quarter": Q, "scores": lines},
                       format="json").status_code == 404
    assert client_for(users["community"]).post("/api/v1/scores/", {
        "org": tree.community.pk, "quarter": Q, "scores": lines}, format="json").status_code == 403


def test_a_finding_is_reported_rectified_by_the_unit_and_closed_by_the_inspector(world, users):
    pk = world["own"]["findings"]
    unit = client_for(users["community"])
    assert unit.post(f"/api/v1/findings/{pk}/close/", {"note": "x"}, format="json").status_code == 403
    reported = unit.post(f"/api/v1/findings/{pk}/report-rectified/", {"note": "已补齐台账"}, format="json")
    assert reported.status_code == 200 and reported.json()["status"] == FindingStatus.RECTIFIED
    assert reported.json()["followups"][0]["note"] == "已补齐台账"
    closed = client_for(users["inspector"]).post(f"/api/v1/findings/{pk}/close/", {"note": "复查通过"}, format="json")
    assert closed.status_code == 200 and closed.json()["status"] == FindingStatus.CLOSED
    assert unit.get("/api/v1/findings/?status=closed").json()["count"] == 1


def test_an_inspector_records_a_visit_and_the_district_publishes_it(tree, users):
    inspector = client_for(users["inspector"])
    made = inspector.post("/api/v1/inspections/", {"org": tree.community.pk, "visited_on": "2026-11-02",
                                                   "summary": "暗访", "finding": "制度未上墙"}, format="json")
    assert made.status_code == 400 and "deadline" in made.json()
    made = inspector.post("/api/v1/inspections/", {"org": tree.community.pk, "visited_on": "2026-11-02",
                                                   "summary": "暗访", "finding": "制度未上墙",
                                                   "deadline": "2026-12-02"}, format="json")
    assert made.status_code == 201 and made.json()["findings_count"] == 1
    pk = made.json()["id"]
    # unannounced: the unit does not see it before it is published
    assert client_for(users["community"]).get(f"/api/v1/inspections/{pk}/").status_code == 404
    assert inspector.post(f"/api/v1/inspections/{pk}/publish/").status_code == 403
    assert client_for(users["district"]).post(f"/api/v1/inspections/{pk}/publish/").json()["published_at"]
    assert client_for(users["community"]).get(f"/api/v1/inspections/{pk}/").status_code == 200
    assert client_for(users["street"]).post("/api/v1/inspections/", {
        "org": tree.community.pk, "visited_on": "2026-11-02", "summary": "x"}, format="json").status_code == 403


def test_an_interview_is_held_given_actions_and_closed(tree, users):
    street = client_for(users["street"])
    proposed = Interview.objects.create(org=tree.community, interviewee="张书记", reason="ranking", quarter=Q)
    held = street.post(f"/api/v1/interviews/{proposed.pk}/hold/", {
        "reason": "ranking", "interviewee": "张书记", "held_on": "2026-11-02", "outcome": "限期整改"}, format="json")
    assert held.status_code == 200 and held.json()["status"] == InterviewStatus.HELD
    closing = street.post(f"/api/v1/interviews/{proposed.pk}/close/", {"note": "已整改"}, format="json")
    assert closing.status_code == 400
    with_action = street.post(f"/api/v1/interviews/{proposed.pk}/actions/", {
        "description": "完善台账", "owner_name": "张书记", "deadline": "2026-12-01"}, format="json")
    assert with_action.status_code == 200
    action_id = with_action.json()["actions"][0]["id"]
    done = client_for(users["community"]).post(f"/api/v1/interviews/{proposed.pk}/action-done/", {
        "action": action_id, "note": "已完成"}, format="json")
    assert done.status_code == 200 and done.json()["actions"][0]["done_on"]
    closed = street.post(f"/api/v1/interviews/{proposed.pk}/close/", {"note": "已整改"}, format="json")
    assert closed.status_code == 200 and closed.json()["status"] == InterviewStatus.CLOSED
    new = street.post("/api/v1/interviews/", {"org": tree.community.pk, "reason": "overdue",
                                              "interviewee": "李书记", "held_on": "2026-11-01",
                                              "outcome": "限期整改"}, format="json")
    assert new.status_code == 201 and new.json()["interviewer"] == users["street"].username
    assert street.post("/api/v1/interviews/", {"org": tree.other_community.pk, "reason": "overdue",
                                               "interviewee": "x", "held_on": "2026-11-01", "outcome": "x"},
                       format="json").status_code == 404


@pytest.mark.parametrize("route", ["assessment-plans", "scores", "rankings", "inspections", "findings",
                                   "interviews"])
@pytest.mark.parametrize("role", ["district", "street"])
def test_lists_run_a_fixed_number_of_queries(route, role, tree, plans, users, django_assert_max_num_queries):
    communities = [CommunityFactory(code=f"S01C{n:02d}", parent=tree.street) for n in range(2, 24)]
    for community in communities:
        put_scores(community, Q, [70, 60, 50])
        Interview.objects.create(org=community, interviewee="书记", reason="ranking", quarter=Q)
        inspection = services.inspection_visit_record(
            actor=users["inspector"], org=community, visited_on=DAY, summary="暗访", finding="问题",
            deadline=DAY + datetime.timedelta(days=30))
        services.inspection_publish(actor=users["district"], inspection=inspection)
    take_snapshots(Q)
    for year in range(2000, 2022):
        make_plan(UnitLevel.STREET, year=year)
    assert Plan.objects.count() > 20
    client = client_for(users[role])
    with django_assert_max_num_queries(8):
        answer = client.get(f"/api/v1/{route}/")
    assert answer.status_code == 200 and answer.json()["count"] >= 20
