"""Reads that may be served by a read replica: the dashboard's refresh and the exports.

With `DATABASE_REPLICA_URL` set, settings add a `replica` database and `ReplicaRouter`; code that only reads and
can live with a replica that lags a second or two behind (figures refreshed every hour, a sheet downloaded)
runs inside `replica_reads()`. Everything else, and every write, goes to the primary: a page that has just
saved something must read it back from where it was written. Without a replica nothing changes.
"""

import contextlib
import contextvars

from django.db import connections

REPLICA = "replica"

_reading = contextvars.ContextVar("replica_reads", default=False)


def has_replica():
    return REPLICA in connections.settings


@contextlib.contextmanager
def replica_reads():
    """Route this block's reads to the replica (when there is one); writes still go to the primary."""
    token = _reading.set(True)
    try:
        yield
    finally:
        _reading.reset(token)


class ReplicaRouter:
    """Reads inside `replica_reads()` go to the replica; all else is left to the default database."""

    def db_for_read(self, model, **hints):
        if _reading.get() and has_replica():
            return REPLICA
        return None

    def db_for_write(self, model, **hints):
        return None

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica holds the same rows as the primary

    def allow_migrate(self, db, app_label, **hints):
        return db != REPLICA  # the replica follows the primary's schema by replication
