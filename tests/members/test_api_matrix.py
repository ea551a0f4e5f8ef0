"""The member-work API routes for every role: lists, records of the caller's area and of another street, every
state-changing sub-route and every creation (tests/members/api_world.py holds the records and the rules)."""

import pytest
from rest_framework.test import APIClient

from tests.members.api_world import (
    CREATES,
    FOREIGN_NODE,
    READERS,
    RESOURCES,
    ROLES,
    SEE_FOREIGN,
    WRITES,
    make_users,
)

pytestmark = pytest.mark.django_db


def _client(users, role):
    api = APIClient()
    if users[role] is not None:
        api.force_authenticate(users[role])
    return api


def _refused(role):
    """What a role that may not use the member-work API at all gets."""
    return 401 if role == "anonymous" else 403


@pytest.mark.parametrize("role", ROLES)
def test_reads(tree, role):
    users = make_users(tree)
    api = _client(users, role)
    failures = []
    for resource, build in RESOURCES.items():
        own, foreign = build(tree)
        status = api.get(f"/api/v1/{resource}/").status_code
        want = 200 if role in READERS else _refused(role)
        if status != want:
            failures.append((resource, "list", status, want))
        for which, obj in (("own", own), ("foreign", foreign)):
            status = api.get(f"/api/v1/{resource}/{obj.pk}/").status_code
            if role not in READERS:
                want = _refused(role)
            else:
                want = 200 if which == "own" or role in SEE_FOREIGN else 404
            if status != want:
                failures.append((resource, f"get {which}", status, want))
        if role in READERS:
            listed = {row["id"] for row in api.get(f"/api/v1/{resource}/", {"page_size": 500}).json()["results"]}
            if own.pk not in listed or (foreign.pk in listed) != (role in SEE_FOREIGN):
                failures.append((resource, "list rows", sorted(listed)))
    assert not failures, failures


@pytest.mark.parametrize("role", ROLES)
def test_writes(tree, role):
    users = make_users(tree)
    api = _client(users, role)
    failures = []
    for name, resource, route, build, body, allowed in WRITES:
        own, foreign = build(tree)
        for which, obj in (("own", own), ("foreign", foreign)):
            url = f"/api/v1/{resource}/{obj.pk}/" + (f"{route}/" if route else "")
            call = api.post if route else api.patch
            response = call(url, body(obj, tree), format="json")
            if role not in READERS:
                want = _refused(role)
            elif role == "inspector":
                want = 403  # reads only: refused before the body is read
            elif which == "foreign" and role not in SEE_FOREIGN:
                want = 404
            else:
                want = allowed[role]
            if response.status_code != want:
                failures.append((name, which, response.status_code, want, response.content[:200]))
    assert not failures, failures


@pytest.mark.parametrize("role", ROLES)
def test_creates(tree, role):
    users = make_users(tree)
    api = _client(users, role)
    failures = []
    for name, resource, body, node in CREATES:
        for which, org in (("own", getattr(tree, node)), ("foreign", getattr(tree, FOREIGN_NODE[node]))):
            response = api.post(f"/api/v1/{resource}/", body(tree, org), format="json")
            if role not in READERS:
                want = _refused(role)
            elif role == "inspector":
                want = 403
            elif which == "foreign" and role not in SEE_FOREIGN:
                want = 400  # the body names a member or branch outside the caller's area: a field error
            else:
                want = 201
            if response.status_code != want:
                failures.append((name, which, response.status_code, want, response.content[:300]))
    assert not failures, failures


def test_an_inspector_is_told_in_chinese_that_they_read_only(tree):
    users = make_users(tree)
    response = _client(users, "inspector").post("/api/v1/points/", {}, format="json")
    assert response.status_code == 403 and response.json()["detail"] == "您的角色只能查看这些记录，不能修改。"


@pytest.mark.parametrize("resource", ["quizzes", "quiz-attempts"])
def test_read_only_routes_refuse_writes(tree, resource):
    users = make_users(tree)
    own, _foreign = RESOURCES[resource](tree)
    api = _client(users, "district")
    assert api.post(f"/api/v1/{resource}/", {}, format="json").status_code == 405
    assert api.patch(f"/api/v1/{resource}/{own.pk}/", {}, format="json").status_code == 405
    assert api.delete(f"/api/v1/{resource}/{own.pk}/").status_code == 405
