"""The community records through the REST API: the permission matrix (every route × every role, a foreign record
refused), writes through the services, the state changes as sub-routes, and constant query counts per list."""

import datetime

import pytest
from community.models import Coverage, RefundStatus, WeakOrgFlag
from tests.community import records
from tests.community.factories import DuesRefundFactory, TwoNewOrgFactory
from tests.api_matrix import ROLES, client_for, role_users
from tests.factories import StreetFactory

pytestmark = pytest.mark.django_db



def _flag(node):
    return WeakOrgFlag.objects.create(node=node, flagged_on=records.DAY, reasons="班子不健全")


#: route → (make a record at a node, where "own" lives in the tree fixture, where "foreign" does, a harmless change)
RECORDS = {
    "two-new-orgs": (lambda n: records.org(n), "grid", "other_grid", {"address": "金水路1号"}),
    "instructors": (records.instructor, "community", "other_community", {"full_time": True}),
    "stations": (lambda n: records.station(n), "grid", "other_grid", {"enterprises_covered": 5}),
    "red-homes": (records.red_home, "street", "other_street", {"area_m2": 300}),
    "resident-units": (records.unit, "community", "other_community", {"contact": "王主任"}),
    "pairings": (lambda n: records.pairing(n), "community", "other_community", {"started_on": "2017-06-01"}),
    "joint-meetings": (lambda n: records.meeting(n), "community", "other_community", {"topic": "共建议事"}),
    "resident-issues": (lambda n: records.issue(n), "community", "other_community", {"title": "加装电梯"}),
    "village-visits": (lambda n: records.visit(n), "village", "other_village", {"visitor": "李四"}),
    "star-ratings": (lambda n: records.rating(n), "building", "other_building", {"note": "整改后复评"}),
    "weak-orgs": (_flag, "grid", "other_grid", {"reasons": "组织生活不规范"}),
}


@pytest.fixture
def places(tree):
    tree.village = records.village(tree.street)
    tree.other_village = records.village(tree.other_street)
    tree.other_building = records.building(tree.other_grid)
    return tree


@pytest.fixture
def users(places, district_user, street_secretary, community_secretary, resident):
    return role_users(places, district_user, street_secretary, community_secretary, resident)


def _sees(role, node):
    """Whether `role` reads a record hanging off `node` (the tree fixture: S01 is the street's, S01C01 the
    community secretary's)."""
    if role in ("district", "inspector"):
        return True
    if role == "street":
        return node.path.startswith(_tree_paths["street"])
    if role == "community":
        return node.path.startswith(_tree_paths["community"])
    return False


_tree_paths = {}


@pytest.mark.parametrize("route", sorted(RECORDS))
@pytest.mark.parametrize("role", ROLES)
def test_each_route_answers_each_role_within_their_area(route, role, places, users):
    _tree_paths.update(street=places.street.path, community=places.community.path)
    make, own_at, foreign_at, change = RECORDS[route]
    own, foreign = make(getattr(places, own_at)), make(getattr(places, foreign_at))
    client = client_for(users[role])
    listed = client.get(f"/api/v1/{route}/")
    if role == "anonymous":
        assert listed.status_code == 401
        assert client.get(f"/api/v1/{route}/{own.pk}/").status_code == 401
        return
    if role in ("center", "resident"):
        assert listed.status_code == 403 and listed.json()["code"] == "permission_denied"
        assert client.patch(f"/api/v1/{route}/{own.pk}/", change, format="json").status_code == 403
        return
    assert listed.status_code == 200
    ids = {row["id"] for row in listed.json()["results"]}
    assert (own.pk in ids) == _sees(role, own.node)
    assert foreign.pk not in ids or role in ("district", "inspector")
    foreign_answer = client.get(f"/api/v1/{route}/{foreign.pk}/")
    assert foreign_answer.status_code == (200 if role in ("district", "inspector") else 404)
    if role != "district":
        assert client.patch(f"/api/v1/{route}/{foreign.pk}/", change, format="json").status_code in (403, 404)
        assert client.delete(f"/api/v1/{route}/{foreign.pk}/").status_code in (403, 404)

    changed = client.patch(f"/api/v1/{route}/{own.pk}/", change, format="json")
    if not _sees(role, own.node):
        assert changed.status_code == 404
    elif role == "inspector":  # reads everything, writes nothing
        assert changed.status_code == 403, changed.content
    else:
        assert changed.status_code == 200, changed.content
        body = changed.json()
        for field, value in change.items():
            assert body[field] == value


def test_a_secretary_creates_a_record_of_their_area_not_of_another(places, users):
    client = client_for(users["community"])
    made = client.post("/api/v1/resident-issues/", {"node": places.community.pk, "title": "停车难",
                                                    "raised_on": "2026-03-01", "category": "other"}, format="json")
    assert made.status_code == 201, made.content
    assert made.json()["stage"] == "solicited" and made.json()["node_name"] == places.community.name
    refused = client.post("/api/v1/resident-issues/", {"node": places.other_community.pk, "title": "停车难",
                                                       "raised_on": "2026-03-01"}, format="json")
    assert refused.status_code == 400 and "node" in refused.json()


def test_a_record_of_the_wrong_level_is_refused_in_words(places, users):
    answer = client_for(users["district"]).post(
        "/api/v1/red-homes/", {"node": places.community.pk, "name": "红色家园", "opened_on": "2020-01-01"},
        format="json")
    assert answer.status_code == 400
    assert "node" in answer.json()


def test_an_issue_advances_step_by_step_and_needs_a_resolution_to_be_resolved(places, users):
    issue = records.issue(places.community)
    client = client_for(users["community"])
    stages = []
    for _ in range(10):
        answer = client.post(f"/api/v1/resident-issues/{issue.pk}/advance/", {}, format="json")
        if answer.status_code != 200:
            break
        stages.append(answer.json()["stage"])
    assert stages[0] != "solicited"
    assert answer.status_code == 400 and "resolution" in answer.json()
    done = client.post(f"/api/v1/resident-issues/{issue.pk}/advance/",
                       {"resolution": "已协调物业解决", "on": "2026-05-01"}, format="json")
    assert done.status_code == 200 and done.json()["stage"] == "resolved"
    assert done.json()["resolved_on"] == "2026-05-01"
    foreign = records.issue(places.other_community)
    assert client.post(f"/api/v1/resident-issues/{foreign.pk}/advance/", {}, format="json").status_code == 404


def test_a_visit_completes_and_a_flag_closes_only_with_a_plan(places, users):
    client = client_for(users["street"])
    solved = records.visit(places.village)
    answer = client.post(f"/api/v1/village-visits/{solved.pk}/complete/", {}, format="json")
    assert answer.status_code == 400 and "outcome" in answer.json()
    transferred = records.visit(places.village, outcome="transferred")
    answer = client.post(f"/api/v1/village-visits/{transferred.pk}/complete/", {"on": "2026-01-05"}, format="json")
    assert answer.status_code == 200 and answer.json()["completed_on"] == "2026-01-05"

    flag = _flag(places.grid)
    answer = client.post(f"/api/v1/weak-orgs/{flag.pk}/close/", {"closure_note": "已整改"}, format="json")
    assert answer.status_code == 400 and "rectification_plan" in answer.json()
    assert client.patch(f"/api/v1/weak-orgs/{flag.pk}/", {"rectification_plan": "调整班子"},
                        format="json").status_code == 200
    answer = client.post(f"/api/v1/weak-orgs/{flag.pk}/close/", {"closure_note": "已整改"}, format="json")
    assert answer.status_code == 200 and answer.json()["closed_on"]
    assert client.get("/api/v1/weak-orgs/?open=true").json()["results"] == []


def test_an_instructor_is_assigned_from_the_area_only(places, users):
    org = records.org(places.grid)
    mine, theirs = records.instructor(places.community), records.instructor(places.other_community)
    client = client_for(users["community"])
    refused = client.post(f"/api/v1/two-new-orgs/{org.pk}/assign-instructor/", {"instructor": theirs.pk},
                          format="json")
    assert refused.status_code == 400 and "instructor" in refused.json()
    done = client.post(f"/api/v1/two-new-orgs/{org.pk}/assign-instructor/", {"instructor": mine.pk}, format="json")
    assert done.status_code == 200
    assert done.json()["instructor"] == mine.pk and done.json()["coverage"] == Coverage.INSTRUCTOR


def test_an_instructors_phone_is_masked_for_a_reader_who_may_not_change_it(places, users):
    person = records.instructor(places.community, phone="13812345678")
    assert client_for(users["district"]).get(f"/api/v1/instructors/{person.pk}/").json()["phone"] == "13812345678"
    assert client_for(users["inspector"]).get(f"/api/v1/instructors/{person.pk}/").json()["phone"] == "138****5678"


def test_list_filters_mirror_the_admin(places, users):
    records.org(places.grid, members=4)  # rule broken: 3+ members, no own organization
    records.org(places.grid, members=0)
    records.org(places.other_grid, members=5, coverage=Coverage.OWN)
    client = client_for(users["district"])
    assert client.get("/api/v1/two-new-orgs/?rule_broken=true").json()["count"] == 1
    assert client.get(f"/api/v1/two-new-orgs/?street={places.other_street.pk}").json()["count"] == 1
    assert client.get("/api/v1/two-new-orgs/?coverage=own").json()["count"] == 1
    # a street the caller may not see filters to nothing
    assert client_for(users["street"]).get(
        f"/api/v1/two-new-orgs/?street={places.other_street.pk}").json()["count"] == 0


# --- dues refunds --------------------------------------------------------------------------------------------


def test_a_refund_goes_from_the_community_to_the_street_to_the_district(places, users):
    org = TwoNewOrgFactory(node=places.grid)
    proposed = client_for(users["community"]).post("/api/v1/dues-refunds/", {
        "org": org.pk, "year": 2025, "dues_collected": "3000.00", "amount": "2400.00", "purpose": "主题党日"},
        format="json")
    assert proposed.status_code == 201, proposed.content
    pk = proposed.json()["id"]
    assert client_for(users["community"]).post(f"/api/v1/dues-refunds/{pk}/approve/").status_code == 403
    approved = client_for(users["street"]).post(f"/api/v1/dues-refunds/{pk}/approve/")
    assert approved.status_code == 200 and approved.json()["status"] == RefundStatus.APPROVED
    again = client_for(users["street"]).post(f"/api/v1/dues-refunds/{pk}/approve/")
    assert again.status_code == 400 and "status" in again.json()
    today = datetime.date.today().isoformat()
    assert client_for(users["street"]).post(f"/api/v1/dues-refunds/{pk}/record-payment/", {
        "paid_on": today, "voucher_number": "PZ-1"}, format="json").status_code == 403
    paid = client_for(users["district"]).post(f"/api/v1/dues-refunds/{pk}/record-payment/", {
        "paid_on": today, "voucher_number": "PZ-1"}, format="json")
    assert paid.status_code == 200 and paid.json()["status"] == RefundStatus.PAID


def test_a_refund_is_sent_back_with_a_reason_and_a_foreign_one_is_not_found(places, users):
    mine = DuesRefundFactory(org=TwoNewOrgFactory(node=places.grid))
    theirs = DuesRefundFactory(org=TwoNewOrgFactory(node=places.other_grid))
    client = client_for(users["street"])
    assert client.post(f"/api/v1/dues-refunds/{mine.pk}/send-back/", {}, format="json").status_code == 400
    back = client.post(f"/api/v1/dues-refunds/{mine.pk}/send-back/", {"reason": "金额不符"}, format="json")
    assert back.status_code == 200 and back.json()["return_reason"] == "金额不符"
    assert client.get(f"/api/v1/dues-refunds/{theirs.pk}/").status_code == 404
    assert client.post(f"/api/v1/dues-refunds/{theirs.pk}/approve/").status_code == 404
    assert client_for(users["resident"]).get("/api/v1/dues-refunds/").status_code == 403
    assert client_for(users["district"]).delete(f"/api/v1/dues-refunds/{mine.pk}/").status_code == 405


# --- query counts --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("route", [*sorted(RECORDS), "dues-refunds"])
@pytest.mark.parametrize("role", ["district", "community"])
def test_lists_run_a_fixed_number_of_queries(route, role, places, users, django_assert_max_num_queries):
    if route == "dues-refunds":
        for year in range(2000, 2022):
            DuesRefundFactory(org=TwoNewOrgFactory(node=places.grid), year=year)
    elif route == "red-homes":  # one per street
        for n in range(22):
            records.red_home(StreetFactory(code=f"S9{n:02d}"))
    elif route == "star-ratings":  # one a day
        for n in range(22):
            records.rating(places.building, rated_on=records.DAY + datetime.timedelta(days=n))
    elif route == "weak-orgs":  # one open at a time
        for n in range(22):
            WeakOrgFlag.objects.create(node=places.grid, flagged_on=records.DAY, reasons="班子不健全",
                                       rectification_plan="调整", closed_on=records.DAY, closure_note="已整改")
    else:
        make, own_at, _foreign, _change = RECORDS[route]
        for _ in range(22):
            make(getattr(places, own_at))
    client = client_for(users[role])
    with django_assert_max_num_queries(8):
        answer = client.get(f"/api/v1/{route}/")
    assert answer.status_code == 200


def test_a_record_others_point_at_is_not_deleted(places, users):
    refund = DuesRefundFactory(org=TwoNewOrgFactory(node=places.grid))
    answer = client_for(users["district"]).delete(f"/api/v1/two-new-orgs/{refund.org_id}/")
    assert answer.status_code == 409 and answer.json()["code"] == "in_use"
    unit = records.unit(places.community)
    assert client_for(users["community"]).delete(f"/api/v1/resident-units/{unit.pk}/").status_code == 204
