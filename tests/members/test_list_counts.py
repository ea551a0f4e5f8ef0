"""The per-row counts of the member-work lists (a meeting's present and absent, a candidate's steps done, a
class's enrolled, a quiz's questions and attempts) are read for the page's rows only, as correlated subqueries:
the list is never joined to the rows it counts and grouped before the page is cut. The API and the admin's
changelists show the same numbers as a join and GROUP BY over everything did, in the same order, in the same
number of queries however many rows each count covers."""

import datetime
import re

import pytest
from django.db import connection
from django.db.models import Count, Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from members.development.models import Candidate
from members.orglife.models import Attendance, Meeting
from members.training.models import Quiz, QuizAttempt, TrainingClass
from tests.factories import MemberFactory
from tests.members.api_world import make_users
from tests.members.helpers import make_candidate, make_class, make_meeting, make_quiz, record_to

pytestmark = pytest.mark.django_db

#: Each list, the table its counts read, and the counts as they were computed before: a join and GROUP BY.
LISTS = {
    "meetings": ("members_attendance", lambda: Meeting.objects.annotate(
        present_count=Count("attendance", filter=Q(attendance__present=True)),
        absent_count=Count("attendance", filter=Q(attendance__present=False))).order_by("-held_on", "-id"),
        ["present_count", "absent_count"]),
    "candidates": ("members_steprecord", lambda: Candidate.objects.annotate(steps_done=Count("steps")).order_by(
        "org_id", "name", "id"), ["steps_done"]),
    "training-classes": ("members_enrolment", lambda: TrainingClass.objects.annotate(
        enrolled=Count("enrolments")).order_by("-starts_on", "name", "id"), ["enrolled"]),
    "quizzes": ("members_quizattempt", lambda: Quiz.objects.annotate(
        question_count=Count("questions", distinct=True), attempt_count=Count("attempts", distinct=True)).order_by(
        "-opens_at", "id"), ["question_count", "attempt_count"]),
}


def _api(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


def _grow(resource, tree, size):
    """A row of `resource` whose counts cover `size` rows (and one with none), under community S01C01."""
    if resource == "meetings":
        present = [MemberFactory(org=tree.grid) for _ in range(size)]
        meeting = make_meeting(tree.grid, present)
        Attendance.objects.bulk_create([Attendance(meeting=meeting, member=MemberFactory(org=tree.grid),
                                                   present=False, absence_reason="病假") for _ in range(size // 2)])
        make_meeting(tree.grid, [])
    elif resource == "candidates":
        record_to(make_candidate(tree.grid, name=f"申请人{size}"), min(size, 2))
        make_candidate(tree.grid, name=f"申请人{size}b")
    elif resource == "training-classes":
        klass = make_class(tree.community, name=f"培训班{size}")
        for _ in range(size):
            klass.enrolments.create(member=MemberFactory(org=tree.grid))
        make_class(tree.community, name=f"培训班{size}b")
    elif resource == "quizzes":
        quiz = make_quiz(make_class(tree.community), title=f"测验{size}")
        for _ in range(size):
            enrolment = quiz.training_class.enrolments.create(member=MemberFactory(org=tree.grid))
            QuizAttempt.objects.create(enrolment=enrolment, quiz=quiz, number=1, answers={}, score=80,
                                       submitted_at=timezone.now())
        make_quiz(make_class(tree.community), title=f"测验{size}b", questions=[
            {"text": "党的根本宗旨是？", "choices": [("全心全意为人民服务", True), ("发展经济", False)]}])


def _expected(resource):
    _table, before, fields = LISTS[resource]
    return [{"id": row.pk, **{field: getattr(row, field) for field in fields}} for row in before()]


def _got(rows, resource):
    fields = LISTS[resource][2]
    return [{"id": row["id"], **{field: row[field] for field in fields}} for row in rows]


def _no_join_on(table, queries):
    return not any(re.search(rf'JOIN "{table}"', q["sql"]) for q in queries.captured_queries)


@pytest.mark.parametrize("resource", list(LISTS))
def test_counts_are_what_the_grouped_join_gave_in_the_same_order(tree, resource):
    users = make_users(tree)
    for size in (1, 3, 6):
        _grow(resource, tree, size)
    expected = _expected(resource)
    assert any(any(v for k, v in row.items() if k != "id") for row in expected)  # counts above 0 …
    if resource != "candidates":  # (a candidate has their application, step 1, from the start)
        assert any(0 in row.values() for row in expected)  # … and counts of none
    api = _api(users["district"])
    with CaptureQueriesContext(connection) as queries:
        by_number = api.get(f"/api/v1/{resource}/", {"page_size": 50}).json()
    assert _got(by_number["results"], resource) == expected
    assert _no_join_on(LISTS[resource][0], queries)
    first = api.get(f"/api/v1/{resource}/", {"page_size": 2, "cursor": ""}).json()
    second = api.get(first["next"]).json()
    assert _got(first["results"] + second["results"], resource) == expected[:4]


# Queries of a list's page for district staff and for a community secretary, their scope already read: the
# page's count and the page. The same whatever the counts cover.
QUERIES = {"meetings": (2, 2), "candidates": (2, 2), "training-classes": (2, 2), "quizzes": (2, 2)}


@pytest.mark.parametrize("resource", list(LISTS))
def test_queries_do_not_grow_with_the_rows_counted(tree, resource):
    users = make_users(tree)
    for role in ("district", "community"):
        _api(users[role]).get(f"/api/v1/{resource}/")  # the scope is read once per request; warm nothing else
    seen = {}
    for size in (1, 12):
        _grow(resource, tree, size)
        for role in ("district", "community"):
            with CaptureQueriesContext(connection) as queries:
                response = _api(users[role]).get(f"/api/v1/{resource}/", {"page_size": 50})
            assert response.status_code == 200
            assert _no_join_on(LISTS[resource][0], queries)
            seen.setdefault(role, set()).add(len(queries))
    assert (seen["district"], seen["community"]) == tuple({n} for n in QUERIES[resource]), seen


ADMIN = {"meetings": ("members_meeting", ["present_count", "absent_count"]),
         "candidates": ("members_candidate", []),
         "training-classes": ("members_trainingclass", ["enrolled"]),
         "quizzes": ("members_quiz", ["question_count", "attempt_count"])}


@pytest.mark.parametrize("resource", list(ADMIN))
def test_admin_changelists_count_per_page_row(admin_client, tree, resource):
    model, columns = ADMIN[resource]
    for size in (1, 3):
        _grow(resource, tree, size)
    with CaptureQueriesContext(connection) as few:
        admin_client.get(reverse(f"admin:members_{model.split('_')[1]}_changelist"))
    for size in (6, 9):
        _grow(resource, tree, size)
    with CaptureQueriesContext(connection) as queries:
        page = admin_client.get(reverse(f"admin:members_{model.split('_')[1]}_changelist")).content.decode()
    assert _no_join_on(LISTS[resource][0], queries)
    assert len(queries) == len(few)
    expected = _expected(resource)
    for column in columns:
        shown = [int(v) for v in re.findall(rf'<td class="field-{column}">(\d+)</td>', page)]
        assert shown == [row[column] for row in expected], column
    if resource == "candidates":  # the next step is the steps done + 1
        shown = re.findall(r'<td class="field-next_step">(\d+)</td>', page)
        assert [int(v) for v in shown] == [row["steps_done"] + 1 for row in expected]


def test_a_meeting_without_attendance_counts_zero_not_null(tree):
    users = make_users(tree)
    meeting = make_meeting(tree.grid, [])
    row = _api(users["community"]).get(f"/api/v1/meetings/{meeting.pk}/").json()
    assert (row["present_count"], row["absent_count"]) == (0, 0)
    assert datetime.date.fromisoformat(row["held_on"]) == meeting.held_on
