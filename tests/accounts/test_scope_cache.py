"""The resolved scope is kept between requests (one cache read, no grants query) and dropped when grants change."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Role, RoleGrant
from accounts.scopes import resolve_scope
from servicecenters.models import Booking, BookingStatus
from tests.factories import UserFactory, grant
from tests.servicecenters.factories import CenterFactory, RoomFactory


@pytest.fixture(autouse=True)
def stored_scopes(settings):
    settings.SCOPE_CACHE_SECONDS = 300


def _grants_queries(ctx):
    return [q["sql"] for q in ctx.captured_queries if "accounts_rolegrant" in q["sql"]]


@pytest.fixture
def center_booking(db):
    center = CenterFactory(code="SC01")
    room = RoomFactory(center=center)
    resident = grant(UserFactory(username="resident-0009", password="!"), Role.RESIDENT)
    start = timezone.now() + datetime.timedelta(days=2)
    return Booking.objects.create(room=room, resident=resident, start=start, end=start + datetime.timedelta(hours=1),
                                  attendees=1, status=BookingStatus.CONFIRMED)


@pytest.mark.django_db
def test_revoking_a_grant_takes_effect_on_the_next_request(center_booking):
    staff = UserFactory(username="center-SC01", password="!")
    staff_grant = RoleGrant.objects.create(user=staff, role=Role.CENTER_STAFF, center_id=center_booking.room.center_id)
    api = APIClient()
    api.force_login(staff)

    with CaptureQueriesContext(connection) as first:
        assert api.get("/api/v1/bookings/").json()["count"] == 1
    with CaptureQueriesContext(connection) as second:
        assert api.get("/api/v1/bookings/").json()["count"] == 1
    assert len(_grants_queries(first)) == 1
    assert _grants_queries(second) == [], "the scope comes from the cache on the next request"

    staff_grant.delete()
    with CaptureQueriesContext(connection) as after:
        assert api.get("/api/v1/bookings/").json()["count"] == 0
    assert len(_grants_queries(after)) == 1

    # And a new grant is seen at once too.
    RoleGrant.objects.create(user=staff, role=Role.CENTER_STAFF, center_id=center_booking.room.center_id)
    assert api.get("/api/v1/bookings/").json()["count"] == 1


@pytest.mark.django_db
def test_a_moved_node_drops_every_stored_scope(django_assert_num_queries):
    from tests.factories import StreetFactory

    street = StreetFactory(code="S01")
    user = grant(UserFactory(username="sec-S01"), Role.STREET_SECRETARY, street)
    assert resolve_scope(user).read_paths == ("/S01/",)
    fresh = type(user).objects.get(pk=user.pk)
    with django_assert_num_queries(0):
        assert resolve_scope(fresh).read_paths == ("/S01/",)
    street.name = "改名"
    street.save()
    again = type(user).objects.get(pk=user.pk)
    with django_assert_num_queries(1):
        resolve_scope(again)
