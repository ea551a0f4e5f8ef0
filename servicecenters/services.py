"""Writes of the booking side. Keyword-only, atomic, checking the actor's rights.

No overlap: every write that takes room time locks the room row first (SELECT … FOR UPDATE), so that
concurrent requests for one room queue instead of deadlocking; then checks; then inserts. PostgreSQL's
exclusion constraint `booking_no_overlap` is the backstop: a lost race (23P01, or a deadlock 40P01 after
one retry) becomes ConflictError(code="booking_conflict"), answered 409, and sends nothing, because
messages go out only after commit.
"""

import datetime
import functools
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import Count, Exists, Func, IntegerField, OuterRef, Q, Subquery, TextField, Value
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from accounts.scopes import managed_centers_q, manages_center
from core import prepared
from core.dates import date_errors
from core.errors import ConflictError, PermissionDenied, ValidationError
from core.inserts import insert_with_history
from inbox.services import UNREAD, message_send, preference_columns, preference_from, preference_sql

from .models import (
    ACTIVE_STATUSES,
    MAX_BOOKING_LENGTH,
    UPCOMING_STATUSES,
    Booking,
    BookingSeries,
    BookingStatus,
    CalendarFeed,
    ClosedDay,
    OpeningHours,
    Room,
    RoomBlock,
    ServiceCenter,
    WaitlistEntry,
)

log = logging.getLogger(__name__)

BOOKING_CONFLICT = "booking_conflict"
#: How many upcoming (pending or confirmed) bookings one resident may hold at once.
MAX_ACTIVE_PER_RESIDENT = getattr(settings, "SERVICECENTERS_MAX_ACTIVE_BOOKINGS", 10)
#: A resident may cancel up to this long before the start.
CANCEL_CUTOFF = datetime.timedelta(hours=getattr(settings, "SERVICECENTERS_CANCEL_CUTOFF_HOURS", 2))
#: Staff may release a booking not checked in this long after its start.
RELEASE_GRACE = datetime.timedelta(minutes=getattr(settings, "SERVICECENTERS_RELEASE_GRACE_MINUTES", 15))
MAX_SERIES_WEEKS = 26
MAX_SERIES_MONTHS = 12
#: A freed slot offered to the first on the waitlist is held for them this long.
WAITLIST_HOLD = datetime.timedelta(minutes=getattr(settings, "SERVICECENTERS_WAITLIST_HOLD_MINUTES", 30))
#: Self check-in by the room's QR code opens this long before the start (and closes at the release grace).
SELF_CHECK_IN_EARLY = datetime.timedelta(minutes=15)
#: This many no-shows within NO_SHOW_WINDOW stop new bookings for NO_SHOW_PAUSE after the last one.
NO_SHOW_LIMIT = 3
NO_SHOW_WINDOW = datetime.timedelta(days=30)
NO_SHOW_PAUSE = datetime.timedelta(days=14)
CHECK_IN_SALT = "servicecenters.room-check-in"

CONFLICT_MESSAGE = gettext_lazy("This room is already booked at that time.")


# --- who may do what ---------------------------------------------------------------------------


def _require_staff(actor, booking_or_room):
    center_id = booking_or_room.room.center_id if isinstance(booking_or_room, Booking) else booking_or_room.center_id
    if not manages_center(actor, center_id):
        raise PermissionDenied(_("Only this center's staff may do that."))


def _require_signed_in(actor):
    if actor is None or not actor.is_authenticated or not actor.is_active:
        raise PermissionDenied(_("Sign in first."))


def rooms_visible_q(user):
    """The rooms a signed-in user sees and may name in a request, as a Q on Room: every bookable room, and the
    staff's own centers' unbookable ones too (the one rule for room_list and the booking writes)."""
    centers = managed_centers_q(user, prefix="center_", read=True)
    return Q(bookable=True) | centers if centers else Q()


def _no_such_room():
    return ValidationError({"room": [_("There is no such room to book.")]})


# --- time helpers ------------------------------------------------------------------------------


def local(dt):
    return timezone.localtime(dt)


def day_bounds(day):
    """The UTC-aware start and end of a local (Asia/Shanghai) calendar day."""
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=tz)
    return start, start + datetime.timedelta(days=1)


def at(day, time):
    return datetime.datetime.combine(day, time, tzinfo=timezone.get_current_timezone())


# --- checks ------------------------------------------------------------------------------------


def _check_range(start, end):
    """Refuse times whose day lies outside core.dates' range (0001-01-01 or 9999-12-31 would overflow the
    arithmetic below) before anything else looks at them."""
    errors = date_errors(start=start, end=end)
    if errors:
        raise ValidationError(errors)


def _check_shape(start, end):
    """The times themselves: both given, within the calendar, with a time zone, the end after the start."""
    if start is None or end is None:
        raise ValidationError({"start": _("Give a start and an end.")})
    _check_range(start, end)
    if timezone.is_naive(start) or timezone.is_naive(end):
        raise ValidationError({"start": _("Give times with a time zone offset.")})
    if end <= start:
        raise ValidationError({"end": _("The end must come after the start.")})


def _booking_errors(*, room, start, end, attendees, now, closed, hours):
    """The field errors of a booking of `room` that do not depend on other bookings, given whether the center is
    closed that day (`closed`) and its opening hours that weekday (`hours`: (opens, closes) or None). Pure: the
    caller read `closed` and `hours` in whatever statement suits it."""
    _check_shape(start, end)
    if not room.bookable:
        raise ValidationError({"room": _("This room cannot be booked.")})
    if start < now:
        raise ValidationError({"start": _("This time is in the past.")})
    errors = {}
    minutes = (end - start).total_seconds() / 60
    if minutes < room.min_minutes:
        errors["end"] = _("Too short: this room is booked for at least %(n)d minutes.") % {"n": room.min_minutes}
    elif minutes > room.max_minutes:
        errors["end"] = _("Too long: this room is booked for at most %(n)d minutes.") % {"n": room.max_minutes}
    if attendees is None or attendees < 1:
        errors["attendees"] = _("At least one person attends.")
    elif attendees > room.capacity:
        errors["attendees"] = _("Too many people: this room holds %(n)d.") % {"n": room.capacity}
    ls, le = local(start), local(end)
    today = local(now).date()
    if (ls.date() - today).days > room.max_days_ahead:
        errors["start"] = _("Too far ahead: this room is booked at most %(n)d days ahead.") % {
            "n": room.max_days_ahead
        }
    elif closed:
        errors["start"] = _("The center is closed on %(day)s.") % {"day": ls.date().isoformat()}
    elif hours is None:
        errors["start"] = _("The center is closed on that day of the week.")
    elif le.date() != ls.date() or ls.time() < hours[0] or le.time() > hours[1]:
        errors["start"] = _("Outside opening hours: the center is open %(opens)s–%(closes)s that day.") % {
            "opens": hours[0].strftime("%H:%M"), "closes": hours[1].strftime("%H:%M"),
        }
    return errors


def _limit_error():
    return ValidationError({"non_field_errors": [
        _("You already hold %(n)d upcoming bookings, the most one resident may hold.") % {
            "n": MAX_ACTIVE_PER_RESIDENT}
    ]})


def upcoming_count(resident, *, now):
    """How many upcoming (pending or confirmed, not yet ended) bookings the resident holds: read through the
    partial index booking_resident_upcoming, not the resident's whole history."""
    return Booking.objects.filter(resident=resident, status__in=UPCOMING_STATUSES, end__gt=now).count()


def _check_booking(*, actor, room, start, end, attendees, now, check_limit=True, extra_upcoming=0):
    """Every reason a booking cannot be made, except a clash; raises ValidationError with field errors."""
    _check_shape(start, end)
    ls = local(start)
    if not room.bookable or start < now:
        closed, hours = False, None  # refused before the day is looked at
    else:
        closed = ClosedDay.objects.filter(center_id=room.center_id, date=ls.date()).exists()
        hours = OpeningHours.objects.filter(
            center_id=room.center_id, weekday=ls.weekday()).values_list("opens", "closes").first()
    errors = _booking_errors(room=room, start=start, end=end, attendees=attendees, now=now, closed=closed,
                             hours=hours)
    if errors:
        raise ValidationError(errors)
    _check_block(room, start, end)
    if check_limit and upcoming_count(actor, now=now) + extra_upcoming >= MAX_ACTIVE_PER_RESIDENT:
        raise _limit_error()


def overlapping_q(start, end):
    """Bookings overlapping [start, end): `start > start - MAX_BOOKING_LENGTH` bounds the index scan."""
    return Q(start__lt=end, end__gt=start, start__gt=start - MAX_BOOKING_LENGTH, status__in=ACTIVE_STATUSES)


def _check_block(room, start, end):
    if RoomBlock.objects.filter(room=room, start__lt=end, end__gt=start).exists():
        raise ValidationError({"start": _("The room is closed for maintenance at that time.")})


def _overlapping(room, start, end):
    return Booking.objects.filter(overlapping_q(start, end), room=room)


#: The first key of the per-resident advisory locks (pg_advisory_xact_lock(int, int)): booking writes that count a
#: resident's upcoming bookings hold it, so two requests of one resident for different rooms queue too.
RESIDENT_LOCK_SPACE = 0x5C0B


def _lock_room(room, *, resident=None, day=None, free=None):
    """The room (a Room or its id), locked (SELECT … FOR UPDATE) with its center, in one statement; with
    `resident`, the resident's booking lock too (PostgreSQL advisory lock until the transaction ends), so that their
    limit of upcoming bookings is checked under the same statement's locks as the slot; with `day` (local date), the
    center's opening hours that weekday (opens_that_day, closes_that_day) and whether it is closed that day
    (closed_that_day); with `free` (start, end), only if no booking committed before the statement began holds
    that time: a slot already taken answers Room.DoesNotExist at once instead of queueing for the lock (the rows
    a statement filters out are never locked), so that a crowd for one slot does not wait in line to be refused.

    On PostgreSQL the statement is written out (_lock_room_sql): built by the ORM it cost more Python per booking
    than the database spent running it."""
    if connection.vendor == "postgresql":
        return _lock_room_sql(_room_id(room), resident=resident, day=day, free=free)
    return _lock_room_orm(_room_id(room), resident=resident, day=day, free=free)


def _lock_room_orm(room_id, *, resident=None, day=None, free=None):
    """_lock_room built by the ORM (other databases; tests/servicecenters/test_lean_booking.py holds the two forms
    to the same answers)."""
    qs = Room.objects.select_for_update(of=("self",)).select_related("center").filter(pk=room_id)
    if free is not None:
        qs = qs.exclude(Exists(Booking.objects.filter(overlapping_q(*free), room=OuterRef("pk"))))
    if day is not None:
        hours = OpeningHours.objects.filter(center=OuterRef("center_id"), weekday=day.weekday())
        qs = qs.annotate(
            closed_that_day=Exists(ClosedDay.objects.filter(center=OuterRef("center_id"), date=day)),
            opens_that_day=Subquery(hours.values("opens")[:1]),
            closes_that_day=Subquery(hours.values("closes")[:1]),
        )
    if resident is not None and connection.vendor == "postgresql":
        qs = qs.annotate(resident_locked=Func(
            Value(RESIDENT_LOCK_SPACE), Value(resident.pk, output_field=IntegerField()),
            function="pg_advisory_xact_lock", output_field=TextField()))
    return qs.get()


def _table(model):
    return connection.ops.quote_name(model._meta.db_table)


def _columns(model, alias):
    return [f"{alias}.{connection.ops.quote_name(f.column)}" for f in model._meta.concrete_fields]


@functools.cache
def _reader(model, vendor):
    """(attnames, [(column, converters)]) of `model`'s concrete fields: what the ORM converts a raw row with."""
    fields = model._meta.concrete_fields
    columns = []
    for f in fields:
        col = f.get_col(model._meta.db_table)
        columns.append((col, connection.ops.get_db_converters(col) + f.get_db_converters(connection)))
    return [f.attname for f in fields], columns


def _instance(model, values):
    """A model instance from its concrete columns' raw values, converted as the ORM converts them."""
    attnames, columns = _reader(model, connection.vendor)
    converted = []
    for (col, converters), value in zip(columns, values):
        for converter in converters:
            value = converter(value, col, connection)
        converted.append(value)
    return model.from_db(connection.alias, attnames, converted)


def _statuses(statuses):
    return [str(s) for s in statuses]


#: A booking overlapping [%(start)s, %(end)s) of room `{room}` (overlapping_q written out; %(since)s is
#: start - MAX_BOOKING_LENGTH, which bounds the scan of booking_room_start).
_OVERLAP_SQL = (
    "SELECT 1 FROM {booking} b WHERE b.room_id = {room} AND b.status = ANY(%(active)s) AND b.start < %(end)s"
    ' AND b."end" > %(start)s AND b.start > %(since)s'
)


def _overlap_params(start, end):
    return {"active": _statuses(ACTIVE_STATUSES), "start": start, "end": end, "since": start - MAX_BOOKING_LENGTH}


@functools.cache
def _lock_room_statement(free, day, resident):
    """(name, SQL, room columns, center columns) of _lock_room_sql for the parts asked for (built and named once
    each)."""
    room_cols, center_cols = _columns(Room, "r"), _columns(ServiceCenter, "c")
    select, where = room_cols + center_cols, ["r.id = %(room)s"]
    if free:
        where.append("NOT EXISTS (" + _OVERLAP_SQL.format(booking=_table(Booking), room="r.id") + ")")
    if day:
        hours = f"FROM {_table(OpeningHours)} h WHERE h.center_id = r.center_id AND h.weekday = %(weekday)s LIMIT 1"
        select += [
            f"EXISTS (SELECT 1 FROM {_table(ClosedDay)} d WHERE d.center_id = r.center_id AND d.date = %(day)s)",
            f"(SELECT h.opens {hours})", f"(SELECT h.closes {hours})",
        ]
    if resident:
        select.append("pg_advisory_xact_lock(%(space)s, %(resident)s)")
    sql = (f"SELECT {', '.join(select)} FROM {_table(Room)} r JOIN {_table(ServiceCenter)} c"
           f" ON c.id = r.center_id WHERE {' AND '.join(where)} FOR UPDATE OF r")
    name = "booking_lock_room_" + "".join(flag for flag, asked in zip("fdr", (free, day, resident)) if asked)
    return name, sql, len(room_cols), len(center_cols)


def _lock_room_sql(room_id, *, resident=None, day=None, free=None):
    """_lock_room on PostgreSQL, the same statement written out (built once, instead of the ORM's build)."""
    name, sql, n_room, n_center = _lock_room_statement(free is not None, day is not None, resident is not None)
    params = {"room": room_id}
    if free is not None:
        params.update(_overlap_params(*free))
    if day is not None:
        params.update(day=day, weekday=day.weekday())
    if resident is not None:
        params.update(space=RESIDENT_LOCK_SPACE, resident=resident.pk)
    with connection.cursor() as cursor:
        prepared.execute(cursor, name, sql, params)
        row = cursor.fetchone()
    if row is None:
        raise Room.DoesNotExist("Room matching query does not exist.")
    n, m = n_room, n_room + n_center
    room = _instance(Room, row[:n])
    room.center = _instance(ServiceCenter, row[n:m])
    if day is not None:
        room.closed_that_day, room.opens_that_day, room.closes_that_day = row[m:m + 3]
    return room


def _room_id(room):
    """The id of `room`, given as a Room or as the id a request named (an int)."""
    return room.pk if isinstance(room, Room) else room


def _may_name(actor, room_id):
    """Whether the actor may name this unbookable room (rooms_visible_q): read only when a booking is refused."""
    return Room.objects.filter(rooms_visible_q(actor), pk=room_id).exists()


def _unbookable(actor, room_id):
    """The refusal of an unbookable room: a field error on "room", saying it cannot be booked to those who may
    see it (its center's staff), and that there is no such room to the others."""
    if _may_name(actor, room_id):
        return ValidationError({"room": _("This room cannot be booked.")})
    return _no_such_room()


def _lock_named_room(room, *, actor, **kwargs):
    """_lock_room for a room the actor named in a request. A room that does not exist, or that they may not name
    (an unbookable room of a center they do not run), is a field error on "room" (ValidationError), the same for
    both; Room.DoesNotExist stays for a bookable room whose slot `free` refused. The actor's scope is read only
    for an unbookable room: a bookable one, every room the booking goes on with, needs none."""
    try:
        locked = _lock_room(room, **kwargs)
    except Room.DoesNotExist:
        bookable = None if kwargs.get("free") is None else Room.objects.filter(pk=_room_id(room)).values_list(
            "bookable", flat=True).first()
        if bookable is None:
            raise _no_such_room() from None
        if not bookable:
            raise _unbookable(actor, _room_id(room)) from None
        raise
    if not locked.bookable:
        raise _unbookable(actor, locked.pk)
    return locked


def _is_exclusion_violation(exc):
    cause = getattr(exc, "__cause__", None)
    code = getattr(cause, "pgcode", None) or getattr(cause, "sqlstate", None)
    return code == "23P01"


def _is_deadlock(exc):
    cause = getattr(exc, "__cause__", None)
    code = getattr(cause, "pgcode", None) or getattr(cause, "sqlstate", None)
    return code == "40P01"


def _is_code_collision(exc):
    """The random booking code drawn for a new booking is already taken (one chance in about 10^6 per booking once a
    million bookings exist): drawing again is the whole remedy."""
    cause = getattr(exc, "__cause__", None)
    diag = getattr(cause, "diag", None)
    name = getattr(diag, "constraint_name", None) or ""
    if name:
        return name == "booking_code_unique"
    return f"{Booking._meta.db_table}.code" in str(exc)  # SQLite names the column, not the constraint


#: How many times a write is run again when its booking code was already taken.
CODE_ATTEMPTS = 3


def _guarded(write):
    """Run `write()` (an atomic block taking room time); lost races become ConflictError, deadlocks retry once, a
    booking code drawn twice is drawn again."""
    for attempt in range(1, CODE_ATTEMPTS + 1):
        try:
            return write()
        except IntegrityError as exc:
            if _is_exclusion_violation(exc):
                raise ConflictError(str(CONFLICT_MESSAGE), code=BOOKING_CONFLICT) from exc
            if _is_code_collision(exc) and attempt < CODE_ATTEMPTS:
                continue
            raise
        except OperationalError as exc:
            if _is_deadlock(exc):
                if attempt == 1:
                    continue
                raise ConflictError(str(CONFLICT_MESSAGE), code=BOOKING_CONFLICT) from exc
            raise


# --- notifications (after commit only) ---------------------------------------------------------


def _notify(booking, event):
    """Queue the message for `event` on commit: a rolled-back write sends nothing."""
    transaction.on_commit(lambda: send_booking_message(booking_id=booking.pk, event=event))


def _fmt(booking):
    ls, le = local(booking.start), local(booking.end)
    return f"{ls:%Y-%m-%d %H:%M}–{le:%H:%M}"


def send_booking_message(*, booking_id, event):
    """The inbox message (and email) about one booking event; idempotent by key."""
    booking_message(Booking.objects.select_related("room__center", "resident").get(pk=booking_id), event)


#: The subject of the message about each booking event (translated when sent).
BOOKING_SUBJECTS = {
    "confirmed": gettext_noop("Booking confirmed: %(what)s"),
    "pending": gettext_noop("Booking received, waiting for approval: %(what)s"),
    "rejected": gettext_noop("Booking rejected: %(what)s"),
    "staff_cancelled": gettext_noop("Booking cancelled by the center: %(what)s"),
    "reminder": gettext_noop("Reminder, tomorrow: %(what)s"),
}


def booking_message(booking, event, *, fresh=False, preference=UNREAD):
    """The inbox message (and email) about one booking event, for a booking loaded with its room, center and
    resident; idempotent by key. `fresh`: the booking was made in the current transaction, so its message cannot
    exist yet (written without a savepoint, see inbox.services.message_send); `preference`: the resident's contact
    preference when the caller read it already (inbox.services.preference_from)."""
    what = f"{booking.room.center.name} · {booking.room.name} · {_fmt(booking)}"
    body = booking.reason or ""
    message_send(
        recipient=booking.resident, kind=f"booking_{event}", key=f"booking:{booking.pk}:{event}",
        subject=_(BOOKING_SUBJECTS[event]) % {"what": what}, body=body, url=reverse("sc:my_bookings"),
        email=event != "pending", sms_params=[f"{booking.room.name} {local(booking.start):%m-%d %H:%M}"],
        fresh=fresh, preference=preference,
    )


# --- bookings ----------------------------------------------------------------------------------


def booking_create(*, actor, room, start, end, attendees, purpose="", now=None, waitlist_entry=None):
    """Book `room` for the actor. ValidationError (400) if it cannot be made, ConflictError (409) if taken.

    Three statements: the room and the resident locked (with the center's hours and closed day that date; a slot
    already taken is refused by that statement without waiting for the lock), every
    check that depends on other rows in one read taken under those locks (the slot, a maintenance block, a
    waitlist hold, the resident's upcoming bookings and recent no-shows), the booking with its history row
    (core.inserts.insert_with_history); then the message, written in the same transaction from the rows already
    in hand (see booking_message)."""
    _require_signed_in(actor)
    now = now or timezone.now()
    _check_shape(start, end)

    def write():
        with transaction.atomic():
            try:
                locked = _lock_named_room(room, actor=actor, resident=actor, day=local(start).date(),
                                          free=(start, end))
            except Room.DoesNotExist:
                raise ConflictError(str(CONFLICT_MESSAGE), code=BOOKING_CONFLICT) from None
            facts = _slot_facts(locked, actor, start, end, now=now)
            if facts["taken"]:
                raise ConflictError(str(CONFLICT_MESSAGE), code=BOOKING_CONFLICT)
            hours = None if locked.opens_that_day is None else (locked.opens_that_day, locked.closes_that_day)
            errors = _booking_errors(room=locked, start=start, end=end, attendees=attendees, now=now,
                                     closed=locked.closed_that_day, hours=hours)
            if errors:
                raise ValidationError(errors)
            if facts["blocked"]:
                raise ValidationError({"start": _("The room is closed for maintenance at that time.")})
            if (facts["upcoming"] or 0) >= MAX_ACTIVE_PER_RESIDENT:
                raise _limit_error()
            _raise_no_show_pause(_pause_until(facts["last_no_show"], facts["limit_no_show"], now))
            if facts["held_until"] is not None:
                raise _held_error(facts["held_until"])
            status = BookingStatus.PENDING if locked.needs_approval else BookingStatus.CONFIRMED
            booking = Booking(
                room=locked, resident=actor, start=start, end=end, attendees=attendees,
                purpose=(purpose or "")[:200], status=status,
            )
            insert_with_history(booking, user=actor)
            if facts["waiting"]:
                WaitlistEntry.objects.filter(
                    room=locked, resident=actor, start__lt=end, end__gt=start,
                    status__in=[WaitlistEntry.Status.WAITING, WaitlistEntry.Status.OFFERED],
                ).update(status=WaitlistEntry.Status.BOOKED)
            booking_message(booking, "pending" if status == BookingStatus.PENDING else "confirmed", fresh=True,
                            preference=preference_from(facts, actor.pk))
            return booking

    return _guarded(write)


def _slot_facts(room, resident, start, end, *, now):
    """Everything about [start, end) of a locked room and its resident that other transactions change, in one
    statement (read after the locks are taken, so it sees every booking committed before); with the resident's
    contact preference, which the booking's message needs (preference_from). On PostgreSQL the statement is
    written out (_slot_facts_sql)."""
    if connection.vendor == "postgresql":
        return _slot_facts_sql(room, resident, start, end, now=now)
    return _slot_facts_orm(room, resident, start, end, now=now)


def _slot_facts_orm(room, resident, start, end, *, now):
    """_slot_facts built by the ORM (other databases; the test holds the two forms to the same answers)."""
    waiting_statuses = [WaitlistEntry.Status.WAITING, WaitlistEntry.Status.OFFERED]
    held = WaitlistEntry.objects.filter(
        room=OuterRef("pk"), status=WaitlistEntry.Status.OFFERED, hold_until__gt=now, start__lt=end, end__gt=start,
    ).exclude(resident=resident).order_by("hold_until").values("hold_until")[:1]
    upcoming = Booking.objects.filter(resident=resident, status__in=UPCOMING_STATUSES, end__gt=now).order_by(
    ).values("resident").annotate(n=Count("pk")).values("n")
    no_shows = Booking.objects.filter(
        resident=resident, status=BookingStatus.NO_SHOW, start__gte=now - NO_SHOW_WINDOW, start__lt=now,
    ).order_by("-start").values("start")
    return Room.objects.filter(pk=room.pk).annotate(
        **preference_columns(resident.pk),
        taken=Exists(Booking.objects.filter(overlapping_q(start, end), room=OuterRef("pk"))),
        blocked=Exists(RoomBlock.objects.filter(room=OuterRef("pk"), start__lt=end, end__gt=start)),
        held_until=Subquery(held),
        upcoming=Subquery(upcoming),
        last_no_show=Subquery(no_shows[:1]),
        limit_no_show=Subquery(no_shows[NO_SHOW_LIMIT - 1:NO_SHOW_LIMIT]),
        waiting=Exists(WaitlistEntry.objects.filter(
            room=OuterRef("pk"), resident=resident, start__lt=end, end__gt=start, status__in=waiting_statuses)),
    ).values("taken", "blocked", "held_until", "upcoming", "last_no_show", "limit_no_show", "waiting",
             *preference_columns(resident.pk)).get()


def _slot_facts_sql(room, resident, start, end, *, now):
    """_slot_facts on PostgreSQL, the same statement written out (built once)."""
    sql, names = _slot_facts_statement()
    params = {
        **_overlap_params(start, end), "room": room.pk, "resident": resident.pk, "now": now,
        "no_show": str(BookingStatus.NO_SHOW), "window": now - NO_SHOW_WINDOW,
        "offered": str(WaitlistEntry.Status.OFFERED), "upcoming": _statuses(UPCOMING_STATUSES),
        "waiting": _statuses([WaitlistEntry.Status.WAITING, WaitlistEntry.Status.OFFERED]),
    }
    with connection.cursor() as cursor:
        prepared.execute(cursor, "booking_slot_facts", sql, params)
        return dict(zip(names, cursor.fetchone()))


@functools.cache
def _slot_facts_statement():
    """(SQL, column names) of _slot_facts_sql."""
    booking, waitlist = _table(Booking), _table(WaitlistEntry)
    no_shows = (f"SELECT n.start FROM {booking} n WHERE n.resident_id = %(resident)s AND n.status = %(no_show)s"
                " AND n.start >= %(window)s AND n.start < %(now)s ORDER BY n.start DESC LIMIT 1")
    overlapping = "w.room_id = %(room)s AND w.start < %(end)s AND w.\"end\" > %(start)s"
    columns = {
        "taken": "EXISTS (" + _OVERLAP_SQL.format(booking=booking, room="%(room)s") + ")",
        "blocked": f"EXISTS (SELECT 1 FROM {_table(RoomBlock)} k WHERE k.room_id = %(room)s AND k.start < %(end)s"
                   ' AND k."end" > %(start)s)',
        "held_until": f"(SELECT w.hold_until FROM {waitlist} w WHERE {overlapping} AND w.status = %(offered)s"
                      " AND w.hold_until > %(now)s AND w.resident_id <> %(resident)s ORDER BY w.hold_until LIMIT 1)",
        "upcoming": f"(SELECT count(*) FROM {booking} u WHERE u.resident_id = %(resident)s"
                    ' AND u.status = ANY(%(upcoming)s) AND u."end" > %(now)s)',
        "last_no_show": f"({no_shows})",
        "limit_no_show": f"({no_shows} OFFSET {NO_SHOW_LIMIT - 1:d})",
        "waiting": f"EXISTS (SELECT 1 FROM {waitlist} w WHERE {overlapping} AND w.resident_id = %(resident)s"
                   " AND w.status = ANY(%(waiting)s))",
        **preference_sql("%(resident)s"),
    }
    return "SELECT " + ", ".join(f"{sql} AS {name}" for name, sql in columns.items()), list(columns)


def _series_day(first, index, frequency):
    """The local date of occurrence `index` of a series starting on `first`: a week or a month later each time
    (None when the month has no such day, e.g. the 31st of a short month)."""
    if frequency == BookingSeries.Frequency.MONTHLY:
        month0 = first.month - 1 + index
        try:
            return first.replace(year=first.year + month0 // 12, month=month0 % 12 + 1)
        except ValueError:
            return None
    return first + datetime.timedelta(weeks=index)


def booking_create_weekly(*, actor, room, start, end, attendees, purpose="", weeks, on_clash, now=None,
                          frequency=BookingSeries.Frequency.WEEKLY):
    """Book the same slot on `weeks` consecutive weeks (or, monthly, on the same day of `weeks` consecutive
    months), stored as one booking per date.

    A date that clashes (taken, closed, blocked, or missing from a short month) is skipped with on_clash="skip",
    or refuses the whole series (ConflictError, nothing booked) with on_clash="refuse". Returns (series, bookings,
    skipped dates).
    """
    _require_signed_in(actor)
    now = now or timezone.now()
    if frequency not in BookingSeries.Frequency.values:
        raise ValidationError({"frequency": _("Repeat weekly or monthly.")})
    most = MAX_SERIES_MONTHS if frequency == BookingSeries.Frequency.MONTHLY else MAX_SERIES_WEEKS
    if not isinstance(weeks, int) or not 1 <= weeks <= most:
        raise ValidationError({"weeks": _("Choose 1 to %(n)d occurrences.") % {"n": most}})
    check_no_show_pause(actor=actor, now=now)
    if on_clash not in BookingSeries.OnClash.values:
        raise ValidationError({"on_clash": _("Choose to skip clashing dates or refuse the series.")})
    _check_range(start, end)
    if start is None or end is None or end <= start:
        raise ValidationError({"end": _("The end must come after the start.")})
    ls, le = local(start), local(end)

    def write():
        with transaction.atomic():
            locked = _lock_named_room(room, actor=actor, resident=actor)
            # The first date must be valid in itself: it says what the series is.
            _check_booking(actor=actor, room=locked, start=start, end=end, attendees=attendees, now=now,
                           check_limit=False)
            planned, skipped, clashes = [], [], []
            for week in range(weeks):
                day = _series_day(ls.date(), week, frequency)
                if day is None:
                    clashes.append((_series_day(ls.date().replace(day=1), week, frequency), str(
                        _("The month has no such day."))))
                    continue
                s = at(day, ls.time())
                e = at(day + (le.date() - ls.date()), le.time())
                try:
                    _check_booking(actor=actor, room=locked, start=s, end=e, attendees=attendees, now=now,
                                   check_limit=False)
                except ValidationError as exc:
                    if week == 0:
                        raise
                    clashes.append((day, "; ".join(exc.messages)))
                    continue
                if _overlapping(locked, s, e).exists():
                    clashes.append((day, str(CONFLICT_MESSAGE)))
                    continue
                planned.append((s, e))
            if clashes and on_clash == BookingSeries.OnClash.REFUSE:
                raise ConflictError(
                    _("These dates clash, so nothing was booked: %(dates)s") % {
                        "dates": ", ".join(d.isoformat() for d, _reason in clashes)},
                    code=BOOKING_CONFLICT,
                )
            skipped = [d.isoformat() for d, _reason in clashes]
            if not planned:
                raise ConflictError(str(CONFLICT_MESSAGE), code=BOOKING_CONFLICT)
            upcoming = upcoming_count(actor, now=now)
            if upcoming + len(planned) > MAX_ACTIVE_PER_RESIDENT:
                raise ValidationError({"weeks": [
                    _("You already hold %(held)d upcoming bookings; with this series you would hold more than "
                      "%(n)d.") % {"held": upcoming, "n": MAX_ACTIVE_PER_RESIDENT}
                ]})
            series = BookingSeries.objects.create(
                room=locked, resident=actor, first_start=start, weeks=weeks, on_clash=on_clash, skipped=skipped,
                frequency=frequency,
            )
            status = BookingStatus.PENDING if locked.needs_approval else BookingStatus.CONFIRMED
            bookings = []
            for s, e in planned:
                booking = Booking(room=locked, resident=actor, start=s, end=e, attendees=attendees,
                                  purpose=(purpose or "")[:200], status=status, series=series)
                booking._history_user = actor
                booking.save()
                bookings.append(booking)
                _notify(booking, "pending" if status == BookingStatus.PENDING else "confirmed")
            return series, bookings, skipped

    return _guarded(write)


@dataclass(frozen=True)
class BookingRequest:
    """What booking_request made: one booking (series None), or a weekly series' bookings and skipped dates."""

    bookings: list
    series: BookingSeries | None = None
    skipped: list = field(default_factory=list)


def booking_request(*, actor, room, start, end, attendees, purpose="", weeks=1, on_clash=BookingSeries.OnClash.SKIP,
                    now=None, frequency=BookingSeries.Frequency.WEEKLY):
    """A resident's booking request, once (`weeks` 1: booking_create) or on `weeks` consecutive weeks
    (booking_create_weekly, clashing dates skipped or refusing the series as `on_clash` says). The one place that
    makes that choice for the phone pages and the API; raises as those two do. Returns a BookingRequest."""
    if weeks is not None and weeks > 1:
        series, bookings, skipped = booking_create_weekly(
            actor=actor, room=room, start=start, end=end, attendees=attendees, purpose=purpose, weeks=weeks,
            on_clash=on_clash, now=now, frequency=frequency,
        )
        return BookingRequest(bookings=bookings, series=series, skipped=skipped)
    booking = booking_create(actor=actor, room=room, start=start, end=end, attendees=attendees, purpose=purpose,
                             now=now)
    return BookingRequest(bookings=[booking])


def _set_status(booking, status, *, actor, reason=None, **fields):
    booking.status = status
    if reason is not None:
        booking.reason = reason[:200]
    for name, value in fields.items():
        setattr(booking, name, value)
    booking._history_user = actor
    booking.save()
    return booking


def _locked_booking(booking):
    Room.objects.select_for_update().filter(pk=booking.room_id).first()
    return Booking.objects.select_for_update().select_related("room__center", "resident").get(pk=booking.pk)


@transaction.atomic
def booking_cancel(*, actor, booking, reason="", now=None):
    """The resident cancels their own booking before the cut-off; staff cancel any of their center's."""
    _require_signed_in(actor)
    now = now or timezone.now()
    booking = _locked_booking(booking)
    is_staff = manages_center(actor, booking.room.center_id)
    if booking.resident_id != actor.pk and not is_staff:
        raise PermissionDenied(_("You may cancel only your own bookings."))
    if booking.status not in UPCOMING_STATUSES:
        raise ValidationError({"status": _("Only a pending or confirmed booking can be cancelled.")})
    if booking.resident_id == actor.pk and not is_staff and booking.start - now < CANCEL_CUTOFF:
        raise ValidationError({"start": _("Too late to cancel: cancel at least %(h)d hours before the start.") % {
            "h": CANCEL_CUTOFF.total_seconds() // 3600}})
    _set_status(booking, BookingStatus.CANCELLED, actor=actor, reason=reason, decided_by=actor)
    if booking.resident_id != actor.pk:
        _notify(booking, "staff_cancelled")
    _offer_waitlist(booking.room, booking.start, booking.end, now=now)
    return booking


@transaction.atomic
def booking_approve(*, actor, booking):
    booking = _locked_booking(booking)
    _require_staff(actor, booking)
    if booking.status != BookingStatus.PENDING:
        raise ValidationError({"status": _("Only a pending booking can be approved.")})
    _set_status(booking, BookingStatus.CONFIRMED, actor=actor, decided_by=actor)
    _notify(booking, "confirmed")
    return booking


@transaction.atomic
def booking_reject(*, actor, booking, reason, now=None):
    booking = _locked_booking(booking)
    _require_staff(actor, booking)
    if booking.status != BookingStatus.PENDING:
        raise ValidationError({"status": _("Only a pending booking can be rejected.")})
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the booking is rejected.")})
    _set_status(booking, BookingStatus.REJECTED, actor=actor, reason=reason.strip(), decided_by=actor)
    _notify(booking, "rejected")
    _offer_waitlist(booking.room, booking.start, booking.end, now=now or timezone.now())
    return booking


@transaction.atomic
def booking_check_in(*, actor, booking, now=None):
    now = now or timezone.now()
    booking = _locked_booking(booking)
    _require_staff(actor, booking)
    if booking.status != BookingStatus.CONFIRMED:
        raise ValidationError({"status": _("Only a confirmed booking can be checked in.")})
    if not booking.start - datetime.timedelta(minutes=30) <= now < booking.end:
        raise ValidationError({"start": _("Check in from 30 minutes before the start until the end.")})
    return _set_status(booking, BookingStatus.CHECKED_IN, actor=actor, checked_in_at=now)


@transaction.atomic
def booking_mark_no_show(*, actor, booking, now=None):
    """Staff mark a confirmed booking whose resident did not come, once the grace period has passed.

    The room is free again from then on (a no-show is not an active status) and the waitlist is offered.
    """
    now = now or timezone.now()
    booking = _locked_booking(booking)
    _require_staff(actor, booking)
    if booking.status != BookingStatus.CONFIRMED:
        raise ValidationError({"status": _("Only a confirmed booking can be marked as a no-show.")})
    if now < booking.start + RELEASE_GRACE:
        raise ValidationError({"start": _("Wait %(m)d minutes after the start before releasing the room.") % {
            "m": RELEASE_GRACE.total_seconds() // 60}})
    _set_status(booking, BookingStatus.NO_SHOW, actor=actor, decided_by=actor)
    if booking.end > now:
        _offer_waitlist(booking.room, max(now, booking.start), booking.end, now=now)
    return booking


#: "Release" is the same act seen from the room: a no-show frees the rest of the slot.
booking_release = booking_mark_no_show


def room_block(*, actor, room, start, end, reason, now=None):
    """Close a room for maintenance: new bookings are refused, the bookings already made are cancelled
    and their residents told. Returns (block, cancelled bookings)."""
    _require_signed_in(actor)
    _require_staff(actor, room)
    _check_range(start, end)
    if start is None or end is None or end <= start:
        raise ValidationError({"end": _("The end must come after the start.")})
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the room is closed.")})

    with transaction.atomic():
        locked = _lock_room(room)
        block = RoomBlock.objects.create(room=locked, start=start, end=end, reason=reason.strip(), created_by=actor)
        cancelled = []
        for booking in _overlapping(locked, start, end).filter(status__in=UPCOMING_STATUSES).select_related(
            "resident"
        ):
            _set_status(booking, BookingStatus.CANCELLED, actor=actor, decided_by=actor,
                        reason=_("Room closed for maintenance: %(reason)s") % {"reason": reason.strip()})
            _notify(booking, "staff_cancelled")
            cancelled.append(booking)
        WaitlistEntry.objects.filter(
            room=locked, start__lt=end, end__gt=start,
            status__in=[WaitlistEntry.Status.WAITING, WaitlistEntry.Status.OFFERED],
        ).update(status=WaitlistEntry.Status.CANCELLED)
    return block, cancelled


# --- waitlist ----------------------------------------------------------------------------------


@transaction.atomic
def waitlist_join(*, actor, room, start, end, attendees=1, now=None):
    """Queue for a taken slot. A free slot is booked, not queued for (400)."""
    _require_signed_in(actor)
    now = now or timezone.now()
    locked = _lock_room(room)
    _check_booking(actor=actor, room=locked, start=start, end=end, attendees=attendees, now=now, check_limit=False)
    holders = set(_overlapping(locked, start, end).values_list("resident_id", flat=True))
    if not holders:
        raise ValidationError({"start": _("This slot is free: book it instead.")})
    if actor.pk in holders:
        raise ValidationError({"start": _("You have already booked this time.")})
    entry, created = WaitlistEntry.objects.get_or_create(
        room=locked, resident=actor, start=start, end=end,
        status__in=[WaitlistEntry.Status.WAITING, WaitlistEntry.Status.OFFERED],
        defaults={"attendees": attendees, "status": WaitlistEntry.Status.WAITING},
    )
    return entry


@transaction.atomic
def waitlist_leave(*, actor, entry):
    if entry.resident_id != actor.pk:
        raise PermissionDenied(_("You may leave only your own waitlist places."))
    entry.status = WaitlistEntry.Status.CANCELLED
    entry.save(update_fields=["status"])
    return entry


def _offer_waitlist(room, start, end, *, now):
    """The slot [start, end) of `room` freed: offer it to the first waiting resident whose slot now fits."""
    candidates = WaitlistEntry.objects.filter(
        room=room, status=WaitlistEntry.Status.WAITING, start__lt=end, end__gt=start, start__gte=now,
    ).select_related("resident").order_by("created_at", "pk")
    for entry in candidates:
        if _overlapping(room, entry.start, entry.end).exists():
            continue
        entry.status = WaitlistEntry.Status.OFFERED
        entry.offered_at = now
        entry.hold_until = min(now + WAITLIST_HOLD, entry.start)
        entry.save(update_fields=["status", "offered_at", "hold_until"])
        ls, le = local(entry.start), local(entry.end)
        url = reverse("sc:room", args=[room.pk]) + f"?date={ls.date().isoformat()}&start={ls:%H:%M}&end={le:%H:%M}"
        subject = _("A slot you waited for is free: %(what)s") % {
            "what": f"{room.name} · {ls:%Y-%m-%d %H:%M}–{le:%H:%M}"}
        entry_id, resident = entry.pk, entry.resident
        body = _("It is kept for you until %(time)s; book it before then.") % {
            "time": local(entry.hold_until).strftime("%H:%M")}
        transaction.on_commit(lambda: message_send(
            recipient=resident, kind="waitlist_offer", key=f"waitlist:{entry_id}:offer", subject=subject,
            body=body, url=url, email=True,
            sms_params=[f"{room.name} {ls:%m-%d %H:%M}"],
        ))
        return entry
    return None


# --- no-shows, waitlist holds, series, self check-in, the calendar feed ----------------------------------------


def _pause_until(last, limit_th, now):
    """The end of a no-show pause, from the start of the latest no-show within the window (`last`) and of the
    NO_SHOW_LIMIT-th latest (`limit_th`, None when there are fewer); None when the resident may book now."""
    if last is None or limit_th is None:
        return None
    until = last + NO_SHOW_PAUSE
    return until if until > now else None


def no_show_pause_until(*, resident, now):
    """When a resident who missed NO_SHOW_LIMIT bookings within NO_SHOW_WINDOW may book again (None: now)."""
    recent = list(Booking.objects.filter(
        resident=resident, status=BookingStatus.NO_SHOW, start__gte=now - NO_SHOW_WINDOW, start__lt=now,
    ).order_by("-start").values_list("start", flat=True)[:NO_SHOW_LIMIT])
    if len(recent) < NO_SHOW_LIMIT:
        return None
    return _pause_until(recent[0], recent[-1], now)


def check_no_show_pause(*, actor, now):
    _raise_no_show_pause(no_show_pause_until(resident=actor, now=now))


def _raise_no_show_pause(until):
    if until is not None:
        raise ValidationError({"non_field_errors": [
            _("You missed %(n)d bookings in the last %(days)d days without cancelling; you may book again from "
              "%(when)s.") % {"n": NO_SHOW_LIMIT, "days": NO_SHOW_WINDOW.days,
                              "when": local(until).strftime("%Y-%m-%d %H:%M")}]})


def _check_hold(room, start, end, *, actor, now):
    """A freed slot offered to someone on the waitlist is kept for them until their hold ends."""
    held = WaitlistEntry.objects.filter(
        room=room, status=WaitlistEntry.Status.OFFERED, hold_until__gt=now, start__lt=end, end__gt=start,
    ).exclude(resident=actor).order_by("hold_until").first()
    if held is not None:
        raise _held_error(held.hold_until)


def _held_error(hold_until):
    return ConflictError(
        _("This time is held for a resident on the waitlist until %(time)s.") % {
            "time": local(hold_until).strftime("%H:%M")},
        code=BOOKING_CONFLICT,
    )


def expire_holds(*, now):
    """Offers whose hold ended pass to the next resident waiting; returns how many expired."""
    expired = list(WaitlistEntry.objects.select_related("room").filter(
        status=WaitlistEntry.Status.OFFERED, hold_until__lte=now).order_by("pk"))
    for entry in expired:
        entry.status = WaitlistEntry.Status.EXPIRED
        entry.save(update_fields=["status"])
        if entry.end > now:
            _offer_waitlist(entry.room, max(entry.start, now), entry.end, now=now)
    return len(expired)


def release_no_shows(*, moment):
    """Release every confirmed booking not checked in RELEASE_GRACE after its start (as of `moment`): it becomes
    a no-show, the rest of its slot is offered to the waitlist, and its resident is told. Each booking moves once,
    so running it twice changes nothing more. Returns how many were released."""
    released = 0
    due = Booking.objects.select_for_update(of=("self",)).select_related("room__center", "resident").filter(
        status=BookingStatus.CONFIRMED, start__lte=moment - RELEASE_GRACE,
        start__gt=moment - MAX_BOOKING_LENGTH - RELEASE_GRACE,
    ).order_by("start", "pk")
    for booking in due:
        _set_status(booking, BookingStatus.NO_SHOW, actor=None,
                    reason=_("Not checked in %(m)d minutes after the start: released.") % {
                        "m": RELEASE_GRACE.total_seconds() // 60})
        message_send(
            recipient=booking.resident, kind="booking_released", key=f"booking:{booking.pk}:released",
            subject=_("Released, you did not check in: %(what)s") % {
                "what": f"{booking.room.center.name} · {booking.room.name} · {_fmt(booking)}"},
            body=booking.reason, url=reverse("sc:my_bookings"),
        )
        if booking.end > moment:
            _offer_waitlist(booking.room, moment, booking.end, now=moment)
        released += 1
    return released


def _own_series(actor, series):
    series = BookingSeries.objects.select_for_update().select_related("room__center").get(pk=series.pk)
    if series.resident_id != actor.pk and not manages_center(actor, series.room.center_id):
        raise PermissionDenied(_("You may change only your own bookings."))
    return series


def series_cancel(*, actor, series, now=None):
    """Cancel every upcoming booking of a series (its resident before each cut-off, or the center's staff);
    returns the cancelled bookings. Bookings too close to their start are left as they are."""
    _require_signed_in(actor)
    now = now or timezone.now()
    with transaction.atomic():
        series = _own_series(actor, series)
        Room.objects.select_for_update().filter(pk=series.room_id).first()
        staff = manages_center(actor, series.room.center_id)
        cancelled = []
        for booking in series.bookings.select_for_update(of=("self",)).filter(
            status__in=UPCOMING_STATUSES, start__gt=now
        ).select_related("room__center", "resident").order_by("start"):
            if not staff and booking.start - now < CANCEL_CUTOFF:
                continue
            _set_status(booking, BookingStatus.CANCELLED, actor=actor, decided_by=actor)
            if booking.resident_id != actor.pk:
                _notify(booking, "staff_cancelled")
            _offer_waitlist(booking.room, booking.start, booking.end, now=now)
            cancelled.append(booking)
        if not cancelled:
            raise ValidationError({"series": [_("Nothing left in this series to cancel.")]})
    return cancelled


def room_check_in_token(room):
    """The signed token printed in a room's QR code (one per room, fixed)."""
    return signing.Signer(salt=CHECK_IN_SALT).sign(str(room.pk)).split(":", 1)[1]


def room_for_check_in_token(room_id, token):
    """The room whose QR code carries `token`, or None when the token is not that room's."""
    try:
        signing.Signer(salt=CHECK_IN_SALT).unsign(f"{room_id}:{token}")
    except signing.BadSignature:
        return None
    return Room.objects.select_related("center").filter(pk=room_id).first()


def self_check_in_booking(*, actor, room, now):
    """The actor's confirmed booking of `room` that may be checked in now (from SELF_CHECK_IN_EARLY before its start
    until RELEASE_GRACE after it), or None."""
    return Booking.objects.filter(
        resident_id=actor.pk, room=room, status=BookingStatus.CONFIRMED,
        start__lte=now + SELF_CHECK_IN_EARLY, start__gte=now - RELEASE_GRACE,
    ).order_by("start").first()


@transaction.atomic
def booking_self_check_in(*, actor, room, token, now=None):
    """A resident scans the room's QR code: their booking of that room is checked in, within its window."""
    _require_signed_in(actor)
    now = now or timezone.now()
    if room_for_check_in_token(room.pk, token) is None:
        raise PermissionDenied(_("This code is not this room's."))
    booking = self_check_in_booking(actor=actor, room=room, now=now)
    if booking is None:
        raise ValidationError({"start": _("No booking of yours to check in here now: check in from %(early)d minutes "
                                          "before the start until %(late)d minutes after it.") % {
            "early": SELF_CHECK_IN_EARLY.total_seconds() // 60, "late": RELEASE_GRACE.total_seconds() // 60}})
    booking = _locked_booking(booking)
    if booking.status != BookingStatus.CONFIRMED:
        raise ValidationError({"status": _("Only a confirmed booking can be checked in.")})
    return _set_status(booking, BookingStatus.CHECKED_IN, actor=actor, checked_in_at=now)


def calendar_feed_version(user):
    feed = CalendarFeed.objects.filter(user_id=user.pk).first()
    return feed.version if feed else 1


@transaction.atomic
def calendar_feed_revoke(*, actor):
    """Stop the actor's current calendar address (a new one replaces it)."""
    _require_signed_in(actor)
    feed, _created = CalendarFeed.objects.select_for_update().get_or_create(user=actor)
    feed.version += 1
    feed.revoked_at = timezone.now()
    feed.save(update_fields=["version", "revoked_at"])
    return feed
