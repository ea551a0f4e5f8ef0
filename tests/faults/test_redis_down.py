"""Redis stopped or frozen (SIGSTOP): the pages that only cache or throttle through it keep answering, from the
database or a local fallback, with a logged warning; only /healthz reports the broker. A private redis-server
(tests/faults/conftest.py) stands in for Redis, so the rest of the suite keeps its own."""

import time

import pytest
from django.urls import reverse

from jinshui.settings import redis_cache
from tests.factories import MemberFactory

from .private_redis import private_redis  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def cache_on(private_redis, settings):
    settings.CACHES = {"default": {**redis_cache(private_redis.url), "OPTIONS": {
        **redis_cache(private_redis.url)["OPTIONS"], "retry_after": 30}}}
    return private_redis


def _pages(client, district_user, resident):
    """The three pages that failed with Redis away: the dashboard, the token endpoint, the member link."""
    client.force_login(district_user)
    dashboard = client.get("/dashboard/")
    client.logout()
    token = client.post(reverse("v1:token"), {"username": "district", "password": "wrong"},
                        content_type="application/json")
    client.force_login(resident)
    link = client.post(reverse("party:link"), {"name": "王明", "id_number": "410105198001011234",
                                                "phone": "13800138000"})
    return dashboard.status_code, token.status_code, link.status_code


def test_pages_work_while_redis_answers(client, cache_on, tree, district_user, resident):
    assert _pages(client, district_user, resident) == (200, 400, 302)


@pytest.mark.parametrize("failure", ["stopped", "frozen"])
def test_pages_degrade_when_redis_fails(client, cache_on, tree, district_user, resident, caplog, failure):
    MemberFactory(org=tree.grid)
    client.raise_request_exception = False
    if failure == "stopped":
        cache_on.stop()
    else:
        cache_on.freeze()
    try:
        started = time.monotonic()
        with caplog.at_level("WARNING", logger="core.cache"):
            assert _pages(client, district_user, resident) == (200, 400, 302)
        elapsed = time.monotonic() - started
    finally:
        if failure == "frozen":
            cache_on.thaw()
    # One short timeout (0.5 s) at most, then the fallback answers at once: not 5 s per call.
    assert elapsed < 3, elapsed
    assert any("Redis" in record.getMessage() for record in caplog.records)


def test_the_link_throttle_still_counts_on_the_fallback(client, cache_on, tree, resident):
    from members.selfservice.services import LINK_LIMIT_PER_USER

    cache_on.stop()
    client.force_login(resident)
    statuses = [client.post(reverse("party:link"), {"name": "王明", "id_number": "410105198001011234",
                                                     "phone": "13800138000"}).status_code
                for _ in range(LINK_LIMIT_PER_USER + 1)]
    # Each try is the first step of linking (a code is asked for next, whatever matched); past the limit, 429.
    assert statuses[-1] == 429 and set(statuses[:-1]) == {302}


def test_healthz_reports_the_broker(client, cache_on, settings):
    settings.CELERY_BROKER_URL = cache_on.url
    settings.CELERY_TASK_ALWAYS_EAGER = False
    assert client.get("/healthz").status_code == 200
    cache_on.stop()
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json()["failed"] == ["broker"]


def test_the_cache_keeps_one_redis_client_per_server(cache_on):
    """core.cache.ReusedClientRedisCacheClient: no redis.Redis made per operation (its constructor cost as much as a
    small read); the reads and writes still reach the server."""
    from django.core.cache import cache

    client = cache._cache.get_client()
    assert cache._cache.get_client(write=True) is client
    cache.set("reused", 1)
    assert cache.get("reused") == 1 and cache._cache.get_client() is client
