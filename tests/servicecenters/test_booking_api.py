"""The outside contract: POST /api/v1/bookings/ → 201 {id, status}; taken → 409 booking_conflict; bad → 400."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from servicecenters.models import Booking, BookingStatus, ClosedDay
from servicecenters.services import MAX_ACTIVE_PER_RESIDENT

from .conftest import local_dt
from .factories import RoomFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(resident):
    client = APIClient()
    client.force_authenticate(resident)
    return client


def book(api, room, start, end, attendees=5, **extra):
    return api.post("/api/v1/bookings/", {
        "room": room.pk, "start": start.isoformat(), "end": end.isoformat(), "attendees": attendees,
        "purpose": "读书会", **extra,
    }, format="json")


def test_book_then_taken_is_409(api, room, tomorrow):
    r = book(api, room, local_dt(tomorrow, 9), local_dt(tomorrow, 10))
    assert r.status_code == 201, r.json()
    assert set(r.json()) >= {"id", "status"} and r.json()["status"] == "confirmed"
    r2 = book(api, room, local_dt(tomorrow, 9, 30), local_dt(tomorrow, 10, 30))
    assert r2.status_code == 409 and r2.json()["code"] == "booking_conflict"
    assert Booking.objects.count() == 1


@pytest.mark.parametrize("start,end,ok", [
    ((10, 0), (11, 0), True),    # touches the end of 9–10: allowed
    ((8, 0), (9, 0), True),      # touches the start: allowed
    ((9, 59), (11, 0), False),   # one minute inside
    ((8, 30), (10, 30), False),  # covers it
    ((9, 15), (9, 45), False),   # inside it
])
def test_overlap_edges(api, room, tomorrow, start, end, ok):
    assert book(api, room, local_dt(tomorrow, 9), local_dt(tomorrow, 10)).status_code == 201
    r = book(api, room, local_dt(tomorrow, *start), local_dt(tomorrow, *end))
    assert r.status_code == (201 if ok else 409), r.json()


def test_cancelled_slot_can_be_booked_again_and_other_room_is_independent(api, room, tomorrow):
    first = book(api, room, local_dt(tomorrow, 9), local_dt(tomorrow, 10)).json()
    assert book(api, RoomFactory(center=room.center), local_dt(tomorrow, 9), local_dt(tomorrow, 10)).status_code == 201
    assert api.delete(f"/api/v1/bookings/{first['id']}/").status_code == 204
    assert Booking.objects.get(pk=first["id"]).status == BookingStatus.CANCELLED
    assert book(api, room, local_dt(tomorrow, 9), local_dt(tomorrow, 10)).status_code == 201


def test_database_constraint_refuses_overlap_even_without_the_service(room, resident, tomorrow):
    from django.db import IntegrityError, transaction

    Booking.objects.create(room=room, resident=resident, start=local_dt(tomorrow, 9), end=local_dt(tomorrow, 10),
                           attendees=1, status=BookingStatus.CONFIRMED)
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.create(room=room, resident=resident, start=local_dt(tomorrow, 9, 30),
                               end=local_dt(tomorrow, 11), attendees=1, status=BookingStatus.PENDING)
    # Inactive statuses do not hold the room.
    Booking.objects.create(room=room, resident=resident, start=local_dt(tomorrow, 9, 30),
                           end=local_dt(tomorrow, 11), attendees=1, status=BookingStatus.CANCELLED)


def _bad_cases(tomorrow):
    yesterday = tomorrow - datetime.timedelta(days=2)
    far = tomorrow + datetime.timedelta(days=40)
    return {
        "closed hours (too early)": ({"start": local_dt(tomorrow, 7), "end": local_dt(tomorrow, 8, 30)}, "start"),
        "closed hours (too late)": ({"start": local_dt(tomorrow, 20), "end": local_dt(tomorrow, 22)}, "start"),
        "too many attendees": ({"attendees": 21}, "attendees"),
        "no attendees": ({"attendees": 0}, "attendees"),
        "in the past": ({"start": local_dt(yesterday, 9), "end": local_dt(yesterday, 10)}, "start"),
        "too short": ({"end": local_dt(tomorrow, 9, 15)}, "end"),
        "too long": ({"end": local_dt(tomorrow, 14)}, "end"),
        "too far ahead": ({"start": local_dt(far, 9), "end": local_dt(far, 10)}, "start"),
        "end before start": ({"end": local_dt(tomorrow, 8, 30)}, "end"),
        "not a date": ({"start": "tomorrow at nine"}, "start"),
        "unknown room": ({"room": 999999}, "room"),
        "purpose too long": ({"purpose": "长" * 201}, "purpose"),
        "missing end": ({"end": None}, "end"),
    }


@pytest.mark.parametrize("case", list(_bad_cases(datetime.date(2026, 1, 1))))
def test_every_400_case(api, room, tomorrow, case):
    changes, field = _bad_cases(tomorrow)[case]
    body = {"room": room.pk, "start": local_dt(tomorrow, 9).isoformat(), "end": local_dt(tomorrow, 10).isoformat(),
            "attendees": 5, "purpose": "x"}
    for key, value in changes.items():
        if value is None:
            body.pop(key)
        else:
            body[key] = value.isoformat() if isinstance(value, datetime.datetime) else value
    r = api.post("/api/v1/bookings/", body, format="json")
    assert r.status_code == 400, (case, r.status_code, r.content)
    assert field in r.json(), r.json()
    assert not Booking.objects.exists()


def test_closed_day_and_closed_weekday_are_400(api, room, tomorrow):
    ClosedDay.objects.create(center=room.center, date=tomorrow, reason="春节")
    r = book(api, room, local_dt(tomorrow, 9), local_dt(tomorrow, 10))
    assert r.status_code == 400 and "start" in r.json()
    day_after = tomorrow + datetime.timedelta(days=1)
    room.center.hours.filter(weekday=day_after.weekday()).delete()
    r = book(api, room, local_dt(day_after, 9), local_dt(day_after, 10))
    assert r.status_code == 400 and "start" in r.json()


def test_too_many_active_bookings_is_400(api, room, tomorrow):
    for i in range(MAX_ACTIVE_PER_RESIDENT):
        day = tomorrow + datetime.timedelta(days=i)
        assert book(api, room, local_dt(day, 9), local_dt(day, 10)).status_code == 201
    day = tomorrow + datetime.timedelta(days=MAX_ACTIVE_PER_RESIDENT)
    r = book(api, room, local_dt(day, 9), local_dt(day, 10))
    assert r.status_code == 400 and "non_field_errors" in r.json()


def test_unbookable_room_is_400(api, room, tomorrow):
    room.bookable = False
    room.save()
    r = book(api, room, local_dt(tomorrow, 9), local_dt(tomorrow, 10))
    assert r.status_code == 400 and "room" in r.json()


def test_garbage_never_500(api, room):
    for body in ({}, {"room": "x", "start": 5, "end": [], "attendees": "many"}, {"attendees": 10**30},
                 {"room": room.pk, "start": "9999-12-31T23:59:59+08:00", "end": "9999-12-31T23:59:59+08:00",
                  "attendees": 1}):
        r = api.post("/api/v1/bookings/", body, format="json")
        assert r.status_code == 400, (body, r.content)
    assert api.post("/api/v1/bookings/", "not json", content_type="application/json").status_code == 400


def test_shanghai_times_near_midnight(api, room, resident):
    """Local 00:30 is the previous day 16:30 in UTC: the local day decides the opening hours."""
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    day_after = tomorrow + datetime.timedelta(days=1)
    room.center.hours.update(opens=datetime.time(0, 0), closes=datetime.time(23, 59))
    # 22:00–23:59 local: fits; 23:59–00:59 runs into the next local day: outside the day's hours.
    assert book(api, room, local_dt(tomorrow, 22), local_dt(tomorrow, 23, 59)).status_code == 201
    r = book(api, room, local_dt(tomorrow, 23, 59), local_dt(day_after, 0, 59))
    assert r.status_code == 400 and "start" in r.json()
    # 00:00–01:00 local the day after touches nothing and is fine; its UTC start is 16:00 the day before.
    r = book(api, room, local_dt(day_after, 0), local_dt(day_after, 1))
    assert r.status_code == 201
    b = Booking.objects.get(pk=r.json()["id"])
    assert b.start.astimezone(datetime.timezone.utc).hour == 16
    assert b.start.astimezone(datetime.timezone.utc).date() == tomorrow
    # The same instants given in UTC are the same booking: a clash.
    utc_start = local_dt(day_after, 0, 30).astimezone(datetime.timezone.utc)
    r = book(api, room, utc_start, utc_start + datetime.timedelta(hours=1))
    assert r.status_code == 409
    # A closed local weekday applies to local midnight onwards, not to the UTC date.
    room.center.hours.filter(weekday=day_after.weekday()).delete()
    r = book(api, room, local_dt(day_after, 2), local_dt(day_after, 3))
    assert r.status_code == 400


def test_approval_flow_via_api(api, room, tomorrow, staff, other_staff):
    room.needs_approval = True
    room.save()
    r = book(api, room, local_dt(tomorrow, 9), local_dt(tomorrow, 10))
    assert r.json()["status"] == "pending"
    pk = r.json()["id"]
    foreign = APIClient()
    foreign.force_authenticate(other_staff)
    assert foreign.post(f"/api/v1/bookings/{pk}/approve/").status_code == 404
    mine = APIClient()
    mine.force_authenticate(staff)
    assert mine.post(f"/api/v1/bookings/{pk}/reject/", {"reason": ""}, format="json").status_code == 400
    assert mine.post(f"/api/v1/bookings/{pk}/approve/").json()["status"] == "confirmed"
    # The resident may not approve.
    assert api.post(f"/api/v1/bookings/{pk}/approve/").status_code == 403


def test_rooms_and_free_rooms(api, room, other_room, tomorrow):
    rooms = api.get("/api/v1/rooms/").json()
    assert {r["id"] for r in rooms["results"]} == {room.pk, other_room.pk}
    assert set(rooms["results"][0]) >= {"id", "center", "kind", "name", "capacity"}
    book(api, room, local_dt(tomorrow, 9), local_dt(tomorrow, 10))
    r = api.get("/api/v1/free-rooms/", {"date": tomorrow.isoformat(), "start": "09:00", "end": "10:00", "people": 5})
    assert [x["id"] for x in r.json()["results"]] == [other_room.pk]
    r = api.get("/api/v1/free-rooms/", {"date": tomorrow.isoformat(), "start": "09:00", "end": "10:00",
                                        "people": 15})
    assert r.json()["results"] == []
    alternatives = r.json()["alternatives"]
    assert alternatives and alternatives[0]["rooms"][0]["id"] == room.pk
    assert api.get("/api/v1/free-rooms/", {"date": "x"}).status_code == 400
    assert api.get("/api/v1/free-rooms/", {"date": tomorrow.isoformat(), "start": "10:00",
                                           "end": "09:00"}).status_code == 400


def test_anonymous_gets_401(room):
    assert APIClient().get("/api/v1/rooms/").status_code == 401
    assert APIClient().post("/api/v1/bookings/", {}).status_code == 401


def test_an_offset_the_database_cannot_store_is_a_400_not_a_500(api, room, tomorrow):
    # Python takes offsets up to ±24 h, PostgreSQL only to ±15:59: the filter hands on UTC.
    r = api.get("/api/v1/bookings/", {"start_after": "2026-01-01T00:00:00+19:52"})
    assert r.status_code == 200, r.content
    book(api, room, local_dt(tomorrow, 9), local_dt(tomorrow, 10))
    late = (local_dt(tomorrow, 9) - datetime.timedelta(hours=19, minutes=52)).replace(
        tzinfo=datetime.timezone(datetime.timedelta(hours=19, minutes=52)))
    assert api.get("/api/v1/bookings/", {"start_after": late.isoformat()}).json()["count"] == 1
    r = api.get("/api/v1/bookings/", {"start_before": "0001-01-01T00:00:00+08:00"})
    assert r.status_code == 400 and "start_before" in r.json()


def test_staff_actions_refuse_a_body_that_is_not_an_object(api, room, tomorrow, staff):
    room.needs_approval = True
    room.save()
    pk = book(api, room, local_dt(tomorrow, 9), local_dt(tomorrow, 10)).json()["id"]
    mine = APIClient()
    mine.force_authenticate(staff)
    for action in ("cancel", "reject"):
        r = mine.post(f"/api/v1/bookings/{pk}/{action}/", ["reason"], format="json")
        assert r.status_code == 400, (action, r.content)
    r = mine.post(f"/api/v1/bookings/{pk}/reject/", {"reason": " 房间维修 " + "x" * 300}, format="json")
    assert r.status_code == 200 and r.json()["reason"].startswith("房间维修") and len(r.json()["reason"]) == 200


def test_free_room_alternatives_match_the_schema(api, room, tomorrow):
    import re

    schema = APIClient().get("/api/schema/?format=json").json()
    alternative = schema["components"]["schemas"]["FreeRoomAlternative"]["properties"]
    book(api, room, local_dt(tomorrow, 9), local_dt(tomorrow, 10))
    r = api.get("/api/v1/free-rooms/", {"date": tomorrow.isoformat(), "start": "09:00", "end": "10:00",
                                        "people": 15})
    found = r.json()["alternatives"][0]
    for key in ("start", "end"):  # "08:00" as before, and the schema now says so (it said an RFC 3339 time)
        assert alternative[key].get("format") is None and re.fullmatch(alternative[key]["pattern"], found[key])
    assert found["start"] == "08:00"
