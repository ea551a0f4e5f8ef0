"""Bookings as residents asked for them: monthly series, cancelling or moving a whole series, self check-in by the
room's QR code within its window, the five-minute no-show release job (run twice), a held waitlist offer that
expires, repeat no-shows pausing new bookings, and the iCal feed written with icalendar and revocable."""

import datetime

import icalendar
import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from core.errors import ConflictError, PermissionDenied, ValidationError
from core.periods import slot_key
from inbox.models import Message
from jobs.ledger import run
from jobs.models import JobRun
from servicecenters import services
from servicecenters.models import Booking, BookingSeries, BookingStatus, WaitlistEntry

from .conftest import local_dt

pytestmark = pytest.mark.django_db


def _api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def _book(user, room, start, end, **kw):
    return Booking.objects.create(room=room, resident=user, start=start, end=end, attendees=2,
                                  status=kw.pop("status", BookingStatus.CONFIRMED), **kw)


def test_monthly_series_books_the_same_day_each_month(room, resident, monkeypatch):
    monkeypatch.setattr(room, "max_days_ahead", 400)
    room.max_days_ahead = 400
    room.save()
    first = timezone.localdate() + datetime.timedelta(days=3)
    response = _api(resident).post("/api/v1/bookings/", {
        "room": room.pk, "start": local_dt(first, 9).isoformat(), "end": local_dt(first, 10).isoformat(),
        "attendees": 3, "weeks": 3, "frequency": "monthly",
    }, format="json")
    assert response.status_code == 201, response.content
    series = BookingSeries.objects.get()
    assert series.frequency == BookingSeries.Frequency.MONTHLY
    days = [timezone.localtime(b.start).date() for b in series.bookings.order_by("start")]
    assert all(d.day == first.day for d in days) or series.skipped
    assert len(days) + len(series.skipped) == 3
    assert {(d.year * 12 + d.month) - (first.year * 12 + first.month) for d in days} <= {0, 1, 2}
    bad = _api(resident).post("/api/v1/bookings/", {
        "room": room.pk, "start": local_dt(first, 12).isoformat(), "end": local_dt(first, 13).isoformat(),
        "attendees": 3, "weeks": 2, "frequency": "yearly"}, format="json")
    assert bad.status_code == 400 and "frequency" in bad.json()


def test_series_cancel_and_change(room, resident, resident2, tomorrow):
    start = local_dt(tomorrow + datetime.timedelta(days=1), 9)
    made = services.booking_request(actor=resident, room=room, start=start, end=start + datetime.timedelta(hours=1),
                                    attendees=2, weeks=3)
    series = made.series
    client = _api(resident)
    # Move the series to 10:00–11:00; a clash on one date refuses the whole change (409) and nothing moves.
    blocker_day = timezone.localtime(made.bookings[1].start).date()
    blocker = _book(resident2, room, local_dt(blocker_day, 10), local_dt(blocker_day, 11))
    clash = client.post(f"/api/v1/bookings/{made.bookings[0].pk}/change-series/", {"start": "10:00", "end": "11:00"},
                        format="json")
    assert clash.status_code == 409 and clash.json()["code"] == "booking_conflict"
    assert all(timezone.localtime(b.start).hour == 9 for b in series.bookings.all())
    blocker.delete()
    moved = client.post(f"/api/v1/bookings/{made.bookings[0].pk}/change-series/", {"start": "10:00", "end": "11:00"},
                        format="json")
    assert moved.status_code == 200, moved.content
    assert {timezone.localtime(b.start).hour for b in series.bookings.all()} == {10}
    # Someone else's series: 404 (not visible), and the service refuses.
    assert _api(resident2).post(f"/api/v1/bookings/{made.bookings[0].pk}/cancel-series/").status_code == 404
    with pytest.raises(PermissionDenied):
        services.series_cancel(actor=resident2, series=series)
    cancelled = client.post(f"/api/v1/bookings/{made.bookings[0].pk}/cancel-series/")
    assert cancelled.status_code == 200 and len(cancelled.json()) == 3
    assert set(series.bookings.values_list("status", flat=True)) == {BookingStatus.CANCELLED}
    single = _book(resident, room, local_dt(tomorrow, 15), local_dt(tomorrow, 16))
    assert client.post(f"/api/v1/bookings/{single.pk}/cancel-series/").status_code == 400


def test_qr_check_in_window(client, room, resident, resident2):
    now = timezone.now()
    booking = _book(resident, room, now + datetime.timedelta(minutes=40), now + datetime.timedelta(minutes=100))
    token = services.room_check_in_token(room)
    # Too early (more than 15 minutes before the start).
    with pytest.raises(ValidationError):
        services.booking_self_check_in(actor=resident, room=room, token=token, now=now)
    # A forged code.
    with pytest.raises(PermissionDenied):
        services.booking_self_check_in(actor=resident, room=room, token="forged", now=booking.start)
    # Someone without a booking here.
    with pytest.raises(ValidationError):
        services.booking_self_check_in(actor=resident2, room=room, token=token, now=booking.start)
    # Too late (more than 15 minutes after the start).
    with pytest.raises(ValidationError):
        services.booking_self_check_in(actor=resident, room=room, token=token,
                                       now=booking.start + datetime.timedelta(minutes=16))
    # In the window: 15 minutes before the start.
    done = services.booking_self_check_in(actor=resident, room=room, token=token,
                                          now=booking.start - datetime.timedelta(minutes=15))
    assert done.status == BookingStatus.CHECKED_IN and done.history.first().history_user == resident
    # The page the QR code opens: a wrong token is 404.
    client.force_login(resident)
    assert client.get(f"/m/rooms/{room.pk}/check-in/{token}/").status_code == 200
    assert client.get(f"/m/rooms/{room.pk}/check-in/nope/").status_code == 404
    assert client.get(f"/m/rooms/{room.pk + 1}/check-in/{token}/").status_code == 404


def test_check_in_page_checks_in(client, room, resident):
    now = timezone.now()
    booking = _book(resident, room, now + datetime.timedelta(minutes=5), now + datetime.timedelta(minutes=65))
    client.force_login(resident)
    url = f"/m/rooms/{room.pk}/check-in/{services.room_check_in_token(room)}/"
    assert "check-in-submit" in client.get(url).content.decode()
    assert client.post(url).status_code == 200
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CHECKED_IN


def test_staff_print_the_room_code(client, room, staff, resident, other_staff):
    client.force_login(staff)
    response = client.get(f"/m/staff/rooms/{room.pk}/qr.svg")
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    assert b"<svg" in response.content
    client.force_login(other_staff)
    assert client.get(f"/m/staff/rooms/{room.pk}/qr.svg").status_code == 404
    client.force_login(resident)
    assert client.get(f"/m/staff/rooms/{room.pk}/qr.svg").status_code == 403


def test_release_job_run_twice_releases_once_and_offers_the_waitlist(room, resident, resident2):
    now = timezone.now()
    late = _book(resident, room, now - datetime.timedelta(minutes=20), now + datetime.timedelta(minutes=40))
    fresh = _book(resident, room, now + datetime.timedelta(minutes=50), now + datetime.timedelta(minutes=80))
    waiting = WaitlistEntry.objects.create(room=room, resident=resident2, start=now + datetime.timedelta(minutes=5),
                                           end=now + datetime.timedelta(minutes=35))
    period = slot_key(timezone.localtime(now) - datetime.timedelta(minutes=5))
    _key, first, ran = run("servicecenters.release_no_shows", period)
    assert ran and first["released"] == 1
    _key, second, ran_again = run("servicecenters.release_no_shows", period)
    assert not ran_again and second == first
    # A later slot finds nothing more to do.
    later = slot_key(timezone.localtime(now))
    _key, third, _ran = run("servicecenters.release_no_shows", later)
    assert third["released"] == 0
    late.refresh_from_db()
    fresh.refresh_from_db()
    assert late.status == BookingStatus.NO_SHOW and fresh.status == BookingStatus.CONFIRMED
    assert Message.objects.filter(recipient=resident, kind="booking_released").count() == 1
    waiting.refresh_from_db()
    assert waiting.status == WaitlistEntry.Status.OFFERED and waiting.hold_until is not None
    assert JobRun.objects.filter(job="servicecenters.release_no_shows").count() == 2
    with pytest.raises(ValueError):
        run("servicecenters.release_no_shows", "2026-11-25T14:03")


def test_a_held_offer_keeps_the_slot_until_it_expires(room, resident, resident2, tomorrow):
    start, end = local_dt(tomorrow, 14), local_dt(tomorrow, 15)
    taken = _book(resident, room, start, end)
    services.waitlist_join(actor=resident2, room=room, start=start, end=end)
    services.booking_cancel(actor=resident, booking=taken)
    entry = WaitlistEntry.objects.get(resident=resident2)
    assert entry.status == WaitlistEntry.Status.OFFERED
    third = type(resident).objects.create(username="resident-0003")
    with pytest.raises(ConflictError) as exc:
        services.booking_create(actor=third, room=room, start=start, end=end, attendees=1)
    assert exc.value.code == "booking_conflict"
    # After the hold: the offer expires and anyone may book.
    services.expire_holds(now=entry.hold_until)
    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.EXPIRED
    assert services.booking_create(actor=third, room=room, start=start, end=end, attendees=1).pk


def test_the_held_resident_books_their_offer(room, resident, resident2, tomorrow):
    start, end = local_dt(tomorrow, 16), local_dt(tomorrow, 17)
    taken = _book(resident, room, start, end)
    services.waitlist_join(actor=resident2, room=room, start=start, end=end)
    services.booking_cancel(actor=resident, booking=taken)
    assert services.booking_create(actor=resident2, room=room, start=start, end=end, attendees=1).pk


def test_repeat_no_shows_pause_new_bookings(room, resident, tomorrow):
    now = timezone.now()
    for days in (2, 5, 9):
        _book(resident, room, now - datetime.timedelta(days=days), now - datetime.timedelta(days=days, minutes=-60),
              status=BookingStatus.NO_SHOW)
    response = _api(resident).post("/api/v1/bookings/", {
        "room": room.pk, "start": local_dt(tomorrow, 9).isoformat(), "end": local_dt(tomorrow, 10).isoformat(),
        "attendees": 1}, format="json")
    assert response.status_code == 400 and "non_field_errors" in response.json()
    later = now + services.NO_SHOW_PAUSE
    assert services.no_show_pause_until(resident=resident, now=later) is None


def test_ical_feed_by_icalendar_and_revocable(client, room, resident, tomorrow):
    _book(resident, room, local_dt(tomorrow, 9), local_dt(tomorrow, 10),
          purpose="读书会，" * 30)  # long, with commas: escaped and folded
    client.force_login(resident)
    page = client.get("/m/bookings/").content.decode()
    url = page.split('id="ical-url">')[1].split("<")[0].replace("http://testserver", "")
    client.logout()
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    raw = response.content
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))  # RFC 5545 folding, in octets
    calendar = icalendar.Calendar.from_ical(raw)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 1 and "读书会，" in str(events[0]["description"])
    client.force_login(resident)
    assert client.post("/m/ical/revoke/").status_code == 302
    client.logout()
    assert client.get(url).status_code == 404
    client.force_login(resident)
    new_url = client.get("/m/bookings/").content.decode().split('id="ical-url">')[1].split("<")[0]
    assert new_url.replace("http://testserver", "") != url
    assert client.get(new_url.replace("http://testserver", "")).status_code == 200
