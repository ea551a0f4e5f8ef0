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
def test_one_booking_costs_a_fixed_handful_of_statements(resident, room, tomorrow, settings):
    """Signed in by token (the phones' API), the scope stored by an earlier request: token and user (1), the
    room (1), the locks (1), the checks (1), the booking and its history (2), the message, the resident's
    preferences and the e-mail delivery (3). No re-read after commit, no query per check."""
    from rest_framework.authtoken.models import Token

    from accounts.scopes import resolve_scope

    settings.INBOX_DELIVER_ASYNC = True  # as served: the e-mail leaves from the worker
    settings.SCOPE_CACHE_SECONDS = 300  # as served
    resolve_scope(resident)
    token = Token.objects.create(user=resident)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    with CaptureQueriesContext(connection) as ctx:
        r = api.post("/api/v1/bookings/", _body(room, tomorrow, 9), format="json")
    assert r.status_code == 201, r.json()
    assert r.json()["status"] == "confirmed" and r.json()["room_name"] == room.name
    work = _work(ctx)
    assert len(work) <= 9, "\n".join(work)
    # The booking's own share: the room, the locks, the checks, insert, history.
    booking_statements = [s for s in work if "servicecenters_" in s.split(" WHERE ")[0]]
    assert len(booking_statements) <= 5, "\n".join(booking_statements)
    booking = Booking.objects.get()
    assert booking.history.count() == 1 and booking.history.get().history_user_id == resident.pk
    message = Message.objects.get(recipient=resident, key=f"booking:{booking.pk}:confirmed")
    assert room.name in message.subject
    assert Delivery.objects.filter(message=message, channel="email", address=resident.email).exists()


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
