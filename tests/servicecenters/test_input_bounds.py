"""No input gives a 500: far dates in the phone pages and the API, a booking at 0001-01-01, JSON nested
100,000 deep (the anonymous token endpoint included), an API error that is not handled, an over-size body."""

import json

import pytest
from django.test import Client
from rest_framework.test import APIClient

from core.parsers import MAX_JSON_DEPTH, json_depth
from servicecenters import selectors

pytestmark = pytest.mark.django_db

FAR = ["0001-01-01", "9999-12-31", "9999-12-30"]


@pytest.fixture
def api(resident):
    client = APIClient()
    client.force_authenticate(resident)
    client.raise_request_exception = False
    return client


@pytest.mark.parametrize("day", FAR)
def test_far_dates_on_the_phone_pages(client, resident, room, day):
    client.force_login(resident)
    client.raise_request_exception = False
    page = client.get(f"/m/rooms/{room.pk}/", {"date": day})
    assert page.status_code == 200
    search = client.get("/m/search/", {"date": day, "start": "09:00", "end": "10:00", "people": 1})
    assert search.status_code == 200 and search.context["form"].errors["date"]
    booked = client.post(f"/m/rooms/{room.pk}/", {"date": day, "start": "09:00", "end": "10:00", "attendees": 1,
                                                  "weeks": 1, "on_clash": "skip"})
    assert booked.status_code == 200 and booked.context["form"].errors["date"]


@pytest.mark.parametrize("day", FAR)
def test_far_dates_in_the_api(api, room, day):
    response = api.get("/api/v1/free-rooms/", {"date": day, "start": "09:00", "end": "10:00"})
    assert response.status_code == 400 and "date" in response.json()


@pytest.mark.parametrize("start,end", [("0001-01-01T00:00:00Z", "0001-01-01T01:00:00Z"),
                                       ("9999-12-31T22:00:00Z", "9999-12-31T23:00:00Z"),
                                       ("9999-12-31T23:00:00+08:00", "9999-12-31T23:30:00+08:00")])
def test_a_booking_at_the_ends_of_time(api, room, start, end):
    response = api.post("/api/v1/bookings/", {"room": room.pk, "start": start, "end": end, "attendees": 1},
                        format="json")
    assert response.status_code == 400 and "start" in response.json()


def test_json_depth_is_counted_without_recursion():
    deep = [[]]
    for _ in range(200_000):
        deep = [deep]
    assert json_depth(deep) == 200_002 and json_depth({"a": [1, {"b": 2}]}) == 3 and json_depth(5) == 0


@pytest.mark.parametrize("depth", [100_000, MAX_JSON_DEPTH + 1])
def test_deep_json_is_a_400(api, room, depth):
    body = "[" * depth + "]" * depth
    response = api.post("/api/v1/bookings/", body, content_type="application/json")
    assert response.status_code == 400 and "JSON" in response.json()["detail"]
    anonymous = Client(raise_request_exception=False)
    response = anonymous.post("/api/v1/auth/token/", body, content_type="application/json")
    assert response.status_code == 400 and response["Content-Type"] == "application/json"


def test_json_at_the_depth_limit_is_read(api):
    body = json.dumps({"username": "x", "password": "y", "extra": json.loads("[" * 30 + "]" * 30)})
    response = Client().post("/api/v1/auth/token/", body, content_type="application/json")
    assert response.status_code == 400 and "non_field_errors" in response.json()  # read, then refused


def test_an_unhandled_api_error_answers_json(api, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(selectors, "free_rooms", broken)
    response = api.get("/api/v1/free-rooms/", {"date": "2030-01-02", "start": "09:00", "end": "10:00"})
    assert response.status_code == 500 and response.json()["code"] == "server_error"
    assert Client().get("/api/v1/no-such-thing/").json()["code"] == "not_found"
    page = Client().get("/m/no-such-page/")
    assert page.status_code == 404 and not page["Content-Type"].startswith("application/json")


def test_an_over_size_body_answers_json(api, room, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"room": room.pk, "purpose": "x" * 2000})
    response = api.post("/api/v1/bookings/", body, content_type="application/json")
    assert response.status_code == 413 and response.json()["code"] == "too_large"
    response = Client(raise_request_exception=False).post("/api/v1/auth/token/", body,
                                                          content_type="application/json")
    assert response.status_code == 413 and response.json()["code"] == "too_large"
