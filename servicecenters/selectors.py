"""Reads of the booking side, cut to the acting user's scope.

resident: their own bookings; center staff: their own center's (and their own); district staff and
inspectors: everything. Centers and bookable rooms are public to every signed-in user.
"""

import datetime

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, Exists, F, Max, Min, OuterRef, Q, Sum
from django.db.models.functions import TruncWeek
from django.utils import timezone

from accounts.scopes import managed_centers_q
from core.masking import mask_phone

from .models import (
    Booking,
    BookingStatus,
    ClosedDay,
    OpeningHours,
    Room,
    RoomBlock,
    ServiceCenter,
    WaitlistEntry,
)
from .services import at, day_bounds, local, overlapping_q, rooms_visible_q


def center_list(*, user):
    """Every center, with its number of bookable rooms (public to every signed-in user)."""
    return ServiceCenter.objects.select_related("street").annotate(
        room_count=Count("rooms", filter=Q(rooms__bookable=True))
    )


def staff_center_list(*, user):
    """Centers whose staff side the user may look at (their own; district staff and inspectors: all)."""
    return ServiceCenter.objects.select_related("street").filter(managed_centers_q(user, read=True))


def room_list(*, user):
    """Bookable rooms for everyone signed in; staff also see their own center's unbookable rooms."""
    if not user.is_authenticated:
        return Room.objects.none()
    return Room.objects.filter(rooms_visible_q(user)).select_related("center")


def booking_list(*, user):
    """The resident's own bookings, and every booking of the centers whose staff side the user may look at."""
    if not user.is_authenticated:
        return Booking.objects.none()
    qs = Booking.objects.select_related("room__center", "resident")
    centers = managed_centers_q(user, prefix="room__center_", read=True)
    if not centers:
        return qs
    return qs.filter(Q(resident_id=user.pk) | centers)


def staff_booking_list(*, user, center_ids=None):
    """Bookings of the centers whose staff side the user may look at (not their own private ones)."""
    qs = Booking.objects.select_related("room__center", "resident", "resident__contact_preference").filter(
        managed_centers_q(user, prefix="room__center_", read=True)
    )
    if center_ids is not None:
        qs = qs.filter(room__center_id__in=center_ids)
    return qs


def staff_booking_search(bookings, text):
    """Staff's search among `bookings` (already cut to their centers): a booking code, or the booker's name."""
    text = " ".join((text or "").split())[:50]
    if not text:
        return bookings
    return bookings.filter(
        Q(code__iexact=text.replace(" ", "")) | Q(resident__first_name__icontains=text)
        | Q(resident__last_name__icontains=text) | Q(resident__username__iexact=text)
    )


def booker(booking):
    """What center staff see of the resident who booked: their name and their phone masked (138****5678).

    Nothing more: no username when a name is known, never the full number. The booking must come from
    staff_booking_list (the contact preference is fetched with it)."""
    user = booking.resident
    name = user.get_full_name().strip() or user.username
    try:
        phone = user.contact_preference.phone
    except ObjectDoesNotExist:
        phone = ""
    return name, mask_phone(phone)


#: When a center's opening hours say nothing: the hours the search offers.
DEFAULT_FIRST_HOUR, DEFAULT_LAST_END = datetime.time(9, 0), datetime.time(21, 0)


def next_search_slot(*, now=None):
    """The search's default: the next whole hour still bookable (local time), one hour long.

    Bookable hours are those some center is open on that weekday; after the last one of the day (or on a day
    every center is closed) the first hour of the next open day. One query."""
    now = timezone.localtime(now or timezone.now())
    hours = {
        row["weekday"]: (row["first"], row["last"])
        for row in OpeningHours.objects.order_by().values("weekday").annotate(first=Min("opens"), last=Max("closes"))
    }
    day = now.date()
    earliest = (now + datetime.timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
    for offset in range(8):
        candidate = day + datetime.timedelta(days=offset)
        first, last = hours.get(candidate.weekday(), (None, None)) if hours else (DEFAULT_FIRST_HOUR, DEFAULT_LAST_END)
        if first is None:
            continue
        start = datetime.datetime.combine(candidate, first).replace(minute=0)
        if first.minute:
            start += datetime.timedelta(hours=1)
        if offset == 0:
            start = max(start, earliest.replace(tzinfo=None))
            if start.date() != candidate:
                continue
        end = start + datetime.timedelta(hours=1)
        if end.time() <= last and end.date() == candidate:
            return candidate, start.time(), end.time()
    tomorrow = day + datetime.timedelta(days=1)
    return tomorrow, DEFAULT_FIRST_HOUR, datetime.time(DEFAULT_FIRST_HOUR.hour + 1)


def waitlist_for(*, user):
    return WaitlistEntry.objects.filter(resident_id=user.pk).select_related("room__center")


#: The free-room search's order: the smallest room that fits first, a center's rooms together. It is the order of
#: the partial index room_free_search (bookable rooms), so the search walks that index from `people` up and stops
#: after the page it needs, checking only those rooms' bookings.
FREE_ROOM_ORDER = ("capacity", "center_id", "id")


def free_rooms(*, user, day, start_time, end_time, people=1, kind=None, center=None):
    """Rooms free on `day` (local) from `start_time` to `end_time` for `people`: one query over all centers, in
    FREE_ROOM_ORDER (slice it: it reads rooms only until the slice is full).

    A time already begun is never offered: no room is free in the past."""
    start, end = at(day, start_time), at(day, end_time)
    if start < timezone.now():
        return Room.objects.none()
    taken = Booking.objects.filter(overlapping_q(start, end), room=OuterRef("pk"))
    blocked = RoomBlock.objects.filter(room=OuterRef("pk"), start__lt=end, end__gt=start)
    open_then = OpeningHours.objects.filter(
        center=OuterRef("center_id"), weekday=day.weekday(), opens__lte=start_time, closes__gte=end_time
    )
    closed = ClosedDay.objects.filter(center=OuterRef("center_id"), date=day)
    qs = (
        Room.objects.filter(bookable=True, capacity__gte=people)
        .filter(Exists(open_then))
        .exclude(Exists(closed))
        .exclude(Exists(taken))
        .exclude(Exists(blocked))
        .select_related("center")
        .order_by(*FREE_ROOM_ORDER)
    )
    if kind:
        qs = qs.filter(kind=kind)
    if center:
        qs = qs.filter(center_id=center)
    return qs


def free_room_alternatives(*, user, day, start_time, end_time, people=1, kind=None, center=None, limit=5):
    """When nothing fits: the same length an hour or two earlier or later that day, or the same time the
    next two days. Returns [(day, start_time, end_time, [rooms])], at most `limit` rooms each."""
    length = datetime.datetime.combine(day, end_time) - datetime.datetime.combine(day, start_time)
    options = []
    for shift_hours in (-1, 1, -2, 2):
        s = datetime.datetime.combine(day, start_time) + datetime.timedelta(hours=shift_hours)
        e = s + length
        if s.date() == day and e.date() == day:
            options.append((day, s.time(), e.time()))
    for days in (1, 2):
        options.append((day + datetime.timedelta(days=days), start_time, end_time))
    now = timezone.now()
    found = []
    for d, s, e in options:
        if at(d, s) < now:
            continue
        rooms = list(free_rooms(user=user, day=d, start_time=s, end_time=e, people=people, kind=kind,
                                center=center)[:limit])
        if rooms:
            found.append((d, s, e, rooms))
        if len(found) >= 3:
            break
    return found


def room_day(*, room, day):
    """The opening hours, the busy intervals (bookings and blocks) and hourly slots of a room on a local day."""
    hours = None
    closed = ClosedDay.objects.filter(center_id=room.center_id, date=day).first()
    if closed is None:
        hours = OpeningHours.objects.filter(center_id=room.center_id, weekday=day.weekday()).first()
    start, end = day_bounds(day)
    busy = list(
        Booking.objects.filter(overlapping_q(start, end), room=room).values_list("start", "end")
    ) + list(RoomBlock.objects.filter(room=room, start__lt=end, end__gt=start).values_list("start", "end"))
    slots = []
    if hours is not None:
        now = timezone.now()
        t = at(day, hours.opens)
        close = at(day, hours.closes)
        while t < close:
            t2 = min(t + datetime.timedelta(minutes=60), close)
            taken = any(s < t2 and e > t for s, e in busy)
            slots.append({"start": local(t), "end": local(t2), "taken": taken, "past": t < now})
            t = t2
    return {"hours": hours, "closed": closed, "slots": slots}


def room_week(*, room, first_day):
    """Seven days from `first_day`: per day the number of free and taken hourly slots (2 + 2 queries)."""
    days = [first_day + datetime.timedelta(days=i) for i in range(7)]
    hours = {h.weekday: h for h in OpeningHours.objects.filter(center_id=room.center_id)}
    closed = set(ClosedDay.objects.filter(center_id=room.center_id, date__in=days).values_list("date", flat=True))
    start, _ = day_bounds(days[0])
    _, end = day_bounds(days[-1])
    busy = list(
        Booking.objects.filter(overlapping_q(start, end), room=room).values_list("start", "end")
    ) + list(RoomBlock.objects.filter(room=room, start__lt=end, end__gt=start).values_list("start", "end"))
    now = timezone.now()
    week = []
    for d in days:
        h = None if d in closed else hours.get(d.weekday())
        cells = []
        if h is not None:
            t, close = at(d, h.opens), at(d, h.closes)
            while t < close:
                t2 = min(t + datetime.timedelta(hours=1), close)
                cells.append("past" if t2 <= now else ("taken" if any(s < t2 and e > t for s, e in busy) else "free"))
                t = t2
        week.append({"day": d, "open": h is not None, "cells": cells, "free": cells.count("free")})
    return week


def occupancy(*, user, center_ids, first_week, weeks=8):
    """Booked hours over open hours per center, room kind and week (Monday-based, local time).

    Returns {"weeks": [date…], "kinds": {kind: [percent per week]}}; one aggregate query for the bookings,
    one for the rooms and one for the opening hours.
    """
    week_starts = [first_week + datetime.timedelta(weeks=i) for i in range(weeks)]
    start, _ = day_bounds(week_starts[0])
    _, end = day_bounds(week_starts[-1] + datetime.timedelta(days=6))
    tz = timezone.get_current_timezone()
    rows = (
        Booking.objects.filter(
            room__center_id__in=center_ids, start__gte=start, start__lt=end,
            status__in=[BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN, BookingStatus.COMPLETED],
        )
        .annotate(week=TruncWeek("start", tzinfo=tz))
        .values("room__kind", "week")
        .annotate(booked=Sum(F("end") - F("start")))
    )
    rooms_per_kind = {}
    for kind, center_id in Room.objects.filter(center_id__in=center_ids, bookable=True).values_list(
        "kind", "center_id"
    ):
        rooms_per_kind.setdefault(kind, []).append(center_id)
    open_hours = {}
    for center_id, opens, closes in OpeningHours.objects.filter(center_id__in=center_ids).values_list(
        "center_id", "opens", "closes"
    ):
        length = datetime.datetime.combine(datetime.date.min, closes) - datetime.datetime.combine(
            datetime.date.min, opens
        )
        open_hours[center_id] = open_hours.get(center_id, 0) + length.total_seconds() / 3600
    booked = {}
    for row in rows:
        week = row["week"].date() if isinstance(row["week"], datetime.datetime) else row["week"]
        value = row["booked"]
        hours = value.total_seconds() / 3600 if isinstance(value, datetime.timedelta) else (value or 0) / 3.6e9
        booked[(row["room__kind"], week)] = hours
    kinds = {}
    for kind, centers in sorted(rooms_per_kind.items()):
        capacity = sum(open_hours.get(c, 0) for c in centers)
        kinds[kind] = [
            round(100 * booked.get((kind, w), 0) / capacity, 1) if capacity else 0 for w in week_starts
        ]
    return {"weeks": week_starts, "kinds": kinds}
