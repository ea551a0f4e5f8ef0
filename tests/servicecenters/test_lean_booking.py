"""The booking path's cost and its per-resident limit under concurrency, on real PostgreSQL."""

import datetime
import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from inbox.models import Delivery, Message
from servicecenters import services
from servicecenters.models import Booking, BookingStatus

from .conftest import local_dt
from .factories import RoomFactory

#: Transaction control (BEGIN, COMMIT, SAVEPOINT) is not counted: only statements that read or write rows.
CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")


def _work(ctx):
    return [q["sql"] for q in ctx.captured_queries if not q["sql"].upper().startswith(CONTROL)]


def _body(room, day, hour, minutes=60):
    start = local_dt(day, hour)
    return {"room": room.pk, "start": start.isoformat(),
            "end": (start + datetime.timedelta(minutes=minutes)).isoformat(), "attendees": 2, "purpose": "读书会"}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("with_preference", [False, True])
def test_one_booking_costs_a_fixed_handful_of_statements(resident, room, tomorrow, settings, with_preference):
    """Signed in by token (the phones' API), the scope stored by an earlier request: token and user (1); then the
    booking's own five: the room and the locks (1, the room read there, not by the serializer), the checks with the
    resident's contact preferences (1), the booking with its history row (1), the message and its e-mail delivery
    (2). No re-read after commit, no query per check."""
    from rest_framework.authtoken.models import Token

    from accounts.scopes import resolve_scope
    from inbox.models import ContactPreference

    settings.INBOX_DELIVER_ASYNC = True  # as served: the e-mail leaves from the worker
    settings.SCOPE_CACHE_SECONDS = 300  # as served
    settings.DATABASE_PREPARED_STATEMENTS = False  # the statements' text, to see what each reads
    if with_preference:
        ContactPreference.objects.create(user=resident, muted=["learning:email"])
    resolve_scope(resident)
    token = Token.objects.create(user=resident)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    with CaptureQueriesContext(connection) as ctx:
        r = api.post("/api/v1/bookings/", _body(room, tomorrow, 9), format="json")
    assert r.status_code == 201, r.json()
    assert r.json()["status"] == "confirmed" and r.json()["room_name"] == room.name
    assert r.json()["room"] == room.pk and r.json()["center_name"] == room.center.name
    work = _work(ctx)
    assert len(work) <= 6, "\n".join(work)
    assert "authtoken_token" in work[0], work[0]
    own = work[1:]
    assert len(own) <= 5, "\n".join(own)
    assert sum("servicecenters_booking" in s.split(" VALUES ")[0] and s.lstrip().startswith(("INSERT", "WITH"))
               for s in own) == 1, "the booking and its history row are one statement"
    assert not any("inbox_contactpreference" in s.split(" WHERE ")[0].split(" FROM ")[-1] for s in own), (
        "the preferences are read within the checks, not by a statement of their own")
    booking = Booking.objects.get()
    assert booking.history.count() == 1 and booking.history.get().history_user_id == resident.pk
    message = Message.objects.get(recipient=resident, key=f"booking:{booking.pk}:confirmed")
    assert room.name in message.subject
    assert Delivery.objects.filter(message=message, channel="email", address=resident.email).exists()


@pytest.mark.django_db(transaction=True)
def test_muted_email_read_within_the_checks_is_obeyed(resident, room, tomorrow):
    """The resident turned booking e-mail off: the preference read in the checks statement keeps the e-mail
    out, as message_send reading it itself would."""
    from inbox.models import ContactPreference

    ContactPreference.objects.create(user=resident, muted=["bookings:email"])
    api = APIClient()
    api.force_authenticate(resident)
    assert api.post("/api/v1/bookings/", _body(room, tomorrow, 9), format="json").status_code == 201
    message = Message.objects.get(recipient=resident)
    assert not Delivery.objects.filter(message=message).exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("named", ["missing", "unbookable", "other_centers_unbookable", "not_a_number", "huge",
                                   "negative", "null", "superscript", "endless_digits"])
def test_a_room_that_cannot_be_named_is_a_field_error(resident, room, tomorrow, named):
    """The serializer no longer reads the room: the lock statement does, among the rooms the resident may name.
    A missing, unbookable or malformed room is still a 400 with an error on "room", never a 500, and books
    nothing."""
    body = _body(room, tomorrow, 9)
    if named == "missing":
        body["room"] = room.pk + 1000
    elif named in ("unbookable", "other_centers_unbookable"):
        other = room if named == "unbookable" else RoomFactory(name="库房", capacity=10)
        type(other).objects.filter(pk=other.pk).update(bookable=False)
        body["room"] = other.pk
    elif named == "not_a_number":
        body["room"] = "七"
    elif named == "huge":
        body["room"] = 2 ** 70
    elif named == "negative":
        body["room"] = -3
    elif named == "superscript":
        body["room"] = "²"
    elif named == "endless_digits":
        body["room"] = "9" * 5000
    else:
        body["room"] = None
    api = APIClient()
    api.force_authenticate(resident)
    r = api.post("/api/v1/bookings/", body, format="json")
    assert r.status_code == 400 and "room" in r.json(), r.json()
    body["weeks"] = 3  # the series path names the room the same way
    r = api.post("/api/v1/bookings/", body, format="json")
    assert r.status_code == 400 and "room" in r.json(), r.json()
    assert Booking.objects.count() == 0 and Message.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_taken_slot_is_still_a_conflict_not_a_field_error(resident, room, tomorrow):
    """A slot taken before the lock statement runs makes it find nothing, as a missing room does; the second read
    tells the two apart: the taken slot answers 409."""
    api = APIClient()
    api.force_authenticate(resident)
    assert api.post("/api/v1/bookings/", _body(room, tomorrow, 9), format="json").status_code == 201
    with CaptureQueriesContext(connection) as ctx:
        r = api.post("/api/v1/bookings/", _body(room, tomorrow, 9), format="json")
    assert r.status_code == 409 and r.json()["code"] == "booking_conflict"
    assert len(_work(ctx)) <= 2, "\n".join(_work(ctx))


@pytest.mark.django_db(transaction=True)
def test_a_refused_booking_writes_nothing(resident, room, tomorrow):
    api = APIClient()
    api.force_authenticate(resident)
    assert api.post("/api/v1/bookings/", _body(room, tomorrow, 9), format="json").status_code == 201
    r = api.post("/api/v1/bookings/", _body(room, tomorrow, 9), format="json")
    assert r.status_code == 409 and r.json()["code"] == "booking_conflict"
    r = api.post("/api/v1/bookings/", _body(room, tomorrow, 11, minutes=24 * 60 - 60), format="json")
    assert r.status_code == 400
    assert Booking.objects.count() == 1 and Message.objects.count() == 1


def _fill_to(resident, rooms, tomorrow, n):
    for i in range(n):
        services.booking_create(actor=resident, room=rooms[i % len(rooms)], start=local_dt(tomorrow, 8 + i),
                                end=local_dt(tomorrow, 8 + i, 30), attendees=1)


@pytest.mark.django_db(transaction=True)
def test_two_requests_of_one_resident_at_the_limit_give_exactly_one(resident, center, tomorrow):
    """The resident holds one booking fewer than the limit and asks for two different rooms at the same moment:
    the limit is counted under the locks, so exactly one is booked and the other is refused (400)."""
    rooms = [RoomFactory(center=center, name=f"室{i}", capacity=10) for i in range(3)]
    _fill_to(resident, rooms[:1], tomorrow, services.MAX_ACTIVE_PER_RESIDENT - 1)
    barrier = threading.Barrier(2)
    results = []
    lock = threading.Lock()

    def ask(room):
        api = APIClient()
        api.force_authenticate(resident)
        try:
            barrier.wait()
            r = api.post("/api/v1/bookings/", _body(room, tomorrow + datetime.timedelta(days=1), 10), format="json")
            with lock:
                results.append((r.status_code, r.json()))
        finally:
            connection.close()

    for _round in range(3):  # a few rounds, so that a race the lock did not close would show
        threads = [threading.Thread(target=ask, args=(room,)) for room in rooms[1:]]
        [t.start() for t in threads]
        [t.join(60) for t in threads]
        codes = sorted(code for code, _body in results)
        assert codes == [201, 400], results
        refused = next(body for code, body in results if code == 400)
        assert "non_field_errors" in refused
        held = Booking.objects.filter(resident=resident, status__in=[BookingStatus.CONFIRMED, BookingStatus.PENDING])
        assert held.count() == services.MAX_ACTIVE_PER_RESIDENT
        # Free a place again for the next round.
        Booking.objects.filter(pk=held.order_by("-pk").first().pk).update(status=BookingStatus.CANCELLED)
        results.clear()
        barrier.reset()


@pytest.mark.django_db
def test_limit_counts_only_upcoming_bookings(resident, room, tomorrow):
    """Past and cancelled bookings do not count: a long history does not stop a resident."""
    now = local_dt(tomorrow, 0) - datetime.timedelta(days=1)
    for i in range(services.MAX_ACTIVE_PER_RESIDENT + 2):
        Booking.objects.create(room=room, resident=resident, start=now - datetime.timedelta(days=i + 1, hours=-9),
                               end=now - datetime.timedelta(days=i + 1, hours=-10), attendees=1,
                               status=BookingStatus.COMPLETED)
    _fill_to(resident, [room], tomorrow, services.MAX_ACTIVE_PER_RESIDENT)
    with pytest.raises(services.ValidationError):
        services.booking_create(actor=resident, room=room, start=local_dt(tomorrow, 19),
                                end=local_dt(tomorrow, 19, 30), attendees=1)
    Booking.objects.filter(resident=resident, start__gt=now).order_by("pk").first().delete()
    services.booking_create(actor=resident, room=room, start=local_dt(tomorrow, 19), end=local_dt(tomorrow, 19, 30),
                            attendees=1)


@pytest.mark.django_db
def test_the_limit_query_reads_its_partial_index(resident, room):
    """The upcoming count reads the partial index on (resident, end) of pending and confirmed bookings, not the
    resident's whole history (here 300 past bookings and one upcoming)."""
    from django.utils import timezone

    now = timezone.now()
    day = datetime.timedelta(days=1)
    Booking.objects.bulk_create([
        Booking(room=room, resident=resident, start=now - (i + 2) * day, end=now - (i + 2) * day + day / 24,
                attendees=1, status=BookingStatus.COMPLETED) for i in range(300)])
    Booking.objects.create(room=room, resident=resident, start=now + day, end=now + day + day / 24, attendees=1,
                           status=BookingStatus.CONFIRMED)
    query = Booking.objects.filter(resident=resident, status__in=services.UPCOMING_STATUSES, end__gt=now)
    sql, params = query.order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE servicecenters_booking")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "booking_resident_upcoming" in plan, plan
    assert services.upcoming_count(resident, now=now) == 1


def _both_facts(room, resident, start, end, now):
    sql = services._slot_facts_sql(room, resident, start, end, now=now)
    orm = services._slot_facts_orm(room, resident, start, end, now=now)
    for facts in (sql, orm):
        facts["upcoming"] = facts["upcoming"] or 0  # the ORM's grouped count is NULL for none
        facts["contact_muted"] = services.preference_from(facts, resident.pk) and services.preference_from(
            facts, resident.pk).muted
    return sql, orm


@pytest.mark.django_db
def test_the_written_out_checks_answer_as_the_orm_statement(resident, resident2, room, tomorrow):
    """On PostgreSQL the lock and the checks are written out by hand (the ORM's build of them cost more than
    running them); other databases get the ORM's statements. Both give the same facts, case by case."""
    from django.utils import timezone

    from inbox.models import ContactPreference
    from servicecenters.models import ClosedDay, RoomBlock, WaitlistEntry

    now = timezone.now()
    start, end = local_dt(tomorrow, 10), local_dt(tomorrow, 11)
    sql, orm = _both_facts(room, resident, start, end, now)
    assert sql == orm and not sql["taken"] and sql["contact_id"] is None and sql["upcoming"] == 0

    ContactPreference.objects.create(user=resident, muted=["bookings:sms"], phone="13800000000",
                                     phone_verified_at=now)
    Booking.objects.create(room=room, resident=resident2, start=local_dt(tomorrow, 10, 30),
                           end=local_dt(tomorrow, 12), attendees=1, status=BookingStatus.CONFIRMED)
    for i in range(2):  # upcoming bookings of the resident elsewhere in the day
        Booking.objects.create(room=room, resident=resident, start=local_dt(tomorrow, 14 + i),
                               end=local_dt(tomorrow, 14 + i, 30), attendees=1, status=BookingStatus.PENDING)
    for days in (2, 5, 9, 40):  # three no-shows within the window, one before it
        past = now - datetime.timedelta(days=days)
        Booking.objects.create(room=room, resident=resident, start=past, end=past + datetime.timedelta(hours=1),
                               attendees=1, status=BookingStatus.NO_SHOW)
    RoomBlock.objects.create(room=room, start=local_dt(tomorrow, 10, 45), end=local_dt(tomorrow, 13), reason="修")
    WaitlistEntry.objects.create(room=room, resident=resident2, start=start, end=end, attendees=1,
                                 status=WaitlistEntry.Status.OFFERED, hold_until=now + datetime.timedelta(minutes=20))
    WaitlistEntry.objects.create(room=room, resident=resident, start=start, end=end, attendees=1,
                                 status=WaitlistEntry.Status.WAITING)
    sql, orm = _both_facts(room, resident, start, end, now)
    assert sql == orm
    assert sql["taken"] and sql["blocked"] and sql["waiting"] and sql["upcoming"] == 2
    assert sql["held_until"] is not None and sql["last_no_show"] > sql["limit_no_show"]
    assert sql["contact_muted"] == ["bookings:sms"] and sql["contact_phone"] == "13800000000"
    # Seen from the resident holding the offer: not held against them.
    sql, orm = _both_facts(room, resident2, start, end, now)
    assert sql == orm and sql["held_until"] is None and sql["limit_no_show"] is None

    from django.db import transaction

    ClosedDay.objects.create(center=room.center, date=tomorrow, reason="节日")
    with transaction.atomic():
        for kwargs in ({}, {"day": tomorrow}, {"day": tomorrow + datetime.timedelta(days=1), "resident": resident},
                       {"free": (local_dt(tomorrow, 17), local_dt(tomorrow, 18))}):
            a = services._lock_room_sql(room.pk, **kwargs)
            b = services._lock_room_orm(room.pk, **kwargs)
            assert [getattr(a, f.attname) for f in a._meta.concrete_fields] == [
                getattr(b, f.attname) for f in b._meta.concrete_fields]
            assert a.center.name == b.center.name == room.center.name and a.center.code == b.center.code
            for name in ("closed_that_day", "opens_that_day", "closes_that_day"):
                assert getattr(a, name, "-") == getattr(b, name, "-"), name
        assert services._lock_room_sql(room.pk, day=tomorrow).closed_that_day is True
        for lock in (services._lock_room_sql, services._lock_room_orm):
            with pytest.raises(services.Room.DoesNotExist):
                lock(room.pk, free=(start, end))
            with pytest.raises(services.Room.DoesNotExist):
                lock(room.pk + 1000)
