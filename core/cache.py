"""The cache on Redis, failing open.

The cache holds nothing that cannot be recomputed (the dashboard's figures, throttle counters), so a page must
not fail because Redis is down or frozen. `FailOpenRedisCache` is Django's Redis cache with short socket
timeouts (settings: 0.5 s) whose every operation, when Redis does not answer, goes to a local in-process cache
instead, with one logged warning; for `retry_after` seconds after a failure Redis is not asked at all (a frozen
server costs one timeout, not one per call), then it is tried again. Throttles and the dashboard keep working
per process meanwhile; /healthz still reports the broker (core.health).
"""

import logging
import threading
import time

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient

logger = logging.getLogger(__name__)

#: The operations passed through (BaseCache's get_or_set, incr_version … are built on these).
_OPERATIONS = ("add", "get", "set", "touch", "delete", "get_many", "has_key", "incr", "set_many", "delete_many",
               "clear")


def _redis_errors():
    import redis  # noqa: PLC0415

    return (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, redis.exceptions.BusyLoadingError,
            redis.exceptions.ReadOnlyError, OSError)


class ReusedClientRedisCacheClient(RedisCacheClient):
    """Django's Redis cache client, keeping one redis.Redis per connection pool: Django makes a new one for every
    operation, and its constructor (copying redis-py's table of response callbacks) cost about as much CPU as the
    round trip of a small read. A redis.Redis holds no connection of its own (the pool lends one per command) and
    is safe to share between threads."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class FailOpenRedisCache(RedisCache):
    """RedisCache that falls back to a per-process LocMemCache while Redis fails (see the module)."""

    def __init__(self, server, params):
        options = dict(params.get("OPTIONS") or {})
        self.retry_after = float(options.pop("retry_after", 10))
        super().__init__(server, {**params, "OPTIONS": options})
        self._class = ReusedClientRedisCacheClient
        self.fallback = LocMemCache(f"fail-open:{server}", {
            "TIMEOUT": params.get("TIMEOUT", 300), "OPTIONS": {"MAX_ENTRIES": 10_000}})
        self._errors = _redis_errors()
        self._lock = threading.Lock()

    # Shared across the instances Django makes per thread, so one failure spares every thread the timeout.
    _down_until = {}

    def _redis_down(self):
        return time.monotonic() < self._down_until.get(self._server_key, 0)

    @property
    def _server_key(self):
        return repr(self._servers)

    def _failed(self, operation, exc):
        with self._lock:
            first = not self._redis_down()
            self._down_until[self._server_key] = time.monotonic() + self.retry_after
        if first:
            logger.warning("Redis cache unavailable (%s on %s: %s); using the local fallback cache for %.0f s",
                           exc.__class__.__name__, operation, exc, self.retry_after)

    def is_down(self):
        """Whether Redis failed within the last `retry_after` seconds (the fallback is answering)."""
        return self._redis_down()


def _passthrough(name):
    redis_method = getattr(RedisCache, name)

    def method(self, *args, **kwargs):
        if not self._redis_down():
            try:
                return redis_method(self, *args, **kwargs)
            except self._errors as exc:
                self._failed(name, exc)
        return getattr(self.fallback, name)(*args, **kwargs)

    method.__name__ = name
    method.__doc__ = f"RedisCache.{name}, or the local fallback while Redis fails."
    return method


for _name in _OPERATIONS:
    setattr(FailOpenRedisCache, _name, _passthrough(_name))
