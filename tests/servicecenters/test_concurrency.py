"""Fifty requests for one slot at once, on real PostgreSQL: exactly one booking, 49 conflicts, no 500."""

import datetime
import threading

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from rest_framework.test import APIClient

from accounts.models import Role, RoleGrant
from inbox.models import Message
from servicecenters.models import Booking

from .conftest import local_dt
from .factories import RoomFactory

N = 50


@pytest.mark.django_db(transaction=True)
def test_fifty_threads_one_slot(tomorrow):
    room = RoomFactory(capacity=30)
    User = get_user_model()
    users = User.objects.bulk_create([User(username=f"race-{i:02d}", password="!") for i in range(N)])
    RoleGrant.objects.bulk_create([RoleGrant(user=u, role=Role.RESIDENT) for u in users])
    # Every request asks for an overlapping, not identical, slot: 09:00–10:00 shifted by 0–49 seconds… minutes.
    barrier = threading.Barrier(N)
    statuses, bodies = [], []
    lock = threading.Lock()

    def worker(i):
        api = APIClient()
        api.force_authenticate(users[i])
        start = local_dt(tomorrow, 9, i % 30)
        body = {"room": room.pk, "start": start.isoformat(), "end": local_dt(tomorrow, 10, 30).isoformat(),
                "attendees": 3, "purpose": f"race {i}"}
        try:
            barrier.wait()
            r = api.post("/api/v1/bookings/", body, format="json")
            with lock:
                statuses.append(r.status_code)
                bodies.append(r.json())
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(N)]
    [t.start() for t in threads]
    [t.join(60) for t in threads]
    assert sorted(statuses) == [201] + [409] * (N - 1), sorted(statuses)
    assert all(b["code"] == "booking_conflict" for b in bodies if "code" in b)
    assert Booking.objects.filter(room=room).count() == 1
    # Only the winner heard anything.
    winner = Booking.objects.get(room=room).resident
    assert list(Message.objects.values_list("recipient_id", flat=True)) == [winner.pk]


@pytest.mark.django_db(transaction=True)
def test_the_constraint_catches_a_race_the_service_check_misses(tomorrow, monkeypatch):
    """Without the room lock and the service's own check, the database still refuses: 409, not 500."""
    from servicecenters import services

    room = RoomFactory(capacity=30)
    User = get_user_model()
    users = User.objects.bulk_create([User(username=f"race2-{i}", password="!") for i in range(10)])
    def unlocked(r, **kwargs):  # the room read without any lock, open all day
        found = type(r).objects.select_related("center").get(pk=r.pk)
        found.closed_that_day, found.opens_that_day, found.closes_that_day = False, datetime.time(0), datetime.time(23)
        return found

    monkeypatch.setattr(services, "_lock_room", unlocked)
    monkeypatch.setattr(services, "_slot_facts", lambda *a, **k: {
        "taken": False, "blocked": False, "held_until": None, "upcoming": 0, "last_no_show": None,
        "limit_no_show": None, "waiting": False, "contact_id": None})
    real_overlapping = services._overlapping

    class Never:
        def exists(self):
            return False

    monkeypatch.setattr(services, "_overlapping", lambda *a: Never())
    barrier = threading.Barrier(10)
    outcomes = []

    def worker(i):
        try:
            barrier.wait()
            services.booking_create(actor=users[i], room=room, start=local_dt(tomorrow, 9),
                                    end=local_dt(tomorrow, 10), attendees=1)
            outcomes.append("ok")
        except services.ConflictError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(10)]
    [t.start() for t in threads]
    [t.join(60) for t in threads]
    assert sorted(outcomes) == ["booking_conflict"] * 9 + ["ok"]
    assert real_overlapping(room, local_dt(tomorrow, 9), local_dt(tomorrow, 10)).count() == 1
