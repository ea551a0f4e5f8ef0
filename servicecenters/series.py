"""A resident's recurring booking series (weekly or monthly) as a whole: its dates, and changing all of its future
occurrences at once. Cancelling the whole series is services.series_cancel.

Editing applies to the occurrences still ahead (those starting more than the cancel cut-off from now); past and
imminent ones are kept as they were. It is all or nothing: every date is checked first, and when any of them
cannot move, nothing moves and the refusal names every such date and why (SeriesClash, 409 `booking_conflict`).
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ConflictError, ValidationError

from .models import ACTIVE_STATUSES, UPCOMING_STATUSES, BookingStatus
from .services import (
    BOOKING_CONFLICT,
    CANCEL_CUTOFF,
    _check_booking,
    _check_hold,
    _guarded,
    _lock_room,
    _overlapping,
    _own_series,
    _require_signed_in,
    at,
    local,
)


class SeriesClash(ConflictError):
    """Some dates of a series cannot move: `dates` is [(date, reason)], in date order; nothing was changed."""

    def __init__(self, dates):
        self.dates = dates
        listed = "; ".join(f"{day.isoformat()} {reason}" for day, reason in dates)
        super().__init__(_("These dates cannot be changed, so nothing was changed: %(dates)s") % {"dates": listed},
                         code=BOOKING_CONFLICT)


@dataclass
class SeriesDates:
    """A series' bookings split by what an edit does to them."""

    past: list  # already over, begun or within the cut-off: kept as they are
    ahead: list  # upcoming beyond the cut-off: an edit moves these


def series_dates(*, series, now=None):
    """The series' bookings that still count (not cancelled, rejected or released), split into those an edit keeps
    and those it moves; two queries at most."""
    now = now or timezone.now()
    past, ahead = [], []
    for booking in series.bookings.filter(status__in=ACTIVE_STATUSES + (BookingStatus.NO_SHOW,)).select_related(
            "room__center").order_by("start"):
        (ahead if booking.status in UPCOMING_STATUSES and booking.start > now + CANCEL_CUTOFF else past).append(booking)
    return SeriesDates(past=past, ahead=ahead)


def _reason(exc):
    if isinstance(exc, ConflictError):
        return str(exc.message)
    if isinstance(exc, ValidationError):
        return " ".join(str(m) for m in exc.messages)
    return str(exc)


def series_edit(*, actor, series, start_time, end_time, attendees=None, purpose=None, now=None):
    """Move every future occurrence of a series to new local times (and attendees, purpose) on its own date; past
    and imminent occurrences stay. Its resident or the center's staff. All or nothing: SeriesClash names every date
    that clashes with another booking, a block or a held waitlist offer, or falls outside the room's rules.
    Returns the moved bookings."""
    _require_signed_in(actor)
    now = now or timezone.now()
    if start_time is None or end_time is None or end_time <= start_time:
        raise ValidationError({"end": _("The end must come after the start.")})
    if attendees is not None and attendees < 1:
        raise ValidationError({"attendees": _("At least one person attends.")})

    def write():
        with transaction.atomic():
            locked = _own_series(actor, series)
            room = _lock_room(locked.room)
            bookings = list(locked.bookings.select_for_update(of=("self",)).filter(
                status__in=UPCOMING_STATUSES, start__gt=now + CANCEL_CUTOFF).order_by("start"))
            if not bookings:
                raise ValidationError({"series": [_("Nothing left in this series to change.")]})
            moving = {b.pk for b in bookings}
            problems, moves = [], []
            for booking in bookings:
                day = local(booking.start).date()
                start, end = at(day, start_time), at(day, end_time)
                people = attendees if attendees is not None else booking.attendees
                try:
                    _check_booking(actor=actor, room=room, start=start, end=end, attendees=people, now=now,
                                   check_limit=False)
                    if _overlapping(room, start, end).exclude(pk__in=moving).exists():
                        raise ConflictError(_("clashes with another booking."), code=BOOKING_CONFLICT)
                    _check_hold(room, start, end, actor=locked.resident, now=now)
                except (ValidationError, ConflictError) as exc:
                    problems.append((day, _reason(exc)))
                    continue
                moves.append((booking, start, end, people))
            if problems:
                raise SeriesClash(problems)
            # Two occurrences of one series never overlap each other (a week or a month apart), so moving them in
            # date order cannot trip the database's no-overlap rule on the series itself.
            for booking, start, end, people in moves:
                booking.start, booking.end, booking.attendees = start, end, people
                if purpose is not None:
                    booking.purpose = purpose.strip()[:200]
                booking._history_user = actor
                booking.save()
            return [b for b, *_rest in moves]

    return _guarded(write)

