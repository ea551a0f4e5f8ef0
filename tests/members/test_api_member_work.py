"""The member-work API beyond the permission matrix: constant query counts per list, masked personal data and
logged reveals, the services' refusals as 400s in Chinese, the admin's filters, and the schema's description."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from members.development.models import FilingStatus, StageFiling
from members.records.models import PersonalDataReveal
from members.training.models import QuizAttempt
from tests.factories import MemberFactory
from tests.members.api_world import make_users
from tests.members.helpers import (
    district_actor,
    make_candidate,
    make_class,
    make_dues,
    make_meeting,
    make_points,
    make_quiz,
    make_transfer,
    record_to,
)

pytestmark = pytest.mark.django_db
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _api(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


def _rows(resource, tree, n):
    """n more rows of `resource` under community S01C01."""
    actor = district_actor()
    if resource == "candidates":
        for i in range(n):
            make_candidate(tree.grid, name=f"申请人{i}")
    elif resource == "stage-filings":
        for i in range(n):
            candidate = make_candidate(tree.grid, name=f"申请人{i}")
            StageFiling.objects.create(candidate=candidate, stage=2, status=FilingStatus.PROPOSED, community_by=actor,
                                       community_on=datetime.date(2026, 1, 5))
    elif resource == "transfers":
        for _i in range(n):
            make_transfer(MemberFactory(org=tree.grid), tree.building)
    elif resource == "dues":
        for _i in range(n):
            make_dues(MemberFactory(org=tree.building))
    elif resource == "meetings":
        for _i in range(n):
            make_meeting(tree.grid, [tree.member])
    elif resource == "points":
        for _i in range(n):
            make_points(MemberFactory(org=tree.grid))
    elif resource == "training-classes":
        for i in range(n):
            make_class(tree.community, name=f"培训班{i}")
    elif resource == "enrolments":
        klass = make_class(tree.community)
        for _i in range(n):
            klass.enrolments.create(member=MemberFactory(org=tree.grid))
    elif resource == "quizzes":
        klass = make_class(tree.community)
        for i in range(n):
            make_quiz(klass, title=f"测验{i}")
    elif resource == "duties-done":
        from members.orglife.models import DutyDone, DutyItem

        item = DutyItem.objects.get(number=1)
        start = DutyDone.objects.filter(item=item).count()
        DutyDone.objects.bulk_create([
            DutyDone(org=tree.grid, item=item, period=f"2025-W{start + i + 1:02d}", on_time=True, recorded_by=actor,
                     done_on=datetime.date.fromisocalendar(2025, start + i + 1, 3)) for i in range(n)])
    elif resource == "quiz-attempts":
        quiz = make_quiz(make_class(tree.community))
        for _i in range(n):
            enrolment = quiz.training_class.enrolments.create(member=MemberFactory(org=tree.grid))
            QuizAttempt.objects.create(enrolment=enrolment, quiz=quiz, number=1, answers={}, score=55,
                                       submitted_at=timezone.now())


LISTS = ["candidates", "stage-filings", "transfers", "dues", "meetings", "points", "training-classes", "enrolments",
         "quizzes", "quiz-attempts", "duties-done"]


@pytest.mark.parametrize("resource", LISTS)
def test_list_query_count_is_constant(tree, resource):
    users = make_users(tree)
    counts = {}
    for role in ("district", "community"):
        api = _api(users[role])
        api.get(f"/api/v1/{resource}/")  # the scope is read once per request; warm nothing else
    _rows(resource, tree, 2)
    for role in ("district", "community"):
        with CaptureQueriesContext(connection) as few:
            response = _api(users[role]).get(f"/api/v1/{resource}/", {"page_size": 50})
        assert response.status_code == 200 and response.json()["count"] >= 2
        counts[role] = len(few)
    _rows(resource, tree, 22)
    for role in ("district", "community"):
        with CaptureQueriesContext(connection) as many:
            response = _api(users[role]).get(f"/api/v1/{resource}/", {"page_size": 50})
        assert response.json()["count"] >= 24 and len(response.json()["results"]) >= 24
        assert len(many) == counts[role] <= 6, (role, [q["sql"][:120] for q in many.captured_queries])


def test_meeting_and_quiz_details_do_not_query_per_row(tree):
    users = make_users(tree)
    api = _api(users["community"])
    meeting = make_meeting(tree.grid, [MemberFactory(org=tree.grid) for _ in range(25)])
    quiz = make_quiz(make_class(tree.community))
    with CaptureQueriesContext(connection) as queries:
        assert len(api.get(f"/api/v1/meetings/{meeting.pk}/").json()["attendance"]) == 25
    assert len(queries) <= 5
    with CaptureQueriesContext(connection) as queries:
        assert len(api.get(f"/api/v1/quizzes/{quiz.pk}/").json()["questions"]) == 3
    assert len(queries) <= 6


def test_candidates_are_masked_unless_the_caller_may_change_them(tree):
    users = make_users(tree)
    candidate = make_candidate(tree.grid, name="张申请")
    row = next(r for r in _api(users["community"]).get("/api/v1/candidates/").json()["results"]
               if r["id"] == candidate.pk)
    assert row["id_number"] == candidate.id_number[:2] + "*" * 16 and "birth_date" not in row

    detail = _api(users["community"]).get(f"/api/v1/candidates/{candidate.pk}/").json()
    assert detail["id_number"] == candidate.id_number and detail["birth_date"] == str(candidate.birth_date)
    assert [s["step"] for s in detail["steps"]] == [1]
    assert PersonalDataReveal.objects.filter(user=users["community"], candidate=candidate, channel="api").count() == 1

    seen = _api(users["inspector"]).get(f"/api/v1/candidates/{candidate.pk}/").json()
    assert "*" in seen["id_number"] and "birth_date" not in seen
    assert candidate.id_number not in str(seen) and str(candidate.birth_date) not in str(seen)
    assert not PersonalDataReveal.objects.filter(user=users["inspector"]).exists()


def test_only_a_candidate_the_caller_may_change_is_found_by_id_number(tree):
    users = make_users(tree)
    own, foreign = make_candidate(tree.grid, name="张申请"), make_candidate(tree.other_grid, name="赵申请")
    community = _api(users["community"])
    assert [r["id"] for r in community.get("/api/v1/candidates/", {"search": own.id_number}).json()["results"]] \
        == [own.pk]
    assert community.get("/api/v1/candidates/", {"search": foreign.id_number}).json()["count"] == 0
    assert _api(users["inspector"]).get("/api/v1/candidates/", {"search": own.id_number}).json()["count"] == 0


def test_service_refusals_are_400s_in_chinese(tree):
    users = make_users(tree)
    api = _api(users["community"])
    candidate = make_candidate(tree.grid)
    response = api.post(f"/api/v1/candidates/{candidate.pk}/steps/",
                        {"step": 5, "done_on": "2021-03-12", "reviewer": "李书记"}, format="json")
    assert response.status_code == 400 and CHINESE.search(response.json()["done_on"][0])
    assert candidate.steps.count() == 1

    response = api.post("/api/v1/points/", {"member": tree.member.pk, "on": "2026-05-01", "category": "study",
                                            "points": "0", "reason": "学习"}, format="json")
    assert response.status_code == 400 and CHINESE.search(response.json()["points"][0])

    meeting = make_meeting(tree.grid, [tree.member])
    assert api.post(f"/api/v1/meetings/{meeting.pk}/review/", {"opinion": "好"}, format="json").status_code == 200
    response = api.post(f"/api/v1/meetings/{meeting.pk}/attendance/", {"rows": [
        {"member": tree.member.pk, "present": False, "absence_reason": "病假"}]}, format="json")
    assert response.status_code == 400 and CHINESE.search(response.json()["meeting"][0])

    transfer = make_transfer(MemberFactory(org=tree.grid), tree.building)
    assert api.post(f"/api/v1/transfers/{transfer.pk}/accept/", {}, format="json").status_code == 200
    response = api.post(f"/api/v1/transfers/{transfer.pk}/send-back/", {"note": "迟了"}, format="json")
    assert response.status_code == 400 and CHINESE.search(response.json()["status"][0])

    response = api.post(f"/api/v1/enrolments/{make_class(tree.community).enrolments.create(member=tree.member).pk}"
                        "/sign-in/", {"on": "2026-05-01", "hours": "2"}, format="json")
    assert response.status_code == 400 and CHINESE.search(response.json()["on"][0])


def test_a_stage_approved_through_the_api_takes_effect(tree):
    users = make_users(tree)
    candidate = record_to(make_candidate(tree.grid), 3)
    filing = candidate.filings.get()
    proposed = _api(users["street"]).get("/api/v1/stage-filings/", {"status": "proposed"}).json()["results"]
    assert [r["id"] for r in proposed] == [filing.pk]
    body = _api(users["street"]).post(f"/api/v1/stage-filings/{filing.pk}/approve/", {"opinion": "同意"},
                                      format="json").json()
    assert body["status"] == "approved" and body["street_opinion"] == "同意"
    candidate.refresh_from_db()
    assert candidate.stage == 2


def test_tree_filters_mirror_the_admin(tree):
    users = make_users(tree)
    make_points(tree.member)
    make_points(tree.other_member)
    district, community = _api(users["district"]), _api(users["community"])
    assert district.get("/api/v1/points/", {"street": tree.other_street.pk}).json()["count"] == 1
    assert district.get("/api/v1/points/", {"community": tree.community.pk}).json()["count"] == 1
    assert community.get("/api/v1/points/", {"street": tree.other_street.pk}).json()["count"] == 0
    assert community.get("/api/v1/points/", {"subtree": tree.other_grid.pk}).json()["count"] == 0
    assert district.get("/api/v1/points/", {"category": "study"}).json()["count"] == 0


def test_every_member_work_operation_is_described(client):
    schema = client.get("/api/schema/?format=json", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    prefixes = ("/api/v1/candidates/", "/api/v1/stage-filings/", "/api/v1/transfers/", "/api/v1/dues/",
                "/api/v1/meetings/", "/api/v1/points/", "/api/v1/training-classes/", "/api/v1/enrolments/",
                "/api/v1/quizzes/", "/api/v1/quiz-attempts/", "/api/v1/duties-done/")
    operations = [(path, method, op) for path, item in schema["paths"].items() if path.startswith(prefixes)
                  for method, op in item.items()]
    assert len(operations) >= 38
    for path, method, op in operations:
        assert op.get("summary") and CHINESE.search(op["summary"]), (path, method)
        assert {"401", "403"} <= set(op["responses"]), (path, method)
        if "{id}" in path:
            assert "404" in op["responses"], (path, method)
        if method == "get" and "{id}" not in path:  # a filter given a value it does not take
            assert "400" in op["responses"], path
        if method in ("post", "patch"):
            assert "400" in op["responses"] and "requestBody" in op, (path, method)
    props = schema["components"]["schemas"]["PointEntry"]["properties"]
    assert props["recorded_at"]["format"] == "date-time" and props["on"]["format"] == "date"


def test_times_are_answered_as_the_schema_says(tree):
    users = make_users(tree)
    make_points(tree.member)
    row = _api(users["district"]).get("/api/v1/points/").json()["results"][0]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", row["on"])
    assert datetime.datetime.fromisoformat(row["recorded_at"]).utcoffset() == datetime.timedelta(hours=8)
