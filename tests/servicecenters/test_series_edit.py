"""Editing a whole booking series (servicecenters.series): the future dates move, past and imminent ones stay; a
refusal names every date that cannot move and nothing moves; on the phone page and the API alike."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from servicecenters import services
from servicecenters.models import Booking, BookingStatus
from servicecenters.series import SeriesClash, series_dates, series_edit

from .conftest import local_dt

pytestmark = pytest.mark.django_db


def _series(resident, room, first_day, weeks=4, frequency="weekly"):
    start = local_dt(first_day, 9)
    made = services.booking_request(actor=resident, room=room, start=start, end=start + datetime.timedelta(hours=1),
                                    attendees=2, weeks=weeks, frequency=frequency)
    assert made.series is not None and not made.skipped
    return made


def _hours(series):
    return [timezone.localtime(b.start).hour for b in series.bookings.order_by("start")]


def test_edit_moves_future_dates_and_keeps_the_past(room, resident, tomorrow):
    made = _series(resident, room, tomorrow + datetime.timedelta(days=1))
    first = made.bookings[0]
    # Seen from an hour before the first date, that date is within the cut-off: it stays at 9:00.
    now = first.start - datetime.timedelta(hours=1)
    dates = series_dates(series=made.series, now=now)
    assert [b.pk for b in dates.past] == [first.pk] and len(dates.ahead) == 3
    moved = series_edit(actor=resident, series=made.series, start_time=datetime.time(14),
                        end_time=datetime.time(15, 30), attendees=5, purpose="  合唱排练 ", now=now)
    assert len(moved) == 3
    assert _hours(made.series) == [9, 14, 14, 14]
    later = Booking.objects.filter(series=made.series).exclude(pk=first.pk)
    assert {(b.attendees, b.purpose) for b in later} == {(5, "合唱排练")}
    # The moved dates keep their own days (a week apart).
    days = [timezone.localtime(b.start).date() for b in made.series.bookings.order_by("start")]
    assert [(b - a).days for a, b in zip(days, days[1:])] == [7, 7, 7]


def test_every_clashing_date_is_named_and_nothing_moves(room, resident, resident2, tomorrow):
    made = _series(resident, room, tomorrow + datetime.timedelta(days=1))
    clash_days = [timezone.localtime(made.bookings[i].start).date() for i in (1, 3)]
    for day in clash_days:
        Booking.objects.create(room=room, resident=resident2, start=local_dt(day, 10), end=local_dt(day, 11),
                               attendees=1, status=BookingStatus.CONFIRMED)
    with pytest.raises(SeriesClash) as caught:
        series_edit(actor=resident, series=made.series, start_time=datetime.time(10), end_time=datetime.time(11))
    assert [day for day, _reason in caught.value.dates] == clash_days
    assert caught.value.code == "booking_conflict"
    assert all(d.isoformat() in caught.value.message for d in clash_days)
    assert _hours(made.series) == [9, 9, 9, 9]


def test_a_date_outside_the_rooms_rules_is_named_too(room, resident, tomorrow):
    made = _series(resident, room, tomorrow + datetime.timedelta(days=1))
    with pytest.raises(SeriesClash) as caught:
        series_edit(actor=resident, series=made.series, start_time=datetime.time(5), end_time=datetime.time(6))
    assert len(caught.value.dates) == 4  # before opening hours on every date
    assert _hours(made.series) == [9, 9, 9, 9]


def test_monthly_series_edit(room, resident, tomorrow):
    room.max_days_ahead = 400
    room.save()
    made = _series(resident, room, tomorrow + datetime.timedelta(days=1), weeks=3, frequency="monthly")
    series_edit(actor=resident, series=made.series, start_time=datetime.time(15), end_time=datetime.time(16))
    assert _hours(made.series) == [15, 15, 15]


def test_someone_elses_series_is_refused(room, resident, resident2, tomorrow, client):
    made = _series(resident, room, tomorrow + datetime.timedelta(days=1))
    from core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        series_edit(actor=resident2, series=made.series, start_time=datetime.time(14), end_time=datetime.time(15))
    client.force_login(resident2)
    assert client.get(f"/m/bookings/{made.bookings[0].pk}/series/").status_code == 404
    assert client.post(f"/m/bookings/{made.bookings[0].pk}/series/", {
        "start": "14:00", "end": "15:00", "attendees": 2}).status_code == 404
    assert _hours(made.series) == [9, 9, 9, 9]


def test_the_phone_page_lists_the_dates_and_names_the_clashes(room, resident, resident2, tomorrow, client):
    made = _series(resident, room, tomorrow + datetime.timedelta(days=1))
    day = timezone.localtime(made.bookings[2].start).date()
    blocker = Booking.objects.create(room=room, resident=resident2, start=local_dt(day, 10), end=local_dt(day, 11),
                                     attendees=1, status=BookingStatus.CONFIRMED)
    client.force_login(resident)
    page = client.get(f"/m/bookings/{made.bookings[0].pk}/series/")
    assert page.status_code == 200 and page.content.decode().count('class="card"><div class="row"><span>') == 4
    clash = client.post(f"/m/bookings/{made.bookings[0].pk}/series/", {"start": "10:00", "end": "11:00",
                                                                       "attendees": 2})
    body = clash.content.decode()
    assert clash.status_code == 200 and 'id="clashes"' in body and day.strftime("%Y-%m-%d") in body
    assert _hours(made.series) == [9, 9, 9, 9]
    blocker.delete()
    done = client.post(f"/m/bookings/{made.bookings[0].pk}/series/", {"start": "10:00", "end": "11:00",
                                                                      "attendees": 2})
    assert done.status_code == 302
    assert _hours(made.series) == [10, 10, 10, 10]
    bad = client.post(f"/m/bookings/{made.bookings[0].pk}/series/", {"start": "11:00", "end": "10:00",
                                                                     "attendees": 2})
    assert bad.status_code == 200 and "errorlist" in bad.content.decode()


def test_the_api_409_lists_the_dates(room, resident, resident2, tomorrow):
    made = _series(resident, room, tomorrow + datetime.timedelta(days=1))
    day = timezone.localtime(made.bookings[1].start).date()
    Booking.objects.create(room=room, resident=resident2, start=local_dt(day, 10), end=local_dt(day, 11),
                           attendees=1, status=BookingStatus.CONFIRMED)
    client = APIClient()
    client.force_authenticate(resident)
    response = client.post(f"/api/v1/bookings/{made.bookings[0].pk}/change-series/", {"start": "10:00",
                                                                                      "end": "11:00"}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "booking_conflict"
    assert [d["date"] for d in response.json()["dates"]] == [day.isoformat()]
