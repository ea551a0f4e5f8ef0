"""Phone pages and the admin: residents and secretaries see only what is theirs; foreign objects answer 404; the
overdue job reminds and escalates once; pages take a constant number of queries."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from inbox.models import Message
from jobs.ledger import run
from participation import services
from participation.models import RequestStatus, ResidentProfile, ResidentRequest
from tests.factories import Role, UserFactory, grant

pytestmark = pytest.mark.django_db


def _request(user, node, title="楼道灯坏了"):
    return services.request_create(actor=user, kind="issue", title=title, body="详情", community=node)


def test_resident_chooses_community_once_then_raises(client, tree, resident):
    client.force_login(resident)
    response = client.get("/m/requests/new/")
    assert response.status_code == 302 and "/m/profile/" in response["Location"]
    assert client.post("/m/profile/", {"community": tree.community.pk}).status_code == 302
    assert ResidentProfile.objects.get(user=resident).community == tree.community
    # Once: a second choice changes nothing.
    client.post("/m/profile/", {"community": tree.other_community.pk})
    assert ResidentProfile.objects.get(user=resident).community == tree.community
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, "JPEG")
    response = client.post("/m/requests/new/", {
        "kind": "service", "service": "legal_aid", "title": "咨询租房合同", "body": "房东不退押金。",
        "photos": [SimpleUploadedFile("p.jpg", buffer.getvalue(), content_type="image/jpeg")],
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    made = ResidentRequest.objects.get(resident=resident)
    assert made.community == tree.community and made.photos.count() == 1
    page = client.get(f"/m/requests/{made.pk}/")
    assert page.status_code == 200 and "咨询租房合同" in page.content.decode()
    photo = client.get(f"/m/requests/{made.pk}/photos/{made.photos.get().pk}/")
    assert photo.status_code == 200 and photo["Content-Type"] == "image/jpeg"


def test_pages_refuse_foreign_requests(client, tree, resident, community_secretary):
    other = grant(UserFactory(username="resident-0009", is_staff=False), Role.RESIDENT)
    theirs = _request(other, tree.other_community)
    photo_url = f"/m/requests/{theirs.pk}/photos/1/"
    for user in (resident, community_secretary):
        client.force_login(user)
        assert client.get(f"/m/requests/{theirs.pk}/").status_code == 404
        assert client.get(photo_url).status_code == 404
        assert client.post(f"/m/requests/{theirs.pk}/accept/").status_code == 404
    ResidentRequest.objects.filter(pk=theirs.pk).update()  # untouched
    assert ResidentRequest.objects.get(pk=theirs.pk).status == RequestStatus.SUBMITTED


def test_secretary_handles_on_the_phone(client, tree, resident, community_secretary):
    mine = _request(resident, tree.community)
    client.force_login(community_secretary)
    listing = client.get("/m/requests/").content.decode()
    assert "楼道灯坏了" in listing
    assert client.post(f"/m/requests/{mine.pk}/accept/").status_code == 302
    assert client.post(f"/m/requests/{mine.pk}/answer/", {"answer": "已修好"}).status_code == 302
    mine.refresh_from_db()
    assert mine.status == RequestStatus.ANSWERED
    client.force_login(resident)
    assert client.post(f"/m/requests/{mine.pk}/rate/", {"rating": "4"}).status_code == 302
    mine.refresh_from_db()
    assert mine.rating == 4 and mine.status == RequestStatus.CLOSED


def test_admin_is_cut_to_scope(client, tree, resident, community_secretary):
    here = _request(resident, tree.community, "本社区")
    there = _request(resident, tree.other_community, "外社区")
    client.force_login(community_secretary)
    listing = client.get("/admin/participation/residentrequest/")
    assert listing.status_code == 200
    body = listing.content.decode()
    assert "本社区" in body and "外社区" not in body
    assert client.get(f"/admin/participation/residentrequest/{here.pk}/change/").status_code == 200
    assert client.get(f"/admin/participation/residentrequest/{there.pk}/change/").status_code in (302, 404)
    assert client.get(f"/admin/participation/residentrequest/{there.pk}/history/").status_code == 404
    client.force_login(resident)
    assert client.get("/admin/participation/residentrequest/").status_code in (302, 403)


def test_page_query_counts_are_constant(client, tree, resident, make_activity, django_assert_max_num_queries):
    for i in range(3):
        _request(resident, tree.community, f"r{i}")
        make_activity()
    client.force_login(resident)
    counts = {}
    for url in ("/m/requests/", "/m/activities/", "/m/teams/"):
        client.get(url)
        with django_assert_max_num_queries(20) as captured:
            assert client.get(url).status_code == 200
        counts[url] = len(captured.captured_queries)
    for i in range(8):
        make_activity()
    services_mod = services
    services_mod.MAX_OPEN_REQUESTS = 100
    try:
        for i in range(6):
            _request(resident, tree.community, f"more{i}")
    finally:
        services_mod.MAX_OPEN_REQUESTS = 10
    for url, n in counts.items():
        with django_assert_max_num_queries(n):
            assert client.get(url).status_code == 200


def test_activity_pages_sign_up_and_full(client, make_activity, resident, other_resident):
    activity = make_activity(capacity=1)
    client.force_login(resident)
    assert "四点钟课堂" in client.get("/m/activities/").content.decode()
    assert client.post(f"/m/activities/{activity.pk}/signup/").status_code == 302
    client.force_login(other_resident)
    page = client.get(f"/m/activities/{activity.pk}/").content.decode()
    assert 'id="full"' in page
    client.post(f"/m/activities/{activity.pk}/signup/")
    activity.refresh_from_db()
    assert activity.signed_up == 1


def test_staff_pages_only_for_their_center(client, make_activity, center_staff, resident, other_center):
    activity = make_activity()
    services.signup_create(actor=resident, activity=activity)
    client.force_login(resident)
    assert client.get("/m/staff/activities/").status_code == 403
    client.force_login(center_staff)
    assert client.get(f"/m/staff/activities/{activity.pk}/").status_code == 200
    from participation.models import Activity

    foreign = Activity.objects.create(
        center=other_center, kind="lecture", title="外中心", starts_at=activity.starts_at, ends_at=activity.ends_at,
        capacity=3, signup_opens=activity.signup_opens, signup_closes=activity.signup_closes)
    assert client.get(f"/m/staff/activities/{foreign.pk}/").status_code == 404


def test_overdue_job_reminds_and_escalates_once(tree, resident, community_secretary, street_secretary):
    request = _request(resident, tree.community)
    day = timezone.localdate() + datetime.timedelta(days=services.REQUEST_DAYS + 1)
    on_the_day = timezone.make_aware(datetime.datetime.combine(day, datetime.time(8, 30)))
    run("participation.overdue_requests", day.isoformat(), now=on_the_day)
    run("participation.overdue_requests", day.isoformat(), now=on_the_day)
    request.refresh_from_db()
    assert request.escalated_at is not None
    assert Message.objects.filter(recipient=street_secretary, kind="request_escalated").count() == 1
    assert Message.objects.filter(recipient=community_secretary, kind="request_remind").count() == 1
    # The next day: nothing new.
    run("participation.overdue_requests", (day + datetime.timedelta(days=1)).isoformat(),
        now=on_the_day + datetime.timedelta(days=1))
    assert Message.objects.filter(recipient=street_secretary).count() == 1
    assert request.steps.count() == 2


def test_dashboard_figure_per_scope(tree, resident, community_secretary, street_secretary, district_user):
    from dashboard.participation import compute_participation, present_participation
    from dashboard.registry import ComputeContext
    from accounts.scopes import resolve_scope

    services.request_create(actor=resident, kind="issue", title="a", body="b", community=tree.community)
    there = services.request_create(actor=resident, kind="issue", title="c", body="d", community=tree.other_community)
    services.request_answer(actor=district_user, request=there, answer="ok")
    year = str(timezone.localdate().year)
    district = compute_participation(ComputeContext(scope=resolve_scope(district_user)))
    mine = compute_participation(ComputeContext(scope=resolve_scope(community_secretary)))
    assert district["requests"][year]["raised"] == 2 and district["requests"][year]["handled"] == 1
    assert mine["requests"][year]["raised"] == 1 and mine["requests"][year]["handled"] == 0
    card = present_participation(district, type("V", (), {"year": int(year)})())
    assert card.stats and card.chart


def test_dashboard_figure_takes_four_queries(tree, resident, district_user, django_assert_num_queries):
    from accounts.scopes import resolve_scope
    from dashboard.participation import compute_participation
    from dashboard.registry import ComputeContext

    for i in range(3):
        services.request_create(actor=resident, kind="issue", title=f"t{i}", body="b", community=tree.community)
    ctx = ComputeContext(scope=resolve_scope(district_user))
    with django_assert_num_queries(4):
        compute_participation(ctx)
