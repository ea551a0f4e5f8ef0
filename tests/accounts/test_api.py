import datetime

import pytest
from rest_framework.test import APIClient

from members.records.models import Member, PersonalDataReveal
from members.records.validators import make_id_number
from tests.factories import BuildingGroupFactory, MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def _token(api, username, password):
    """A token as a client gets one: with the authenticator's code for staff who must pass the second factor."""
    from django.contrib.auth import get_user_model

    from accounts.scopes import forget_scope, requires_second_factor
    from tests.second_factor import authenticator, totp_code

    body = {"username": username, "password": password}
    user = get_user_model().objects.get(username=username)
    if requires_second_factor(user):
        body["otp"] = totp_code(authenticator(user))
    forget_scope(user)
    response = api.post("/api/v1/auth/token/", body, format="json")
    assert response.status_code == 200, response.content
    return response.json()["token"]


def test_token_auth_and_scoped_org_list(api, tree, community_secretary, password):
    token = _token(api, "sec-S01C01", password)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    body = api.get("/api/v1/orgs/").json()
    codes = {row["code"] for row in body["results"]}
    assert codes == {"S01C01", "S01C01G01", "S01C01G01B01"}
    row = next(r for r in body["results"] if r["code"] == "S01C01G01")
    assert row["level"] == 3 and row["parent"] == tree.community.pk and set(row) >= {"id", "code", "name", "level", "parent"}


def test_wrong_password_is_400_not_500(api, tree, community_secretary):
    response = api.post("/api/v1/auth/token/", {"username": "sec-S01C01", "password": "nope"}, format="json")
    assert response.status_code == 400
    assert api.post("/api/v1/auth/token/", {}, format="json").status_code == 400


def test_anonymous_gets_401(api, tree):
    assert api.get("/api/v1/orgs/").status_code == 401
    assert api.get("/api/v1/members/").status_code == 401


def test_resident_gets_403_on_members_and_orgs(api, resident):
    api.force_authenticate(resident)
    assert api.get("/api/v1/members/").status_code == 403
    assert api.get("/api/v1/orgs/").status_code == 403


def test_member_list_masks_and_filters(api, tree, district_user):
    api.force_authenticate(district_user)
    body = api.get("/api/v1/members/", {"subtree": tree.street.pk}).json()
    assert [r["name"] for r in body["results"]] == ["王明"]
    assert body["results"][0]["id_number"] == tree.member.masked_id_number
    assert body["results"][0]["phone"] == tree.member.masked_phone
    assert body["results"][0]["org"] == tree.grid.pk
    assert api.get("/api/v1/members/", {"search": "李红"}).json()["count"] == 1
    assert api.get("/api/v1/members/", {"status": "probationary"}).json()["count"] == 0
    assert api.get("/api/v1/orgs/", {"level": 2}).json()["count"] == 2
    assert api.get("/api/v1/orgs/", {"parent": tree.street.pk}).json()["count"] == 1


def test_bad_filter_values_are_400(api, tree, district_user):
    api.force_authenticate(district_user)
    assert api.get("/api/v1/orgs/", {"level": 9}).status_code == 400
    assert api.get("/api/v1/members/", {"status": "x"}).status_code == 400
    assert api.get("/api/v1/members/", {"subtree": "abc"}).status_code == 400
    assert api.get("/api/v1/members/", {"page": 99}).status_code == 404


def test_detail_reveals_only_where_the_viewer_may_change_and_is_logged(api, tree, community_secretary, district_user):
    api.force_authenticate(community_secretary)
    body = api.get(f"/api/v1/members/{tree.member.pk}/").json()
    assert body["id_number"] == tree.member.id_number
    assert PersonalDataReveal.objects.filter(user=community_secretary, member=tree.member, channel="api").count() == 1
    assert api.get(f"/api/v1/members/{tree.other_member.pk}/").status_code == 404


def test_inspector_reads_but_sees_masked_detail(api, tree):
    from tests.factories import Role, UserFactory, grant

    inspector = grant(UserFactory(username="inspector"), Role.INSPECTOR)
    api.force_authenticate(inspector)
    body = api.get(f"/api/v1/members/{tree.other_member.pk}/").json()
    assert body["id_number"] == tree.other_member.masked_id_number
    assert not PersonalDataReveal.objects.exists()
    response = api.patch(f"/api/v1/members/{tree.member.pk}/", {"name": "改"}, format="json")
    assert response.status_code == 403


def test_create_member_with_field_errors(api, tree, community_secretary):
    api.force_authenticate(community_secretary)
    response = api.post("/api/v1/members/", {"name": "新党员", "org": tree.grid.pk}, format="json")
    assert response.status_code == 400
    assert {"id_number", "joined_on", "status", "category"} <= set(response.json())
    assert "gender" not in response.json()  # read from the ID-card number when not given
    number = make_id_number("410105", datetime.date(1990, 3, 3), 5)
    payload = {
        "name": "新党员", "gender": "M", "id_number": number, "phone": "13900000000", "joined_on": "2015-07-01",
        "full_member_on": "2016-07-01", "status": "full", "category": "direct", "org": tree.grid.pk,
    }
    response = api.post("/api/v1/members/", payload, format="json")
    assert response.status_code == 201, response.content
    assert Member.objects.get(pk=response.json()["id"]).history.get().history_user == community_secretary
    again = api.post("/api/v1/members/", payload, format="json")
    assert again.status_code == 400 and "id_number" in again.json()
    bad = api.post("/api/v1/members/", {**payload, "id_number": number[:-1] + "0"}, format="json")
    assert bad.status_code == 400 and "id_number" in bad.json()


def test_create_under_a_foreign_org_is_refused(api, tree, community_secretary):
    api.force_authenticate(community_secretary)
    number = make_id_number("410105", datetime.date(1990, 3, 3), 6)
    payload = {
        "name": "外", "gender": "M", "id_number": number, "joined_on": "2015-07-01", "full_member_on": "2016-07-01",
        "status": "full", "category": "direct", "org": tree.other_grid.pk,
    }
    response = api.post("/api/v1/members/", payload, format="json")
    assert response.status_code == 400 and "org" in response.json()
    assert not Member.objects.filter(name="外").exists()


def test_org_create_and_move_through_the_api(api, tree, district_user):
    api.force_authenticate(district_user)
    response = api.post(
        "/api/v1/orgs/", {"code": "S01C01G02", "name": "第二网格", "kind": "grid", "parent": tree.community.pk},
        format="json",
    )
    assert response.status_code == 201 and response.json()["level"] == 3
    wrong = api.post("/api/v1/orgs/", {"code": "S01X", "name": "x", "kind": "grid", "parent": tree.street.pk}, format="json")
    assert wrong.status_code == 400 and "kind" in wrong.json()
    moved = api.patch(f"/api/v1/orgs/{tree.grid.pk}/", {"parent": tree.other_community.pk}, format="json")
    assert moved.status_code == 200
    tree.building.refresh_from_db()
    assert tree.building.path.startswith(tree.other_community.path)
    cycle = api.patch(f"/api/v1/orgs/{tree.community.pk}/", {"parent": tree.building.pk}, format="json")
    assert cycle.status_code == 400


def test_org_move_and_edit_through_the_api_is_all_or_nothing(api, tree, district_user):
    api.force_authenticate(district_user)
    refused = api.patch(f"/api/v1/orgs/{tree.grid.pk}/", {"parent": tree.other_community.pk, "kind": "street"},
                        format="json")
    assert refused.status_code == 400 and "kind" in refused.json()
    tree.grid.refresh_from_db()
    assert (tree.grid.parent_id, tree.grid.kind) == (tree.community.pk, "grid")  # not moved either
    both = api.patch(f"/api/v1/orgs/{tree.grid.pk}/", {"parent": tree.other_community.pk, "name": "新网格"},
                     format="json")
    assert both.status_code == 200 and (both.json()["parent"], both.json()["name"]) == (tree.other_community.pk, "新网格")


@pytest.mark.parametrize("url", ["/api/v1/orgs/", "/api/v1/members/"])
def test_list_endpoints_fixed_query_count(api, tree, district_user, url, django_assert_num_queries):
    token = _token(api, "district", "Jinshui-test-2026")
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    for i in range(25):
        MemberFactory(org=BuildingGroupFactory(code=f"Q{i}", parent=tree.grid))
    # token lookup, scope, count, page
    with django_assert_num_queries(4):
        response = api.get(url, {"page_size": 500})
    assert response.status_code == 200 and response.json()["count"] >= 25


def test_page_size_is_capped(api, tree, district_user):
    api.force_authenticate(district_user)
    for i in range(3):
        BuildingGroupFactory(code=f"P{i}", parent=tree.grid)
    assert len(api.get("/api/v1/orgs/", {"page_size": 2}).json()["results"]) == 2
    assert api.get("/api/v1/orgs/", {"page_size": 100000}).status_code == 200


def test_schema_and_docs(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200 and b"/api/v1/members/" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()
    assert b"cdn.jsdelivr" not in docs.content


def test_openapi_schema_validates_without_warnings(tmp_path):
    from django.core.management import call_command

    target = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    text = target.read_text()
    assert "/api/v1/auth/token/" in text and "/api/v1/orgs/{id}/" in text
