"""The outside contract of requests: POST /api/v1/requests/ → 201 {id, status}; GET lists one's own (residents) or
the scope's (staff); another's request answers 404; bad input answers 400 with field errors, never 500."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from community.models import IssueStage, ResidentIssue
from inbox.models import Message
from participation import services
from participation.models import RequestPhoto, RequestStatus, ResidentRequest
from tests.factories import Role, UserFactory, grant

pytestmark = pytest.mark.django_db


def _png(size=(8, 8)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def _raise(api, user, node, **extra):
    body = {"kind": "issue", "title": "楼道灯坏了", "body": "3号楼2单元楼道灯不亮，晚上出行不便。",
            "community": node.pk, **extra}
    return api(user).post("/api/v1/requests/", body, format="json")


def test_resident_raises_a_request_and_sees_only_their_own(api, tree, resident, other_resident,
                                                          community_secretary):
    response = _raise(api, resident, tree.community)
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "submitted" and response.json()["id"]
    _raise(api, other_resident, tree.community)

    mine = api(resident).get("/api/v1/requests/").json()["results"]
    assert [r["id"] for r in mine] == [response.json()["id"]]
    # The community's secretary was told.
    assert Message.objects.filter(recipient=community_secretary, kind="request_new").count() == 2
    # Someone else's request: 404, and no action on it.
    theirs = ResidentRequest.objects.get(resident=other_resident)
    assert api(resident).get(f"/api/v1/requests/{theirs.pk}/").status_code == 404
    assert api(resident).post(f"/api/v1/requests/{theirs.pk}/accept/").status_code == 404


def test_secretary_sees_their_communitys_requests_only(api, tree, resident, community_secretary, street_secretary):
    here = _raise(api, resident, tree.community).json()["id"]
    there = _raise(api, resident, tree.other_community).json()["id"]
    seen = {r["id"] for r in api(community_secretary).get("/api/v1/requests/").json()["results"]}
    assert seen == {here}
    assert api(community_secretary).get(f"/api/v1/requests/{there}/").status_code == 404
    assert api(community_secretary).post(f"/api/v1/requests/{there}/accept/").status_code == 404
    assert {r["id"] for r in api(street_secretary).get("/api/v1/requests/").json()["results"]} == {here}


@pytest.mark.parametrize("body, field", [
    ({"kind": "complaint"}, "kind"),
    ({"title": ""}, "title"),
    ({"title": "x" * 101}, "title"),
    ({"body": ""}, "body"),
    ({"community": 999999}, "community"),
    ({"community": "abc"}, "community"),
    ({"kind": "issue", "service": "legal_aid"}, "service"),
])
def test_bad_input_answers_400_with_field_errors(api, tree, resident, body, field):
    response = _raise(api, resident, tree.community, **body)
    assert response.status_code == 400, response.content
    assert field in response.json()


def test_a_street_is_not_a_community(api, tree, resident):
    response = _raise(api, resident, tree.street)
    assert response.status_code == 400 and "community" in response.json()


def test_signed_out_cannot_raise(api, tree):
    assert _raise(api, None, tree.community).status_code in (401, 403)


def test_the_whole_flow_issue_enters_the_community_record(api, tree, resident, community_secretary):
    rid = _raise(api, resident, tree.community).json()["id"]
    sec = api(community_secretary)
    assert sec.post(f"/api/v1/requests/{rid}/accept/", {"note": "已受理"}, format="json").status_code == 200
    request = ResidentRequest.objects.get(pk=rid)
    assert request.status == RequestStatus.ACCEPTED
    issue = ResidentIssue.objects.get(pk=request.issue_id)
    assert issue.node_id == tree.community.pk and issue.stage == IssueStage.SOLICITED
    # The resident may not answer their own request.
    assert api(resident).post(f"/api/v1/requests/{rid}/answer/", {"answer": "x"}, format="json").status_code == 403
    assert sec.post(f"/api/v1/requests/{rid}/answer/", {"answer": "已联系物业更换灯泡。"},
                    format="json").status_code == 200
    # Rating: 1–5, once, by the resident.
    assert api(resident).post(f"/api/v1/requests/{rid}/rate/", {"rating": 9}, format="json").status_code == 400
    assert api(resident).post(f"/api/v1/requests/{rid}/rate/", {"rating": 5}, format="json").status_code == 200
    assert api(resident).post(f"/api/v1/requests/{rid}/rate/", {"rating": 4}, format="json").status_code == 400
    detail = api(resident).get(f"/api/v1/requests/{rid}/").json()
    assert detail["status"] == "closed" and detail["rating"] == 5
    assert [s["status"] for s in detail["steps"]] == ["submitted", "accepted", "answered", "closed"]
    assert request.history.count() >= 4


def test_routed_to_a_center_its_staff_answer(api, tree, resident, community_secretary, center, center_staff,
                                             other_center):
    rid = _raise(api, resident, tree.community, kind="service", service="social_security").json()["id"]
    assert api(center_staff).get(f"/api/v1/requests/{rid}/").status_code == 404
    assert api(center_staff).post(f"/api/v1/requests/{rid}/accept/").status_code == 404
    assert api(community_secretary).post(f"/api/v1/requests/{rid}/route/", {"center": center.pk},
                                         format="json").status_code == 200
    assert Message.objects.filter(recipient=center_staff, kind="request_routed").exists()
    assert api(center_staff).post(f"/api/v1/requests/{rid}/answer/", {"answer": "请携带身份证到大厅办理。"},
                                  format="json").status_code == 200
    assert ResidentRequest.objects.get(pk=rid).status == RequestStatus.ANSWERED


def test_photos_bounded_and_typed_by_content(api, tree, resident):
    client = api(resident)
    ok = client.post("/api/v1/requests/", {
        "kind": "issue", "title": "井盖缺失", "body": "小区门口井盖缺失。", "community": tree.community.pk,
        "photos": [SimpleUploadedFile("a.png", _png(), content_type="image/png")],
    }, format="multipart")
    assert ok.status_code == 201, ok.content
    photo = RequestPhoto.objects.get(request_id=ok.json()["id"])
    assert photo.content_type == "image/png" and photo.image.name.endswith(".png")
    # A script named .jpg, claiming to be a JPEG: refused by its content.
    fake = client.post("/api/v1/requests/", {
        "kind": "issue", "title": "x", "body": "y", "community": tree.community.pk,
        "photos": [SimpleUploadedFile("evil.jpg", b"<script>alert(1)</script>" * 4, content_type="image/jpeg")],
    }, format="multipart")
    assert fake.status_code == 400 and "photos" in fake.json()
    # Too many.
    many = client.post("/api/v1/requests/", {
        "kind": "issue", "title": "x", "body": "y", "community": tree.community.pk,
        "photos": [SimpleUploadedFile(f"{i}.png", _png(), content_type="image/png") for i in range(4)],
    }, format="multipart")
    assert many.status_code == 400 and "photos" in many.json()
    assert ResidentRequest.objects.count() == 1


def test_too_large_photo_refused(api, tree, resident, monkeypatch):
    monkeypatch.setattr("participation.uploads.MAX_PHOTO_BYTES", 100)
    response = api(resident).post("/api/v1/requests/", {
        "kind": "issue", "title": "x", "body": "y", "community": tree.community.pk,
        "photos": [SimpleUploadedFile("a.png", _png((64, 64)), content_type="image/png")],
    }, format="multipart")
    assert response.status_code == 400 and "photos" in response.json()


def test_list_query_count_is_constant(api, tree, resident, community_secretary, django_assert_max_num_queries,
                                     monkeypatch):
    monkeypatch.setattr(services.requests, "MAX_OPEN_REQUESTS", 100)
    for i in range(3):
        services.request_create(actor=resident, kind="issue", title=f"问题{i}", body="内容", community=tree.community)
    client = api(community_secretary)
    client.get("/api/v1/requests/")
    with django_assert_max_num_queries(4) as few:
        client.get("/api/v1/requests/")
    for i in range(10):
        services.request_create(actor=resident, kind="service", title=f"服务{i}", body="内容",
                                community=tree.community)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get("/api/v1/requests/").json()["results"]) == 13


def test_staff_outside_scope_cannot_act_through_the_service(tree, resident, street_secretary):
    other = grant(UserFactory(username="sec-S02"), Role.STREET_SECRETARY, tree.other_street)
    request = services.request_create(actor=resident, kind="issue", title="t", body="b", community=tree.community)
    from core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.request_accept(actor=other, request=request)
    services.request_accept(actor=street_secretary, request=request)


def test_open_requests_are_limited_per_resident(tree, resident, monkeypatch):
    monkeypatch.setattr(services.requests, "MAX_OPEN_REQUESTS", 2)
    for i in range(2):
        services.request_create(actor=resident, kind="issue", title=f"t{i}", body="b", community=tree.community)
    from core.errors import ValidationError

    with pytest.raises(ValidationError):
        services.request_create(actor=resident, kind="issue", title="t", body="b", community=tree.community)
