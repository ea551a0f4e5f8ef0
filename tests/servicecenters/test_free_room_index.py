"""The free-room search walks the partial index room_free_search in its order and stops after the page."""

import datetime
import re

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from servicecenters import selectors
from servicecenters.models import Booking, BookingStatus, Room

from .conftest import local_dt
from .factories import CenterFactory, RoomFactory


@pytest.fixture
def rooms(db):
    centers = [CenterFactory() for _ in range(3)]
    made = [RoomFactory(center=centers[i % 3], capacity=5 + (i * 7) % 40) for i in range(60)]
    Room.objects.filter(pk__in=[r.pk for r in made[::10]]).update(bookable=False)
    return made


def test_results_come_in_index_order_smallest_fitting_room_first(resident, rooms, tomorrow):
    """Bookable rooms for `people`, free at that time, in (capacity, center, id) order: the taken and the
    unbookable left out."""
    taken = next(r for r in rooms if r.capacity >= 10 and r.pk not in [x.pk for x in rooms[::10]])
    Booking.objects.create(room=taken, resident=resident, start=local_dt(tomorrow, 9), end=local_dt(tomorrow, 11),
                           attendees=1, status=BookingStatus.CONFIRMED)
    found = list(selectors.free_rooms(user=resident, day=tomorrow, start_time=datetime.time(10),
                                      end_time=datetime.time(11), people=10)[:100])
    expected = sorted((r for r in Room.objects.filter(bookable=True, capacity__gte=10).exclude(pk=taken.pk)),
                      key=lambda r: (r.capacity, r.center_id, r.pk))
    assert [r.pk for r in found] == [r.pk for r in expected]
    assert found and all(r.capacity >= 10 and r.bookable for r in found)


def test_the_search_reads_the_partial_index_in_order_and_stops(resident, rooms, tomorrow):
    """The plan walks room_free_search (no sort of every bookable room) under a LIMIT. 60 rooms are too few for
    the planner to bother with an index, so sequential scans and sorts are made dear for the test: a query whose
    order the index cannot give would still show its Sort here."""
    qs = selectors.free_rooms(user=resident, day=tomorrow, start_time=datetime.time(10),
                              end_time=datetime.time(11), people=10)[:20]
    sql, params = qs.query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("ANALYZE servicecenters_room")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL enable_incremental_sort = off")
        cursor.execute(f"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "room_free_search" in plan, plan
    assert "Sort" not in plan, plan
    assert plan.startswith("Limit"), plan
    scan = next(line for line in plan.splitlines() if "room_free_search" in line)
    read = int(re.search(r"actual rows=(\d+)", scan).group(1))
    assert read == 20, plan  # stopped after the page: the 40-odd bookable rooms beyond it are not read


def test_free_room_api_costs_one_query_when_rooms_are_free(resident, rooms, tomorrow):
    api = APIClient()
    api.force_authenticate(resident)
    with CaptureQueriesContext(connection) as ctx:
        r = api.get("/api/v1/free-rooms/", {"date": tomorrow.isoformat(), "start": "10:00", "end": "11:00",
                                            "people": 10})
    assert r.status_code == 200
    body = r.json()
    assert body["results"] and body["alternatives"] == []
    assert [x["capacity"] for x in body["results"]] == sorted(x["capacity"] for x in body["results"])
    assert set(body["results"][0]) == {"id", "center", "center_name", "kind", "name", "capacity", "needs_approval",
                                       "min_minutes", "max_minutes", "max_days_ahead"}
    assert len(ctx.captured_queries) == 1, [q["sql"] for q in ctx.captured_queries]
