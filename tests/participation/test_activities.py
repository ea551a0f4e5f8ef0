"""Activities: the outside contract (GET /api/v1/activities/, POST …/signups/ → 201 or 409 activity_full /
already_signed_up), the exact count under concurrent sign-ups, cancelling, check-in and points."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Role, RoleGrant
from core.errors import PermissionDenied, ValidationError
from members.points.models import PointEntry
from members.selfservice.models import MemberAccount
from participation import services
from participation.models import Activity, Signup, SignupStatus


@pytest.mark.django_db
def test_list_and_sign_up_contract(api, make_activity, resident, other_resident):
    activity = make_activity(capacity=1)
    make_activity(title="已结束", starts_in=-datetime.timedelta(days=3), signup_opens=timezone.now()
                  - datetime.timedelta(days=5), signup_closes=timezone.now() - datetime.timedelta(days=4))
    listed = api(resident).get("/api/v1/activities/").json()["results"]
    assert [a["id"] for a in listed] == [activity.pk]
    assert set(listed[0]) >= {"id", "center", "title", "starts_at", "capacity", "signed_up"}
    assert listed[0]["signed_up"] == 0 and listed[0]["center"] == activity.center_id

    first = api(resident).post(f"/api/v1/activities/{activity.pk}/signups/")
    assert first.status_code == 201, first.content
    again = api(resident).post(f"/api/v1/activities/{activity.pk}/signups/")
    assert again.status_code == 409 and again.json()["code"] == "already_signed_up"
    full = api(other_resident).post(f"/api/v1/activities/{activity.pk}/signups/")
    assert full.status_code == 409 and full.json()["code"] == "activity_full"
    assert api(resident).get("/api/v1/activities/").json()["results"][0]["signed_up"] == 1

    # Cancelling frees the place for the next one.
    assert api(resident).delete(f"/api/v1/activities/{activity.pk}/signups/").status_code == 200
    assert api(other_resident).post(f"/api/v1/activities/{activity.pk}/signups/").status_code == 201
    activity.refresh_from_db()
    assert activity.signed_up == 1 == activity.signups.filter(status=SignupStatus.SIGNED_UP).count()


@pytest.mark.django_db
def test_bad_ids_and_windows(api, make_activity, resident):
    assert api(resident).post("/api/v1/activities/999999/signups/").status_code == 404
    assert api(resident).post("/api/v1/activities/abc/signups/").status_code == 404
    closed = make_activity(signup_closes=timezone.now() - datetime.timedelta(minutes=1))
    response = api(resident).post(f"/api/v1/activities/{closed.pk}/signups/")
    assert response.status_code == 400 and "activity" in response.json()
    not_yet = make_activity(signup_opens=timezone.now() + datetime.timedelta(hours=1))
    assert api(resident).post(f"/api/v1/activities/{not_yet.pk}/signups/").status_code == 400
    assert api(None).post(f"/api/v1/activities/{not_yet.pk}/signups/").status_code in (401, 403)


@pytest.mark.django_db
def test_list_query_count_is_constant(api, make_activity, resident, django_assert_max_num_queries):
    for _ in range(3):
        make_activity()
    client = api(resident)
    client.get("/api/v1/activities/")
    with django_assert_max_num_queries(3) as few:
        client.get("/api/v1/activities/")
    for _ in range(12):
        make_activity()
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get("/api/v1/activities/").json()["results"]) == 15


N = 12


@pytest.mark.django_db(transaction=True)
def test_threads_race_for_the_last_place(make_activity):
    """Twelve residents race for the last two places: exactly two win, ten hear activity_full, none gets a 500,
    and the count stays exact."""
    activity = make_activity(capacity=5)
    User = get_user_model()
    early = User.objects.bulk_create([User(username=f"early-{i}", password="!") for i in range(3)])
    for user in early:
        services.signup_create(actor=user, activity=activity)
    users = User.objects.bulk_create([User(username=f"race-{i:02d}", password="!") for i in range(N)])
    RoleGrant.objects.bulk_create([RoleGrant(user=u, role=Role.RESIDENT) for u in users + early])
    barrier = threading.Barrier(N)
    results, lock = [], threading.Lock()

    def worker(i):
        client = APIClient()
        client.force_authenticate(users[i])
        try:
            barrier.wait()
            r = client.post(f"/api/v1/activities/{activity.pk}/signups/")
            with lock:
                results.append((r.status_code, r.json().get("code")))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(N)]
    [t.start() for t in threads]
    [t.join(60) for t in threads]
    assert sorted(results, key=str) == sorted([(201, None)] * 2 + [(409, "activity_full")] * (N - 2), key=str)
    activity.refresh_from_db()
    assert activity.signed_up == 5 == Signup.objects.filter(activity=activity, status="signed_up").count()


@pytest.mark.django_db(transaction=True)
def test_one_resident_twice_at_once_signs_up_once(make_activity, resident):
    activity = make_activity(capacity=10)
    barrier = threading.Barrier(4)
    codes, lock = [], threading.Lock()

    def worker():
        client = APIClient()
        client.force_authenticate(resident)
        try:
            barrier.wait()
            r = client.post(f"/api/v1/activities/{activity.pk}/signups/")
            with lock:
                codes.append((r.status_code, r.json().get("code")))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    [t.start() for t in threads]
    [t.join(60) for t in threads]
    assert sorted(codes, key=str) == sorted([(201, None)] + [(409, "already_signed_up")] * 3, key=str)
    activity.refresh_from_db()
    assert activity.signed_up == 1


@pytest.mark.django_db
def test_database_refuses_an_overfull_activity(make_activity):
    from django.db import IntegrityError, transaction

    activity = make_activity(capacity=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Activity.objects.filter(pk=activity.pk).update(signed_up=2)


@pytest.mark.django_db
def test_publish_check_in_and_points(tree, center, center_staff, resident, other_center):
    starts = timezone.now() + datetime.timedelta(minutes=10)
    activity = services.activity_publish(
        actor=center_staff, center=center, kind="lecture", title="党史讲座", starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=1), capacity=30, points=Decimal("2"),
        signup_closes=starts,
    )
    assert activity.history.first().history_user == center_staff
    with pytest.raises(PermissionDenied):
        services.activity_publish(actor=center_staff, center=other_center, kind="lecture", title="x",
                                  starts_at=starts, ends_at=starts + datetime.timedelta(hours=1), capacity=3)
    with pytest.raises(ValidationError):
        services.activity_publish(actor=center_staff, center=center, kind="lecture", title="x", starts_at=starts,
                                  ends_at=starts - datetime.timedelta(hours=1), capacity=0)
    MemberAccount.objects.create(user=resident, member=tree.member, method="self")
    signup = services.signup_create(actor=resident, activity=activity)
    with pytest.raises(PermissionDenied):
        services.signup_check_in(actor=resident, signup=signup)
    # Too early: more than 30 minutes before the start.
    with pytest.raises(ValidationError):
        services.signup_check_in(actor=center_staff, signup=signup, now=starts - datetime.timedelta(hours=1))
    services.signup_check_in(actor=center_staff, signup=signup, now=starts)
    signup.refresh_from_db()
    assert signup.status == SignupStatus.ATTENDED
    entry = PointEntry.objects.get(member=tree.member)
    assert entry.points == Decimal("2") and entry.category == "study" and entry.recorded_by == center_staff
    with pytest.raises(ValidationError):
        services.signup_check_in(actor=center_staff, signup=signup, now=starts)
    assert PointEntry.objects.filter(member=tree.member).count() == 1
    # A place never drops below those taken.
    with pytest.raises(ValidationError):
        services.activity_update(actor=center_staff, activity=activity, capacity=0)
