"""Weekly series, waitlist, staff actions, maintenance blocks and notifications."""

import datetime

import pytest
from django.utils import timezone

from inbox.models import Message
from core.errors import ConflictError, PermissionDenied, ValidationError
from servicecenters import services
from servicecenters.models import Booking, BookingSeries, BookingStatus, ClosedDay, WaitlistEntry

from .conftest import local_dt

pytestmark = pytest.mark.django_db


def make(resident, room, day, h1, h2, **kw):
    return services.booking_create(actor=resident, room=room, start=local_dt(day, h1), end=local_dt(day, h2),
                                   attendees=kw.pop("attendees", 2), purpose="测试", **kw)


def test_weekly_series_skips_clashes(resident, resident2, room, tomorrow):
    room.max_days_ahead = 60
    room.save()
    make(resident2, room, tomorrow + datetime.timedelta(weeks=2), 9, 10)
    ClosedDay.objects.create(center=room.center, date=tomorrow + datetime.timedelta(weeks=3), reason="检修")
    series, bookings, skipped = services.booking_create_weekly(
        actor=resident, room=room, start=local_dt(tomorrow, 9), end=local_dt(tomorrow, 10), attendees=3,
        weeks=5, on_clash=BookingSeries.OnClash.SKIP,
    )
    assert len(bookings) == 3
    assert skipped == [(tomorrow + datetime.timedelta(weeks=w)).isoformat() for w in (2, 3)]
    assert {timezone.localtime(b.start).time() for b in bookings} == {datetime.time(9)}
    assert all(b.series_id == series.pk for b in bookings)
    assert series.skipped == skipped


def test_weekly_series_refuses_on_clash_and_books_nothing(resident, resident2, room, tomorrow):
    make(resident2, room, tomorrow + datetime.timedelta(weeks=1), 9, 10)
    with pytest.raises(ConflictError) as exc:
        services.booking_create_weekly(
            actor=resident, room=room, start=local_dt(tomorrow, 9, 30), end=local_dt(tomorrow, 10, 30),
            attendees=3, weeks=3, on_clash=BookingSeries.OnClash.REFUSE,
        )
    assert exc.value.code == "booking_conflict"
    assert (tomorrow + datetime.timedelta(weeks=1)).isoformat() in exc.value.message
    assert not Booking.objects.filter(resident=resident).exists()
    assert not BookingSeries.objects.exists()


def test_booking_request_books_once_or_weekly(resident, room, tomorrow):
    once = services.booking_request(actor=resident, room=room, start=local_dt(tomorrow, 9),
                                    end=local_dt(tomorrow, 10), attendees=2, purpose="测试", weeks=1)
    assert once.series is None and once.skipped == [] and [b.start for b in once.bookings] == [local_dt(tomorrow, 9)]
    weekly = services.booking_request(actor=resident, room=room, start=local_dt(tomorrow, 11),
                                      end=local_dt(tomorrow, 12), attendees=2, weeks=3, on_clash="skip")
    assert weekly.series is not None and len(weekly.bookings) == 3 and weekly.skipped == []
    assert all(b.series_id == weekly.series.pk for b in weekly.bookings)
    assert Booking.objects.filter(resident=resident).count() == 4


def test_booking_request_refused_weekly_books_nothing(resident, resident2, room, tomorrow):
    make(resident2, room, tomorrow + datetime.timedelta(weeks=2), 9, 10)
    with pytest.raises(ConflictError):
        services.booking_request(actor=resident, room=room, start=local_dt(tomorrow, 9), end=local_dt(tomorrow, 10),
                                 attendees=2, weeks=3, on_clash=BookingSeries.OnClash.REFUSE)
    assert not Booking.objects.filter(resident=resident).exists() and not BookingSeries.objects.exists()


def test_weekly_series_respects_how_far_ahead(resident, room, tomorrow):
    # 30 days ahead at most: weeks 5+ fall outside and are skipped as clashes.
    _series, bookings, skipped = services.booking_create_weekly(
        actor=resident, room=room, start=local_dt(tomorrow, 9), end=local_dt(tomorrow, 10), attendees=1,
        weeks=6, on_clash="skip",
    )
    assert len(bookings) + len(skipped) == 6 and len(skipped) >= 1


def test_waitlist_offered_in_order_when_the_slot_frees(resident, resident2, room, tomorrow, django_capture_on_commit_callbacks):
    from tests.factories import UserFactory

    holder = UserFactory(username="holder", is_staff=False, password="!")
    booking = make(holder, room, tomorrow, 14, 16)
    third = UserFactory(username="third", is_staff=False, password="!")
    with pytest.raises(ValidationError):  # a free slot is booked, not queued for
        services.waitlist_join(actor=resident, room=room, start=local_dt(tomorrow, 9), end=local_dt(tomorrow, 10))
    first = services.waitlist_join(actor=resident2, room=room, start=local_dt(tomorrow, 14), end=local_dt(tomorrow, 15))
    second = services.waitlist_join(actor=resident, room=room, start=local_dt(tomorrow, 14), end=local_dt(tomorrow, 15))
    services.waitlist_join(actor=third, room=room, start=local_dt(tomorrow, 15), end=local_dt(tomorrow, 16))
    with django_capture_on_commit_callbacks(execute=True):
        services.booking_cancel(actor=holder, booking=booking)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == WaitlistEntry.Status.OFFERED and second.status == WaitlistEntry.Status.WAITING
    offer = Message.objects.get(kind="waitlist_offer")
    assert offer.recipient == resident2 and f"/m/rooms/{room.pk}/" in offer.url
    # The offered resident books it; their entry is done.
    make(resident2, room, tomorrow, 14, 15)
    first.refresh_from_db()
    assert first.status == WaitlistEntry.Status.BOOKED


def test_staff_actions_are_scoped_and_notify(resident, room, other_staff, staff, tomorrow, django_capture_on_commit_callbacks, mailoutbox):
    room.needs_approval = True
    room.save()
    with django_capture_on_commit_callbacks(execute=True):
        booking = make(resident, room, tomorrow, 9, 10)
    assert booking.status == BookingStatus.PENDING
    with pytest.raises(PermissionDenied):
        services.booking_approve(actor=other_staff, booking=booking)
    with pytest.raises(PermissionDenied):
        services.booking_approve(actor=resident, booking=booking)
    with django_capture_on_commit_callbacks(execute=True):
        services.booking_reject(actor=staff, booking=booking, reason="当天有区级活动")
    booking.refresh_from_db()
    assert booking.status == BookingStatus.REJECTED and booking.reason == "当天有区级活动"
    kinds = list(Message.objects.filter(recipient=resident).values_list("kind", flat=True).order_by("pk"))
    assert kinds == ["booking_pending", "booking_rejected"]
    assert [m.to for m in mailoutbox] == [["r1@example.com"]]
    assert booking.history.count() == 2


def test_check_in_release_and_no_show(resident, room, staff, tomorrow):
    booking = make(resident, room, tomorrow, 9, 11)
    with pytest.raises(ValidationError):  # too early to check in
        services.booking_check_in(actor=staff, booking=booking)
    at_start = local_dt(tomorrow, 9, 5)
    with pytest.raises(ValidationError):  # within the grace period: not yet
        services.booking_mark_no_show(actor=staff, booking=booking, now=at_start)
    services.booking_release(actor=staff, booking=booking, now=local_dt(tomorrow, 9, 20))
    booking.refresh_from_db()
    assert booking.status == BookingStatus.NO_SHOW
    other = make(resident, room, tomorrow, 12, 13)
    services.booking_check_in(actor=staff, booking=other, now=local_dt(tomorrow, 11, 50))
    other.refresh_from_db()
    assert other.status == BookingStatus.CHECKED_IN and other.checked_in_at


def test_resident_cancel_cutoff(resident, room, tomorrow, resident2):
    booking = make(resident, room, tomorrow, 9, 10)
    with pytest.raises(ValidationError):
        services.booking_cancel(actor=resident, booking=booking, now=local_dt(tomorrow, 8))
    with pytest.raises(PermissionDenied):
        services.booking_cancel(actor=resident2, booking=booking)
    services.booking_cancel(actor=resident, booking=booking, now=local_dt(tomorrow, 6))


def test_block_room_cancels_and_tells_and_refuses(resident, room, staff, other_staff, tomorrow, django_capture_on_commit_callbacks):
    booking = make(resident, room, tomorrow, 9, 10)
    kept = make(resident, room, tomorrow, 15, 16)
    with pytest.raises(PermissionDenied):
        services.room_block(actor=other_staff, room=room, start=local_dt(tomorrow, 8), end=local_dt(tomorrow, 12),
                            reason="漏水")
    with django_capture_on_commit_callbacks(execute=True):
        _block, cancelled = services.room_block(actor=staff, room=room, start=local_dt(tomorrow, 8),
                                                end=local_dt(tomorrow, 12), reason="空调检修")
    assert [b.pk for b in cancelled] == [booking.pk]
    booking.refresh_from_db()
    kept.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED and "空调检修" in booking.reason
    assert kept.status == BookingStatus.CONFIRMED
    assert Message.objects.filter(recipient=resident, kind="booking_staff_cancelled").count() == 1
    with pytest.raises(ValidationError):
        make(resident, room, tomorrow, 10, 11)


def test_no_message_when_the_booking_fails(resident, resident2, room, tomorrow, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        make(resident, room, tomorrow, 9, 10)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(ConflictError):
            make(resident2, room, tomorrow, 9, 10)
    assert callbacks == []
    assert not Message.objects.filter(recipient=resident2).exists()
