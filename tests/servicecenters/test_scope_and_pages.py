"""Scope (a resident sees only their own bookings, staff only their center, foreign → 404) and the pages,
with query counts pinned on every list endpoint and list page."""

import datetime

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import Role
from inbox.services import message_send
from servicecenters.models import Booking, BookingStatus

from .conftest import local_dt
from .factories import RoomFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(resident, resident2, room, other_room, tomorrow):
    mk = lambda who, r, h: Booking.objects.create(  # noqa: E731
        room=r, resident=who, start=local_dt(tomorrow, h), end=local_dt(tomorrow, h + 1), attendees=1,
        status=BookingStatus.CONFIRMED, purpose="p")
    return {
        "mine_here": mk(resident, room, 9), "theirs_here": mk(resident2, room, 11),
        "mine_there": mk(resident, other_room, 9), "theirs_there": mk(resident2, other_room, 11),
    }


def api_for(user):
    client = APIClient()
    if user:
        client.force_authenticate(user)
    return client


def ids(response):
    return {row["id"] for row in response.json()["results"]}


def test_resident_sees_only_own_bookings(world, resident):
    api = api_for(resident)
    assert ids(api.get("/api/v1/bookings/")) == {world["mine_here"].pk, world["mine_there"].pk}
    assert api.get(f"/api/v1/bookings/{world['theirs_here'].pk}/").status_code == 404
    assert api.delete(f"/api/v1/bookings/{world['theirs_here'].pk}/").status_code == 404
    assert api.post(f"/api/v1/bookings/{world['theirs_here'].pk}/cancel/").status_code == 404


def test_center_staff_see_only_their_center(world, staff, other_staff, district_user):
    api = api_for(staff)
    assert ids(api.get("/api/v1/bookings/")) == {world["mine_here"].pk, world["theirs_here"].pk}
    assert api.get(f"/api/v1/bookings/{world['mine_there'].pk}/").status_code == 404
    assert api.post(f"/api/v1/bookings/{world['mine_there'].pk}/approve/").status_code == 404
    assert ids(api_for(other_staff).get("/api/v1/bookings/")) == {world["mine_there"].pk, world["theirs_there"].pk}
    assert len(ids(api_for(district_user).get("/api/v1/bookings/"))) == 4


def test_staff_pages_are_scoped(client, world, staff, other_staff, resident):
    client.force_login(staff)
    body = client.get(reverse("sc:staff")).content.decode()
    assert "resident-0002" in body
    # A foreign center's booking: 404 on every action; a center picked by id that is not theirs falls back.
    for action in ("approve", "check-in", "no-show", "cancel"):
        r = client.post(reverse("sc:staff_action", args=[world["mine_there"].pk, action]), {"reason": "x"})
        assert r.status_code == 404
    r = client.post(reverse("sc:staff_block", args=[world["mine_there"].room_id]),
                    {"date": "2030-01-01", "start": "09:00", "end": "10:00", "reason": "x"})
    assert r.status_code == 404
    other_center = world["mine_there"].room.center
    page = client.get(reverse("sc:staff"), {"center": other_center.pk}).content.decode()
    assert other_center.name not in page
    client.force_login(resident)
    assert client.get(reverse("sc:staff")).status_code == 403
    assert client.get(reverse("sc:occupancy")).status_code == 403
    assert client.post(reverse("sc:staff_action", args=[world["theirs_here"].pk, "approve"])).status_code == 403


def test_staff_cannot_use_the_admin_and_residents_cannot_cancel_others(client, world, staff, resident):
    client.force_login(staff)
    assert client.get("/admin/servicecenters/booking/").status_code == 302
    client.force_login(resident)
    assert client.post(reverse("sc:cancel", args=[world["theirs_here"].pk])).status_code == 404
    assert client.get(reverse("sc:my_bookings")).content.decode().count('data-booking="') == 2


def test_anonymous_is_sent_to_sign_in(client, room):
    for name, args in (("sc:home", []), ("sc:my_bookings", []), ("sc:room", [room.pk]), ("sc:staff", []),
                       ("inbox:list", [])):
        r = client.get(reverse(name, args=args))
        assert r.status_code == 302 and r.url.startswith(reverse("sc:login")), name


def _more_bookings(resident, room, n, tomorrow):
    for i in range(n):
        day = tomorrow + datetime.timedelta(days=1 + i // 6)
        Booking.objects.create(room=room, resident=resident, start=local_dt(day, 8 + 2 * (i % 6)),
                               end=local_dt(day, 9 + 2 * (i % 6)), attendees=1, status=BookingStatus.CONFIRMED)


def token_api(user):
    from rest_framework.authtoken.models import Token

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def test_query_counts_of_api_lists(world, resident, staff, room, tomorrow, django_assert_num_queries):
    """Each request: token + user (1), scope (1), then count (1) and page (1) of the list."""
    api = token_api(resident)
    with django_assert_num_queries(4):
        api.get("/api/v1/bookings/")
    _more_bookings(resident, room, 12, tomorrow)
    RoomFactory.create_batch(5, center=room.center)
    with django_assert_num_queries(4):
        assert len(ids(api.get("/api/v1/bookings/"))) == 14
    with django_assert_num_queries(4):
        assert len(ids(api.get("/api/v1/rooms/"))) == 7
    with django_assert_num_queries(3):  # centers are public: no scope query
        api.get("/api/v1/centers/")
    with django_assert_num_queries(2):  # token, then the search: one query over all centers
        api.get("/api/v1/free-rooms/", {"date": tomorrow.isoformat(), "start": "09:00", "end": "10:00"})
    staff_api = token_api(staff)
    with django_assert_num_queries(4):
        assert len(ids(staff_api.get("/api/v1/bookings/"))) == 14


def test_query_counts_of_pages(client, world, resident, staff, room, tomorrow, django_assert_num_queries):
    for i in range(5):
        message_send(recipient=resident, kind="t", key=f"k{i}", subject=f"消息{i}")
    client.force_login(resident)
    # session (1) + user (1) + centers/bookings/etc + scope + unread
    counts = {}
    for name, args, params in (("sc:home", [], {}), ("sc:my_bookings", [], {}), ("sc:search", [], {
        "date": tomorrow.isoformat(), "start": "14:00", "end": "15:00", "people": 1}),
            ("sc:center", [room.center_id], {}), ("sc:room", [room.pk], {"date": tomorrow.isoformat()}),
            ("inbox:list", [], {})):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse(name, args=args), params).status_code == 200
        counts[name] = len(ctx)
    _more_bookings(resident, room, 9, tomorrow)
    RoomFactory.create_batch(4, center=room.center)
    for i in range(5, 25):
        message_send(recipient=resident, kind="t", key=f"k{i}", subject=f"消息{i}")
    for name, args, params in (("sc:home", [], {}), ("sc:my_bookings", [], {}), ("sc:search", [], {
        "date": tomorrow.isoformat(), "start": "14:00", "end": "15:00", "people": 1}),
            ("sc:center", [room.center_id], {}), ("sc:room", [room.pk], {"date": tomorrow.isoformat()}),
            ("inbox:list", [], {})):
        with django_assert_num_queries(counts[name]):
            assert client.get(reverse(name, args=args), params).status_code == 200
    assert counts == EXPECTED_PAGE_QUERIES
    client.force_login(staff)
    with django_assert_num_queries(EXPECTED_STAFF_QUERIES):
        assert client.get(reverse("sc:staff")).status_code == 200


# Every page: session (1), user (1), scope (1) and the unread badge (1), plus its own lists (home: + the next
# bookable hour of the search).
EXPECTED_PAGE_QUERIES = {
    "sc:home": 7, "sc:my_bookings": 8, "sc:search": 5, "sc:center": 7,  # my bookings: + the calendar feed version
    "sc:room": 13,  # the room, the day (hours, closed day, bookings, blocks) and the week (the same four)
    "inbox:list": 6,
}
# session, user, scope, centers, pending, the week, rooms, unread
EXPECTED_STAFF_QUERIES = 8


def test_signup_creates_a_resident_and_signs_in(client):
    r = client.post(reverse("sc:signup"), {"username": "new-resident", "first_name": "张三", "email": "",
                                           "password1": "Kx9-booking-2026", "password2": "Kx9-booking-2026"})
    assert r.status_code == 302 and r.url == reverse("sc:home")
    from accounts.models import RoleGrant

    grant_ = RoleGrant.objects.get(user__username="new-resident")
    assert grant_.role == Role.RESIDENT and not grant_.user.is_staff
    assert client.get(reverse("sc:home")).status_code == 200


def test_ical_feed_needs_the_signed_token(client, world, resident):
    client.force_login(resident)
    page = client.get(reverse("sc:my_bookings")).content.decode()
    url = page.split('id="ical-url">')[1].split("<")[0].strip()
    client.logout()
    r = client.get(url)
    assert r.status_code == 200 and r["Content-Type"].startswith("text/calendar")
    body = r.content.decode()
    assert body.count("BEGIN:VEVENT") == 2 and f"UID:booking-{world['mine_here'].pk}@" in body
    start_utc = world["mine_here"].start.astimezone(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    assert f"DTSTART:{start_utc}" in body
    assert client.get(url.replace("bookings.ics", "x").rsplit("/", 2)[0] + "/forged:token/bookings.ics").status_code == 404


def test_resident_books_on_the_page_and_gets_errors_in_place(client, resident, room, tomorrow):
    client.force_login(resident)
    url = reverse("sc:room", args=[room.pk])
    data = {"date": tomorrow.isoformat(), "start": "09:00", "end": "10:00", "attendees": 3, "purpose": "读书会",
            "weeks": 1, "on_clash": "skip"}
    r = client.post(url, data)
    assert r.status_code == 302 and r.url == reverse("sc:my_bookings")
    r = client.post(url, data)
    assert r.status_code == 200 and 'id="join-waitlist"' in r.content.decode()
    r = client.post(url, {**data, "start": "10:00", "end": "11:00", "attendees": 99})
    assert r.status_code == 200 and 'id="booking-errors"' in r.content.decode()
    r = client.post(reverse("sc:waitlist_join", args=[room.pk]), data)
    assert r.status_code == 302
    assert resident.waitlist_entries.count() == 0  # the slot is their own: nothing to wait for


def test_occupancy_page_and_inbox(client, staff, world, resident):
    client.force_login(staff)
    r = client.get(reverse("sc:occupancy"))
    assert r.status_code == 200 and "echarts-5.6.0" in r.content.decode() and "occupancy-data" in r.content.decode()
    message, _ = message_send(recipient=staff, kind="t", key="x", subject="你好", url="/m/staff/")
    r = client.post(reverse("inbox:read", args=[message.pk]))
    assert r.status_code == 302 and r.url == "/m/staff/"
    message.refresh_from_db()
    assert message.read_at
    other, _ = message_send(recipient=resident, kind="t", key="x", subject="别人的")
    assert client.post(reverse("inbox:read", args=[other.pk])).status_code == 404


def test_resident_pages_stay_under_200_kb_of_javascript(client, resident, room):
    from pathlib import Path

    from django.conf import settings

    client.force_login(resident)
    for name, args in (("sc:home", []), ("sc:room", [room.pk]), ("sc:my_bookings", []), ("sc:search", [])):
        html = client.get(reverse(name, args=args)).content.decode()
        scripts = [part.split('"')[0] for part in html.split('<script src="')[1:]]
        total = 0
        for src in scripts:
            rel = src.split("/static/", 1)[1]
            candidates = list(Path(settings.STATIC_ROOT).glob(rel)) + [Path(settings.BASE_DIR, "static", rel)]
            total += next(p for p in candidates if p.exists()).stat().st_size
        assert total < 200_000, (name, total)
