"""The booking side's daily job, registered with jobs.registry (run through the ledger at most once per local day)."""

import datetime

from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from django.utils import timezone

from core.periods import SLOT_MINUTES, parse_day, parse_slot
from jobs.registry import job

from .models import Booking, BookingStatus
from .services import booking_message, day_bounds, expire_holds, release_no_shows

DAILY = "servicecenters.daily"
RELEASE = "servicecenters.release_no_shows"


def _move(bookings, status, *, reason=None):
    """Move every booking of the queryset to `status` (with `reason`) in one update, with a history row each, as a
    change by nobody (the job); returns how many moved."""
    moved = list(bookings.order_by("pk"))
    fields = ["status"] if reason is None else ["status", "reason"]
    for booking in moved:
        booking.status = status
        if reason is not None:
            booking.reason = reason[:200]
        booking._history_user = None
    if moved:
        bulk_update_with_history(moved, Booking, fields, batch_size=500)
    return len(moved)


@job(DAILY, period="day", ready="started", schedule={"minute": "0", "hour": "7"},
     title="servicecenters: daily bookings",
     description="Reminders for tomorrow's bookings, no-show marking and completion of past bookings.")
def daily_bookings(period):
    """For local day `period` (YYYY-MM-DD): mark yesterday's and older unchecked bookings as no-shows,
    complete the checked-in ones, and remind residents of tomorrow's bookings. Idempotent by itself
    (statuses move once, messages have keys) and run through jobs.ledger once per day."""
    day = parse_day(period)
    day_start, _end = day_bounds(day)
    tomorrow_start, tomorrow_end = day_bounds(day + datetime.timedelta(days=1))
    past = Booking.objects.filter(end__lte=day_start)
    no_shows = _move(past.filter(status=BookingStatus.CONFIRMED), BookingStatus.NO_SHOW)
    completed = _move(past.filter(status=BookingStatus.CHECKED_IN), BookingStatus.COMPLETED)
    # A request nobody decided before it began no longer holds the room.
    expired = _move(Booking.objects.filter(start__lt=day_start, status=BookingStatus.PENDING),
                    BookingStatus.CANCELLED, reason=_("Not approved before it began."))
    reminded = 0
    for booking in Booking.objects.filter(
        start__gte=tomorrow_start, start__lt=tomorrow_end, status=BookingStatus.CONFIRMED
    ).select_related("room__center", "resident"):
        booking_message(booking, "reminder")
        reminded += 1
    result = {"no_shows": no_shows, "completed": completed, "reminded": reminded}
    if expired:
        result["expired"] = expired
    return result


@job(RELEASE, period="slot", ready="started", schedule={"minute": f"*/{SLOT_MINUTES}"}, title="servicecenters: release no-shows",
     description="Every five minutes: bookings not checked in 15 minutes after their start are released to the "
                 "waitlist, and waitlist offers whose hold ended pass to the next resident.")
def release_no_shows_job(period):
    """For the five-minute slot `period` (YYYY-MM-DDTHH:MM, Beijing time): release the no-shows due by the end of the
    slot and expire the holds ended by then. Each booking and offer moves once, so a slot run twice, or a later
    slot, changes nothing already done."""
    moment = timezone.make_aware(parse_slot(period)) + datetime.timedelta(minutes=SLOT_MINUTES)
    moment = min(moment, timezone.now()) if moment > timezone.now() else moment
    return {"released": release_no_shows(moment=moment), "holds_expired": expire_holds(now=moment)}
