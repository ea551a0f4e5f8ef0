"""The booking path's statements prepared once per connection (core.prepared): the same answers and statement
count as the written-out SQL, planned once, prepared again on a new connection, and not at all behind PgBouncer."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from core import prepared
from servicecenters.models import Booking

from .conftest import local_dt

NAMES = {"api_token_user", "booking_lock_room_fdr", "booking_slot_facts", "insert_h_servicecenters_booking",
         "insert_inbox_message"}


def _book(api, room, day, hour):
    start = local_dt(day, hour)
    return api.post("/api/v1/bookings/", {"room": room.pk, "start": start.isoformat(),
                                          "end": (start + datetime.timedelta(hours=1)).isoformat(),
                                          "attendees": 2}, format="json")


def _prepared_here():
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, generic_plans + custom_plans FROM pg_prepared_statements")
        return dict(cursor.fetchall())


@pytest.mark.django_db(transaction=True)
def test_bookings_run_as_prepared_statements_planned_once_per_connection(resident, room, tomorrow, settings):
    settings.INBOX_DELIVER_ASYNC = True  # as served: the e-mail leaves from the worker
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=resident).key}")
    connection.close()  # a new session: nothing prepared yet
    assert _book(api, room, tomorrow, 9).status_code == 201
    with CaptureQueriesContext(connection) as ctx:
        assert _book(api, room, tomorrow, 11).status_code == 201
    sent = [q["sql"] for q in ctx.captured_queries]
    executed = {s.split("(")[0].removeprefix("EXECUTE ") for s in sent if s.startswith("EXECUTE ")}
    assert executed == NAMES, sent
    assert not any(s.startswith("PREPARE") for s in sent), "prepared once, by the first booking"
    before_commit = sent[:sent.index("COMMIT")]
    # The token, the lock, the checks, the booking with its history, the message, its e-mail delivery.
    assert len([s for s in before_commit if s != "BEGIN"]) == 6, before_commit
    runs = _prepared_here()
    assert {name: runs[name] for name in NAMES} == dict.fromkeys(NAMES, 2)
    assert Booking.objects.filter(resident=resident).count() == 2 and all(
        b.history.count() == 1 for b in Booking.objects.filter(resident=resident))

    connection.close()  # a reconnect prepares again instead of failing on a statement the new session lacks
    assert _book(api, room, tomorrow, 13).status_code == 201
    assert set(_prepared_here()) >= NAMES


@pytest.mark.django_db(transaction=True)
def test_behind_pgbouncer_nothing_is_prepared(resident, room, tomorrow, settings):
    settings.DATABASE_PREPARED_STATEMENTS = False
    connection.close()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=resident).key}")
    with CaptureQueriesContext(connection) as ctx:
        assert _book(api, room, tomorrow, 9).status_code == 201
    assert not any(q["sql"].startswith(("EXECUTE", "PREPARE")) for q in ctx.captured_queries)
    assert _prepared_here() == {}


def test_placeholders_are_numbered_by_name_or_in_order():
    assert prepared._positional("SELECT %(a)s, %(b)s, %(a)s") == ("SELECT $1, $2, $1", ["a", "b"])
    assert prepared._positional("INSERT INTO t VALUES (%s, %s)") == ("INSERT INTO t VALUES ($1, $2)", [0, 1])


@pytest.mark.django_db
def test_a_statement_name_is_checked():
    with connection.cursor() as cursor, pytest.raises(ValueError):
        prepared.execute(cursor, "x; DROP TABLE y", "SELECT 1", {})
