import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db


def test_healthz_ok_with_real_database_and_broker(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == {"ok": True, "vendor": "postgresql"}
    assert body["broker"]["ok"] is True and body["broker"]["mode"] == "redis"


@override_settings(CELERY_BROKER_URL="redis://127.0.0.1:1/0")
def test_healthz_503_names_the_broker_when_it_is_down(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["broker"]


def test_healthz_503_names_the_database_when_it_is_down(client, monkeypatch):
    from django.db import connection

    def broken_cursor(*args, **kwargs):
        from django.db import OperationalError

        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["database"]


@override_settings(CELERY_TASK_ALWAYS_EAGER=True)
def test_healthz_says_when_tasks_run_in_process(client):
    body = client.get("/healthz").json()
    assert body["broker"]["mode"] == "eager"


def test_front_door_signs_visitors_in_and_sends_staff_to_their_workbench_and_residents_to_booking(
        client, district_user, resident):
    assert 'id="sign-in-form"' in client.get("/").content.decode()
    client.force_login(resident)
    assert client.get("/")["Location"] == "/m/"
    client.force_login(district_user)
    assert client.get("/")["Location"] == "/workbench/"
